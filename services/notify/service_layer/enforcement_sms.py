"""Enforcement SMS: an order to correct (责令限期整改) sent to a supervised subject's
contact phone, which belongs to no account (so no preferences, inbox or templates apply).

Sent at once through the SMS provider and not stored: the enforcement service owns the
phone and the record of the order, and retries with the same message id. Only the
enforcement service may ask (a platform token with subject `enforcement`). The text is
fixed here and only the facts come from the caller, bounded, so the channel cannot be
used to send arbitrary messages in the tenant's name.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from mgov_common.errors import FailedPrecondition, InvalidArgument, PermissionDenied, Unavailable
from mgov_common.phone import is_mobile, mask_phone
from mgov_common.principal import PLATFORM, Principal
from services.notify.adapters.sms import SmsMessage
from services.notify.adapters.uow import UnitOfWork
from services.notify.domain.delivery import Outcome
from services.notify.service_layer.context import Context

log = logging.getLogger(__name__)

KINDS = ("correction_order",)
MAX_ITEMS, MAX_ITEM_CHARS, MAX_NAME_CHARS = 10, 120, 100


def _clean(text: str, limit: int) -> str:
    """One line, without control characters, at most `limit` characters."""
    flat = "".join(c if c.isprintable() else " " for c in text).strip()
    return flat[:limit]


def correction_order_text(sign_name: str, authority: str, subject_name: str, due: date, items: list[str]) -> str:
    listed = "；".join(f"{n}. {item}" for n, item in enumerate(items, start=1))
    return (f"【{sign_name}】{authority}责令限期整改通知：{subject_name}，经现场检查，以下事项不符合要求：{listed}。"
            f"请于{due.year}年{due.month}月{due.day}日前整改完毕，逾期未整改的将依法处理。")


async def send(ctx: Context, p: Principal, *, kind: str, phone: str, tenant_id: str, message_id: str, subject_name: str,
               due_date: str, items: list[str]) -> None:
    if p.kind != PLATFORM or p.subject != "enforcement":
        raise PermissionDenied("only the enforcement service sends enforcement SMS", code="forbidden")
    if kind not in KINDS:
        raise InvalidArgument(f"kind is one of {', '.join(KINDS)}", field="kind", code="unknown_kind")
    if not is_mobile(phone):
        raise InvalidArgument("a mainland mobile number of 11 digits", field="phone", code="invalid_phone")
    try:
        mid = str(uuid.UUID(message_id))
    except ValueError:
        raise InvalidArgument("message_id is a UUID", field="message_id", code="invalid_message_id") from None
    try:
        due = date.fromisoformat(due_date)
    except ValueError:
        raise InvalidArgument("due_date is YYYY-MM-DD", field="due_date", code="invalid_due_date") from None
    lines = [_clean(i, MAX_ITEM_CHARS) for i in items]
    if not lines or len(lines) > MAX_ITEMS or not all(lines):
        raise InvalidArgument(f"an order to correct names 1 to {MAX_ITEMS} items", field="items", code="invalid_items")
    name = _clean(subject_name, MAX_NAME_CHARS)
    if not name:
        raise InvalidArgument("the subject's name is required", field="subject_name", code="required")
    if ctx.sms is None:
        raise FailedPrecondition("this deployment has no SMS channel", code="sms_disabled")
    async with UnitOfWork(ctx.pool) as uow:
        chain = await uow.tenants.chain(tenant_id)
    if not chain:
        raise InvalidArgument(f"no tenant {tenant_id!r}", field="tenant_id", code="unknown_tenant")
    authority = chain[0].name.get("zh") or chain[0].name.get("en") or tenant_id
    content = correction_order_text(ctx.sms_sign_name, authority, name, due, lines)
    result = await ctx.sms.send(SmsMessage(mid, phone, ctx.sms_sign_name, kind, content, tenant_id))
    if result.outcome is not Outcome.OK:
        log.warning("enforcement SMS not sent", extra={"kind": kind, "to": mask_phone(phone), "outcome": result.outcome.value})
        raise Unavailable("the SMS could not be sent; try again shortly", code="sms_unavailable")
