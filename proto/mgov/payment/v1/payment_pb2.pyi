import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_STATUS_UNSPECIFIED: _ClassVar[OrderStatus]
    ORDER_STATUS_CREATED: _ClassVar[OrderStatus]
    ORDER_STATUS_PAYING: _ClassVar[OrderStatus]
    ORDER_STATUS_PAID: _ClassVar[OrderStatus]
    ORDER_STATUS_EXPIRED: _ClassVar[OrderStatus]
    ORDER_STATUS_FAILED: _ClassVar[OrderStatus]
    ORDER_STATUS_REFUNDING: _ClassVar[OrderStatus]
    ORDER_STATUS_REFUNDED: _ClassVar[OrderStatus]
ORDER_STATUS_UNSPECIFIED: OrderStatus
ORDER_STATUS_CREATED: OrderStatus
ORDER_STATUS_PAYING: OrderStatus
ORDER_STATUS_PAID: OrderStatus
ORDER_STATUS_EXPIRED: OrderStatus
ORDER_STATUS_FAILED: OrderStatus
ORDER_STATUS_REFUNDING: OrderStatus
ORDER_STATUS_REFUNDED: OrderStatus

class Fee(_message.Message):
    __slots__ = ("name_zh", "name_en", "amount_fen", "basis")
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    name_zh: str
    name_en: str
    amount_fen: int
    basis: str
    def __init__(self, name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., amount_fen: _Optional[int] = ..., basis: _Optional[str] = ...) -> None: ...

class PaymentOrder(_message.Message):
    __slots__ = ("id", "tenant_id", "application_id", "case_number", "service_id", "service_version", "item_name_zh", "item_name_en", "fees", "amount_fen", "currency", "status", "provider", "expire_time", "create_time", "paid_time", "refunded_fen", "receipt_id", "transaction_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_VERSION_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_EN_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PAID_TIME_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_FEN_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    application_id: str
    case_number: str
    service_id: str
    service_version: int
    item_name_zh: str
    item_name_en: str
    fees: _containers.RepeatedCompositeFieldContainer[Fee]
    amount_fen: int
    currency: str
    status: OrderStatus
    provider: str
    expire_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    paid_time: _timestamp_pb2.Timestamp
    refunded_fen: int
    receipt_id: str
    transaction_id: str
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., application_id: _Optional[str] = ..., case_number: _Optional[str] = ..., service_id: _Optional[str] = ..., service_version: _Optional[int] = ..., item_name_zh: _Optional[str] = ..., item_name_en: _Optional[str] = ..., fees: _Optional[_Iterable[_Union[Fee, _Mapping]]] = ..., amount_fen: _Optional[int] = ..., currency: _Optional[str] = ..., status: _Optional[_Union[OrderStatus, str]] = ..., provider: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paid_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refunded_fen: _Optional[int] = ..., receipt_id: _Optional[str] = ..., transaction_id: _Optional[str] = ...) -> None: ...

class GetCasePaymentRequest(_message.Message):
    __slots__ = ("application_id",)
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    def __init__(self, application_id: _Optional[str] = ...) -> None: ...

class StartPaymentRequest(_message.Message):
    __slots__ = ("order_id", "client_ip")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_IP_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    client_ip: str
    def __init__(self, order_id: _Optional[str] = ..., client_ip: _Optional[str] = ...) -> None: ...

class StartPaymentResponse(_message.Message):
    __slots__ = ("order", "provider", "out_trade_no", "pay_url")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    OUT_TRADE_NO_FIELD_NUMBER: _ClassVar[int]
    PAY_URL_FIELD_NUMBER: _ClassVar[int]
    order: PaymentOrder
    provider: str
    out_trade_no: str
    pay_url: str
    def __init__(self, order: _Optional[_Union[PaymentOrder, _Mapping]] = ..., provider: _Optional[str] = ..., out_trade_no: _Optional[str] = ..., pay_url: _Optional[str] = ...) -> None: ...

class ProviderNotification(_message.Message):
    __slots__ = ("provider", "headers", "body")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    provider: str
    headers: _containers.ScalarMap[str, str]
    body: bytes
    def __init__(self, provider: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ..., body: _Optional[bytes] = ...) -> None: ...

class ProviderNotificationAck(_message.Message):
    __slots__ = ("outcome",)
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    outcome: str
    def __init__(self, outcome: _Optional[str] = ...) -> None: ...

class ListReceiptsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListReceiptsResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Receipt]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[Receipt, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetReceiptRequest(_message.Message):
    __slots__ = ("receipt_id",)
    RECEIPT_ID_FIELD_NUMBER: _ClassVar[int]
    receipt_id: str
    def __init__(self, receipt_id: _Optional[str] = ...) -> None: ...

class Receipt(_message.Message):
    __slots__ = ("id", "order_id", "application_id", "document_json", "signature", "key_id", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_JSON_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    order_id: str
    application_id: str
    document_json: str
    signature: str
    key_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., order_id: _Optional[str] = ..., application_id: _Optional[str] = ..., document_json: _Optional[str] = ..., signature: _Optional[str] = ..., key_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VerifyReceiptRequest(_message.Message):
    __slots__ = ("receipt_id", "file")
    RECEIPT_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    receipt_id: str
    file: bytes
    def __init__(self, receipt_id: _Optional[str] = ..., file: _Optional[bytes] = ...) -> None: ...

class VerifyReceiptResponse(_message.Message):
    __slots__ = ("valid", "reason", "receipt")
    VALID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    reason: str
    receipt: Receipt
    def __init__(self, valid: _Optional[bool] = ..., reason: _Optional[str] = ..., receipt: _Optional[_Union[Receipt, _Mapping]] = ...) -> None: ...

class GetReceiptKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetReceiptKeysResponse(_message.Message):
    __slots__ = ("jwks_json",)
    JWKS_JSON_FIELD_NUMBER: _ClassVar[int]
    jwks_json: str
    def __init__(self, jwks_json: _Optional[str] = ...) -> None: ...

class ReconciliationFinding(_message.Message):
    __slots__ = ("id", "bill_date", "tenant_id", "kind", "out_trade_no", "merchant", "detail_json", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    BILL_DATE_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OUT_TRADE_NO_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    bill_date: str
    tenant_id: str
    kind: str
    out_trade_no: str
    merchant: str
    detail_json: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., bill_date: _Optional[str] = ..., tenant_id: _Optional[str] = ..., kind: _Optional[str] = ..., out_trade_no: _Optional[str] = ..., merchant: _Optional[str] = ..., detail_json: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListReconciliationFindingsRequest(_message.Message):
    __slots__ = ("tenant_id", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListReconciliationFindingsResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ReconciliationFinding]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[ReconciliationFinding, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RefundPaymentRequest(_message.Message):
    __slots__ = ("order_id", "amount_fen", "reason", "refund_key")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REFUND_KEY_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    amount_fen: int
    reason: str
    refund_key: str
    def __init__(self, order_id: _Optional[str] = ..., amount_fen: _Optional[int] = ..., reason: _Optional[str] = ..., refund_key: _Optional[str] = ...) -> None: ...

class Refund(_message.Message):
    __slots__ = ("out_refund_no", "order_id", "amount_fen", "status", "kind", "reason", "refund_key", "create_time", "update_time")
    OUT_REFUND_NO_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REFUND_KEY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    out_refund_no: str
    order_id: str
    amount_fen: int
    status: str
    kind: str
    reason: str
    refund_key: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, out_refund_no: _Optional[str] = ..., order_id: _Optional[str] = ..., amount_fen: _Optional[int] = ..., status: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., refund_key: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
