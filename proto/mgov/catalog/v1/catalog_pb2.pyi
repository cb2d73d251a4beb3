import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mgov.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ItemType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ITEM_TYPE_UNSPECIFIED: _ClassVar[ItemType]
    ITEM_TYPE_ADMINISTRATIVE_LICENSING: _ClassVar[ItemType]
    ITEM_TYPE_ADMINISTRATIVE_CONFIRMATION: _ClassVar[ItemType]
    ITEM_TYPE_ADMINISTRATIVE_PAYMENT: _ClassVar[ItemType]
    ITEM_TYPE_ADMINISTRATIVE_ADJUDICATION: _ClassVar[ItemType]
    ITEM_TYPE_ADMINISTRATIVE_REWARD: _ClassVar[ItemType]
    ITEM_TYPE_ADMINISTRATIVE_FILING: _ClassVar[ItemType]
    ITEM_TYPE_OTHER_ADMINISTRATIVE_POWER: _ClassVar[ItemType]
    ITEM_TYPE_PUBLIC_SERVICE: _ClassVar[ItemType]

class ItemStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ITEM_STATUS_UNSPECIFIED: _ClassVar[ItemStatus]
    ITEM_STATUS_DRAFT: _ClassVar[ItemStatus]
    ITEM_STATUS_PUBLISHED: _ClassVar[ItemStatus]
    ITEM_STATUS_RETIRED: _ClassVar[ItemStatus]

class ProcessingKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROCESSING_KIND_UNSPECIFIED: _ClassVar[ProcessingKind]
    PROCESSING_KIND_INSTANT: _ClassVar[ProcessingKind]
    PROCESSING_KIND_PROMISED: _ClassVar[ProcessingKind]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_APP: _ClassVar[Channel]
    CHANNEL_WEB: _ClassVar[Channel]
    CHANNEL_SERVICE_HALL: _ClassVar[Channel]

class MaterialSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATERIAL_SOURCE_UNSPECIFIED: _ClassVar[MaterialSource]
    MATERIAL_SOURCE_CITIZEN_UPLOAD: _ClassVar[MaterialSource]
    MATERIAL_SOURCE_ELECTRONIC_LICENSE: _ClassVar[MaterialSource]
    MATERIAL_SOURCE_DATA_SHARING: _ClassVar[MaterialSource]
ITEM_TYPE_UNSPECIFIED: ItemType
ITEM_TYPE_ADMINISTRATIVE_LICENSING: ItemType
ITEM_TYPE_ADMINISTRATIVE_CONFIRMATION: ItemType
ITEM_TYPE_ADMINISTRATIVE_PAYMENT: ItemType
ITEM_TYPE_ADMINISTRATIVE_ADJUDICATION: ItemType
ITEM_TYPE_ADMINISTRATIVE_REWARD: ItemType
ITEM_TYPE_ADMINISTRATIVE_FILING: ItemType
ITEM_TYPE_OTHER_ADMINISTRATIVE_POWER: ItemType
ITEM_TYPE_PUBLIC_SERVICE: ItemType
ITEM_STATUS_UNSPECIFIED: ItemStatus
ITEM_STATUS_DRAFT: ItemStatus
ITEM_STATUS_PUBLISHED: ItemStatus
ITEM_STATUS_RETIRED: ItemStatus
PROCESSING_KIND_UNSPECIFIED: ProcessingKind
PROCESSING_KIND_INSTANT: ProcessingKind
PROCESSING_KIND_PROMISED: ProcessingKind
CHANNEL_UNSPECIFIED: Channel
CHANNEL_APP: Channel
CHANNEL_WEB: Channel
CHANNEL_SERVICE_HALL: Channel
MATERIAL_SOURCE_UNSPECIFIED: MaterialSource
MATERIAL_SOURCE_CITIZEN_UPLOAD: MaterialSource
MATERIAL_SOURCE_ELECTRONIC_LICENSE: MaterialSource
MATERIAL_SOURCE_DATA_SHARING: MaterialSource

class Material(_message.Message):
    __slots__ = ("code", "name", "required", "copies", "format", "source", "description")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    COPIES_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: _common_pb2.LocalizedText
    required: bool
    copies: int
    format: str
    source: MaterialSource
    description: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., required: _Optional[bool] = ..., copies: _Optional[int] = ..., format: _Optional[str] = ..., source: _Optional[_Union[MaterialSource, str]] = ..., description: _Optional[str] = ...) -> None: ...

class Fee(_message.Message):
    __slots__ = ("name", "amount_fen", "basis", "description", "payer")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FEN_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PAYER_FIELD_NUMBER: _ClassVar[int]
    name: _common_pb2.LocalizedText
    amount_fen: int
    basis: str
    description: str
    payer: str
    def __init__(self, name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., amount_fen: _Optional[int] = ..., basis: _Optional[str] = ..., description: _Optional[str] = ..., payer: _Optional[str] = ...) -> None: ...

