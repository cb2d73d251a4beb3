"""Payments (网上支付): a case's payment order, starting a payment, and the provider's
notifications (which carry no token: their signature is checked by the payment service)."""

from __future__ import annotations

from typing import Any

import grpc
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from gateway.auth import PersonDep
from gateway.deps import BackendsDep
from gateway.payment_json import PRIVATE, order_json, stub
from gateway.schemas import obj, ref, returns, string
from mgov.payment.v1 import payment_pb2 as pb

router = APIRouter(prefix="/v1", tags=["payments"])
NOTIFICATION_MAX_BODY = 64 * 1024


@router.get("/applications/{application_id}/payment", responses=returns(ref(pb.PaymentOrder.DESCRIPTOR)),
            summary="The payment order of your case (its fees, amount in fen, status, receipt)")
async def case_payment(application_id: str, caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    order = await stub(backends).GetCasePayment(pb.GetCasePaymentRequest(application_id=application_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return order_json(order)


@router.post("/payments/{order_id}/pay", responses=returns(ref(pb.StartPaymentResponse.DESCRIPTOR)),
             summary="Start paying an order: a provider transaction and the page (pay_url) to confirm it on")
async def pay(order_id: str, request: Request, caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    client_ip = request.client.host if request.client else ""
    started = await stub(backends).StartPayment(pb.StartPaymentRequest(order_id=order_id, client_ip=client_ip), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"order": order_json(started.order), "provider": started.provider, "out_trade_no": started.out_trade_no,
            "pay_url": started.pay_url}


@router.post("/payments/notifications/{provider}", responses=returns(obj("NotificationAck", {"outcome": string()})),
             summary="The payment provider's notification (signed by the provider; no token)", max_body_size=NOTIFICATION_MAX_BODY)
async def provider_notification(provider: str, request: Request, backends: BackendsDep) -> Response:
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items() if k.lower().startswith("wechatpay-")}
    try:
        ack = await stub(backends).HandleProviderNotification(pb.ProviderNotification(provider=provider[:32], headers=headers, body=body))
    except grpc.aio.AioRpcError as exc:
        if exc.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT):
            # The provider's own failure shape: it retries, and the refusal is logged by the service.
            return JSONResponse({"code": "FAIL", "message": "notification refused"}, status_code=400 if
                                exc.code() == grpc.StatusCode.INVALID_ARGUMENT else 401)
        raise
    return JSONResponse({"outcome": ack.outcome}, status_code=200)
