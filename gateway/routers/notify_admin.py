"""Tenant administration of notifications: save a template version, read the delivery log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from gateway.auth import SignedInDep
from gateway.deps import BackendsDep
from gateway.notify_json import PRIVATE, stub
from gateway.paging import PageSize, PageToken
from gateway.problems import Problem
from mgov.notify.v1 import notify_pb2 as pb
from mgov_common import protojson
from gateway.schemas import page, ref, returns
from mgov.notify.v1 import notify_pb2 as _npb

router = APIRouter(prefix="/v1", tags=["notification admin"])


class TemplateIn(BaseModel):
    key: str = Field(max_length=60, description="e.g. application.completed, sla.breached, rating.invitation")
    channel: str = Field(max_length=20, description="in_app, push or sms")
    locale: str = Field(default="zh-CN", max_length=10, description="zh-CN or en")
    title: str = Field(default="", max_length=400)
    body: str = Field(max_length=8000, description="placeholders {{ name }}; the key decides which names exist")
    urgent: bool = Field(default=False, description="true: ignore quiet hours (false keeps the key's default)")


def _channel(raw: str) -> int:
    number = protojson.enum_number(pb.NotificationChannel.DESCRIPTOR, raw) if raw else None
    if number is None:
        raise Problem(422, "unknown_channel", "channel is in_app, push or sms",
                      errors=[{"field": "channel", "code": "unknown_channel", "message": "in_app, push or sms"}])
    return number


@router.post("/tenants/{tenant_id}/notification-templates", responses=returns(ref(_npb.Template.DESCRIPTOR), 201), status_code=201, summary="Save a new version of a tenant's template")
async def save_template(tenant_id: str, body: TemplateIn, caller: SignedInDep, backends: BackendsDep) -> dict[str, Any]:
    template = pb.Template(key=body.key, channel=_channel(body.channel), locale=body.locale, title=body.title, body=body.body,
                           urgent=body.urgent)
    saved = await stub(backends).SaveTemplate(pb.SaveTemplateRequest(tenant_id=tenant_id, template=template), metadata=caller.metadata)
    return protojson.to_json(saved)  # type: ignore[no-any-return]


@router.get("/tenants/{tenant_id}/notification-deliveries", responses=returns(page(ref(_npb.Delivery.DESCRIPTOR))), summary="The delivery log of a tenant (and its subtree), newest first")
async def deliveries(
    tenant_id: str, caller: SignedInDep, backends: BackendsDep, response: Response,
    notification_id: Annotated[str, Query(max_length=64)] = "", recipient_id: Annotated[str, Query(max_length=64)] = "",
    channel: Annotated[str, Query(max_length=20)] = "", status: Annotated[str, Query(max_length=30)] = "",
    page_size: PageSize = 0, page_token: PageToken = "",
) -> dict[str, Any]:
    status_number = protojson.enum_number(pb.DeliveryStatus.DESCRIPTOR, status) if status else 0
    if status_number is None:
        raise Problem(422, "unknown_status", "unknown delivery status",
                      errors=[{"field": "status", "code": "unknown_status", "message": "e.g. delivered, permanent_failure"}])
    resp = await stub(backends).ListDeliveries(pb.ListDeliveriesRequest(
        tenant_id=tenant_id, notification_id=notification_id, recipient_id=recipient_id, channel=_channel(channel) if channel else 0,
        status=status_number, page_size=page_size, page_token=page_token), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [protojson.to_json(d) for d in resp.deliveries], "next_page_token": resp.next_page_token}