class ServiceGuide(_message.Message):
    __slots__ = ("legal_basis", "conditions", "materials", "free", "fees", "statutory_limit_days", "promised_limit_days", "processing_kind", "channels", "visits", "appointment", "address", "contact", "office_hours", "process_steps")
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    FREE_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    STATUTORY_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    PROMISED_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_KIND_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    VISITS_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    OFFICE_HOURS_FIELD_NUMBER: _ClassVar[int]
    PROCESS_STEPS_FIELD_NUMBER: _ClassVar[int]
    legal_basis: _containers.RepeatedScalarFieldContainer[str]
    conditions: _containers.RepeatedScalarFieldContainer[str]
    materials: _containers.RepeatedCompositeFieldContainer[Material]
    free: bool
    fees: _containers.RepeatedCompositeFieldContainer[Fee]
    statutory_limit_days: int
    promised_limit_days: int
    processing_kind: ProcessingKind
    channels: _containers.RepeatedScalarFieldContainer[Channel]
    visits: int
    appointment: bool
    address: str
    contact: str
    office_hours: str
    process_steps: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, legal_basis: _Optional[_Iterable[str]] = ..., conditions: _Optional[_Iterable[str]] = ..., materials: _Optional[_Iterable[_Union[Material, _Mapping]]] = ..., free: _Optional[bool] = ..., fees: _Optional[_Iterable[_Union[Fee, _Mapping]]] = ..., statutory_limit_days: _Optional[int] = ..., promised_limit_days: _Optional[int] = ..., processing_kind: _Optional[_Union[ProcessingKind, str]] = ..., channels: _Optional[_Iterable[_Union[Channel, str]]] = ..., visits: _Optional[int] = ..., appointment: _Optional[bool] = ..., address: _Optional[str] = ..., contact: _Optional[str] = ..., office_hours: _Optional[str] = ..., process_steps: _Optional[_Iterable[str]] = ...) -> None: ...

class ServiceItem(_message.Message):
    __slots__ = ("id", "tenant_id", "code", "name", "type", "agency", "department", "summary", "guide", "keywords", "form_schema", "workflow_id", "required_identity_level", "status", "version", "inherited_from", "localized_fields", "etag", "use_count", "create_time", "update_time", "publish_time", "updated_by", "base_version", "has_draft")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    GUIDE_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    FORM_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_IDENTITY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    INHERITED_FROM_FIELD_NUMBER: _ClassVar[int]
    LOCALIZED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    USE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    HAS_DRAFT_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    code: str
    name: _common_pb2.LocalizedText
    type: ItemType
    agency: str
    department: str
    summary: _common_pb2.LocalizedText
    guide: ServiceGuide
    keywords: _containers.RepeatedScalarFieldContainer[str]
    form_schema: _struct_pb2.Struct
    workflow_id: str
    required_identity_level: _common_pb2.IdentityLevel
    status: ItemStatus
    version: int
    inherited_from: str
    localized_fields: _containers.RepeatedScalarFieldContainer[str]
    etag: str
    use_count: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    publish_time: _timestamp_pb2.Timestamp
    updated_by: _common_pb2.Actor
    base_version: int
    has_draft: bool
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., type: _Optional[_Union[ItemType, str]] = ..., agency: _Optional[str] = ..., department: _Optional[str] = ..., summary: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., guide: _Optional[_Union[ServiceGuide, _Mapping]] = ..., keywords: _Optional[_Iterable[str]] = ..., form_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., workflow_id: _Optional[str] = ..., required_identity_level: _Optional[_Union[_common_pb2.IdentityLevel, str]] = ..., status: _Optional[_Union[ItemStatus, str]] = ..., version: _Optional[int] = ..., inherited_from: _Optional[str] = ..., localized_fields: _Optional[_Iterable[str]] = ..., etag: _Optional[str] = ..., use_count: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ..., base_version: _Optional[int] = ..., has_draft: _Optional[bool] = ...) -> None: ...

