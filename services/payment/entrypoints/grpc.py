"""The PaymentService gRPC servicer: proto in, a use case, proto out. No rules here."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from mgov.payment.v1 import payment_pb2 as pb
from mgov.payment.v1 import payment_pb2_grpc
from mgov_common.protojson import datetime_to_timestamp
from mgov_common.errors import InvalidArgument
from mgov_common.principal import require_person
from services.payment.domain.order import Order
from services.payment.service_layer import finance, notifications, orders, receipts
from services.payment.service_layer.context import Context

MAX_NOTIFICATION_BYTES = 64 * 1024


def order_pb(o: Order, receipt_id: str = "") -> pb.PaymentOrder:
    return pb.PaymentOrder(
        id=str(o.id), tenant_id=o.tenant_id, application_id=str(o.application_id), case_number=o.case_number,
        service_id=str(o.service_id), service_version=o.service_version, item_name_zh=o.item_name.get("zh", ""),
        item_name_en=o.item_name.get("en", ""),
        fees=[pb.Fee(name_zh=(f.get("name") or {}).get("zh", ""), name_en=(f.get("name") or {}).get("en", ""),
                     amount_fen=int(f.get("amount_fen") or 0), basis=str(f.get("basis") or "")) for f in o.fees],
        amount_fen=o.amount_fen, currency=o.currency, status=pb.OrderStatus.Value(f"ORDER_STATUS_{o.status.upper()}"),
        provider=o.provider, expire_time=datetime_to_timestamp(o.expire_time), create_time=datetime_to_timestamp(o.create_time), paid_time=datetime_to_timestamp(o.paid_time),
        refunded_fen=o.refunded_fen, receipt_id=receipt_id, transaction_id=o.transaction_id or "")


def receipt_pb(r: asyncpg.Record) -> pb.Receipt:
    return pb.Receipt(id=str(r["id"]), order_id=str(r["order_id"]), application_id=str(r["application_id"]),
                      document_json=r["document_json"], signature=r["signature"], key_id=r["key_id"], create_time=datetime_to_timestamp(r["create_time"]))


def finding_pb(r: asyncpg.Record) -> pb.ReconciliationFinding:
    return pb.ReconciliationFinding(id=str(r["id"]), bill_date=r["bill_date"].isoformat(), tenant_id=r["tenant_id"] or "", kind=r["kind"],
                                    out_trade_no=r["out_trade_no"], merchant=r["merchant"] or "",
                                    detail_json=r["detail"] if isinstance(r["detail"], str) else json.dumps(r["detail"], ensure_ascii=False),
                                    create_time=datetime_to_timestamp(r["create_time"]))


def refund_pb(r: asyncpg.Record) -> pb.Refund:
    return pb.Refund(out_refund_no=r["out_refund_no"], order_id=str(r["order_id"]), amount_fen=r["amount_fen"], status=r["status"],
                     kind=r["kind"], reason=r["reason"], refund_key=r["refund_key"] or "", create_time=datetime_to_timestamp(r["create_time"]),
                     update_time=datetime_to_timestamp(r["update_time"]))


class PaymentServicer(payment_pb2_grpc.PaymentServiceServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def GetCasePayment(self, r: pb.GetCasePaymentRequest, context: Any) -> pb.PaymentOrder:
        order, receipt_id = await orders.get_for_case(self.ctx, require_person(), r.application_id)
        return order_pb(order, receipt_id)

    async def StartPayment(self, r: pb.StartPaymentRequest, context: Any) -> pb.StartPaymentResponse:
        started = await orders.start_payment(self.ctx, require_person(), r.order_id, r.client_ip[:64])
        return pb.StartPaymentResponse(order=order_pb(started.order), provider=started.order.provider, out_trade_no=started.out_trade_no,
                                       pay_url=started.pay_url)

    async def HandleProviderNotification(self, r: pb.ProviderNotification, context: Any) -> pb.ProviderNotificationAck:
        if len(r.body) > MAX_NOTIFICATION_BYTES:
            raise InvalidArgument("a notification is at most 64 KiB", code="too_large", field="body")
        outcome = await notifications.handle(self.ctx, r.provider, dict(r.headers), r.body)
        return pb.ProviderNotificationAck(outcome=outcome)

    async def ListReceipts(self, r: pb.ListReceiptsRequest, context: Any) -> pb.ListReceiptsResponse:
        rows, token = await receipts.list_own(self.ctx, require_person(), r.page_size, r.page_token)
        return pb.ListReceiptsResponse(items=[receipt_pb(x) for x in rows], next_page_token=token)

    async def GetReceipt(self, r: pb.GetReceiptRequest, context: Any) -> pb.Receipt:
        return receipt_pb(await receipts.get(self.ctx, require_person(), r.receipt_id))

    async def VerifyReceipt(self, r: pb.VerifyReceiptRequest, context: Any) -> pb.VerifyReceiptResponse:
        ok, why, row = await receipts.verify(self.ctx, r.receipt_id, r.file)
        return pb.VerifyReceiptResponse(valid=ok, reason=why, receipt=receipt_pb(row) if row is not None else None)

    async def GetReceiptKeys(self, r: pb.GetReceiptKeysRequest, context: Any) -> pb.GetReceiptKeysResponse:
        return pb.GetReceiptKeysResponse(jwks_json=json.dumps(receipts.jwks(self.ctx)))

    async def ListReconciliationFindings(self, r: pb.ListReconciliationFindingsRequest, context: Any) -> pb.ListReconciliationFindingsResponse:
        rows, token = await finance.list_findings(self.ctx, require_person(), r.tenant_id[:64], r.page_size, r.page_token)
        return pb.ListReconciliationFindingsResponse(items=[finding_pb(x) for x in rows], next_page_token=token)

    async def RefundPayment(self, r: pb.RefundPaymentRequest, context: Any) -> pb.Refund:
        return refund_pb(await finance.refund(self.ctx, require_person(), r.order_id, r.amount_fen, r.reason, r.refund_key))
