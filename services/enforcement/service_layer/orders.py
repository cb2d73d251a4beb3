"""责令限期整改 reaches the subject: the order to correct — its date and the items to
correct — goes by SMS to the subject's registered contact phone, through notify.

The order is queued in the transaction that completes the inspection (nothing is lost
if the process dies), sent right after that commit, and otherwise by the sweep with a
growing delay. The phone never leaves this service but in the call to notify: the bus
only learns that the order was sent (`inspection.correction_order_sent`), not where.
A send is at least once: a reply lost after notify sent it means a second SMS with the
same message id, which an SMS gateway may drop.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from mgov_common.events.domain import DomainEvent
from mgov_common.errors import InvalidArgument
from mgov_common.phone import normalize_phone
from services.enforcement.adapters.orders import SendRefused
from services.enforcement.domain.outcomes import MAX_ORDER_ATTEMPTS, correction_items, order_retry_delay
from services.enforcement.service_layer.context import Context

log = logging.getLogger(__name__)
BATCH = 50
LEASE = timedelta(seconds=60)
ORDER_NS = uuid.UUID("1d3c7a0e-4b8e-5f2a-9c61-7e0b5d2a8f43")


def message_id(inspection_id: uuid.UUID) -> uuid.UUID:
    """One id per order, however often it is sent."""
    return uuid.uuid5(ORDER_NS, str(inspection_id))


async def send_due(ctx: Context, inspection_id: uuid.UUID | None = None) -> int:
    """Send the pending orders due now (or just that inspection's); how many were tried."""
    if ctx.sms is None:
        return 0
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        claimed = await uow.orders.claim(now, LEASE, BATCH, inspection_id)
        await uow.commit()
    for row in claimed:
        await _send_one(ctx, row["inspection_id"], row["attempts"])
    return len(claimed)


async def _send_one(ctx: Context, inspection_id: uuid.UUID, attempts: int) -> None:
    assert ctx.sms is not None
    async with ctx.uow(begin=False) as uow:
        insp = await uow.inspections.get(inspection_id)
        assert insp is not None and insp.rectify_due_date is not None
        subject = await uow.registry.subject(insp.subject_id)
        assert subject is not None
    status, error, retry = "sent", "", None
    try:
        phone = normalize_phone(subject["contact_phone"] or "")
    except InvalidArgument:  # none, or a landline: SMS cannot reach it
        status, error = "no_contact", "the subject has no mobile contact number"
    else:
        try:
            await ctx.sms.send(message_id=message_id(inspection_id), tenant_id=insp.tenant_id, phone=phone, subject_name=subject["name"],
                               due_date=insp.rectify_due_date.isoformat(), items=correction_items(insp.checklist, insp.answers)[:10])
        except SendRefused as exc:
            status, error = "failed", str(exc)
        except Exception as exc:  # notify or identity away: try again later
            error = f"{type(exc).__name__}: {exc}"
            status = "failed" if attempts >= MAX_ORDER_ATTEMPTS else "pending"
            retry = ctx.clock.now() + order_retry_delay(attempts)
    if status != "sent":
        log.warning("order to correct not sent", extra={"inspection_id": str(inspection_id), "status": status, "error": error})
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await uow.orders.finish(inspection_id, status, sent_time=now if status == "sent" else None, error=error, retry_time=retry)
        if status != "pending":
            uow.record(DomainEvent("inspection", f"correction_order_{'sent' if status == 'sent' else 'undelivered'}", insp.tenant_id,
                                   str(inspection_id), {"inspection_id": str(inspection_id), "status": status,
                                                        "rectify_due_date": insp.rectify_due_date.isoformat()}))
        await uow.commit()