class ListServicesRequest(_message.Message):
    __slots__ = ("tenant_id", "q", "type", "department", "channel", "include_drafts", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    Q_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DRAFTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    q: str
    type: ItemType
    department: str
    channel: Channel
    include_drafts: bool
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., q: _Optional[str] = ..., type: _Optional[_Union[ItemType, str]] = ..., department: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., include_drafts: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListServicesResponse(_message.Message):
    __slots__ = ("services", "next_page_token")
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    services: _containers.RepeatedCompositeFieldContainer[ServiceItem]
    next_page_token: str
    def __init__(self, services: _Optional[_Iterable[_Union[ServiceItem, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetServiceRequest(_message.Message):
    __slots__ = ("service_id", "version", "draft")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    version: int
    draft: bool
    def __init__(self, service_id: _Optional[str] = ..., version: _Optional[int] = ..., draft: _Optional[bool] = ...) -> None: ...

class CreateDraftRequest(_message.Message):
    __slots__ = ("tenant_id", "base_item_id", "item", "update_mask", "request_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    BASE_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    base_item_id: str
    item: ServiceItem
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., base_item_id: _Optional[str] = ..., item: _Optional[_Union[ServiceItem, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateDraftRequest(_message.Message):
    __slots__ = ("service_id", "item", "update_mask", "etag", "version", "replace")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REPLACE_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    item: ServiceItem
    update_mask: _field_mask_pb2.FieldMask
    etag: str
    version: int
    replace: bool
    def __init__(self, service_id: _Optional[str] = ..., item: _Optional[_Union[ServiceItem, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., etag: _Optional[str] = ..., version: _Optional[int] = ..., replace: _Optional[bool] = ...) -> None: ...

class PublishItemRequest(_message.Message):
    __slots__ = ("service_id", "etag")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    etag: str
    def __init__(self, service_id: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class RetireItemRequest(_message.Message):
    __slots__ = ("service_id", "reason")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    reason: str
    def __init__(self, service_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class OptOutRequest(_message.Message):
    __slots__ = ("tenant_id", "service_id", "opt_out", "reason")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    OPT_OUT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    service_id: str
    opt_out: bool
    reason: str
    def __init__(self, tenant_id: _Optional[str] = ..., service_id: _Optional[str] = ..., opt_out: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class OptOutResponse(_message.Message):
    __slots__ = ("tenant_id", "service_id", "opted_out")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    OPTED_OUT_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    service_id: str
    opted_out: bool
    def __init__(self, tenant_id: _Optional[str] = ..., service_id: _Optional[str] = ..., opted_out: _Optional[bool] = ...) -> None: ...

class ListVersionsRequest(_message.Message):
    __slots__ = ("service_id",)
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    def __init__(self, service_id: _Optional[str] = ...) -> None: ...

class ItemVersion(_message.Message):
    __slots__ = ("version", "etag", "publish_time", "base_version", "published_by")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    version: int
    etag: str
    publish_time: _timestamp_pb2.Timestamp
    base_version: int
    published_by: _common_pb2.Actor
    def __init__(self, version: _Optional[int] = ..., etag: _Optional[str] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., base_version: _Optional[int] = ..., published_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ...) -> None: ...

class ListVersionsResponse(_message.Message):
    __slots__ = ("versions",)
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[ItemVersion]
    def __init__(self, versions: _Optional[_Iterable[_Union[ItemVersion, _Mapping]]] = ...) -> None: ...

class Notice(_message.Message):
    __slots__ = ("id", "tenant_id", "title", "body", "category", "publish_time", "published_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    title: _common_pb2.LocalizedText
    body: _common_pb2.LocalizedText
    category: str
    publish_time: _timestamp_pb2.Timestamp
    published_by: _common_pb2.Actor
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., title: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., body: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., category: _Optional[str] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_by: _Optional[_Union[_common_pb2.Actor, _Mapping]] = ...) -> None: ...

class ListNoticesRequest(_message.Message):
    __slots__ = ("tenant_id", "category", "own_only", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    OWN_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    category: str
    own_only: bool
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., category: _Optional[str] = ..., own_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListNoticesResponse(_message.Message):
    __slots__ = ("notices", "next_page_token")
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    notices: _containers.RepeatedCompositeFieldContainer[Notice]
    next_page_token: str
    def __init__(self, notices: _Optional[_Iterable[_Union[Notice, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PublishNoticeRequest(_message.Message):
    __slots__ = ("tenant_id", "title", "body", "category", "publish_time", "request_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    title: _common_pb2.LocalizedText
    body: _common_pb2.LocalizedText
    category: str
    publish_time: _timestamp_pb2.Timestamp
    request_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., title: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., body: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., category: _Optional[str] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListPublicationsRequest(_message.Message):
    __slots__ = ("tenant_id", "page_size", "page_token")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    page_size: int
    page_token: str
    def __init__(self, tenant_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class PublishedItem(_message.Message):
    __slots__ = ("id", "tenant_id", "code", "name", "department", "status", "promised_limit_days", "first_publish_time", "latest_publish_time", "retire_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROMISED_LIMIT_DAYS_FIELD_NUMBER: _ClassVar[int]
    FIRST_PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    LATEST_PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    RETIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    code: str
    name: _common_pb2.LocalizedText
    department: str
    status: ItemStatus
    promised_limit_days: int
    first_publish_time: _timestamp_pb2.Timestamp
    latest_publish_time: _timestamp_pb2.Timestamp
    retire_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., code: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., department: _Optional[str] = ..., status: _Optional[_Union[ItemStatus, str]] = ..., promised_limit_days: _Optional[int] = ..., first_publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., latest_publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., retire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PublishedNotice(_message.Message):
    __slots__ = ("id", "title", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: _common_pb2.LocalizedText
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., title: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListPublicationsResponse(_message.Message):
    __slots__ = ("items", "newest_notice", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEWEST_NOTICE_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[PublishedItem]
    newest_notice: PublishedNotice
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[PublishedItem, _Mapping]]] = ..., newest_notice: _Optional[_Union[PublishedNotice, _Mapping]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
