"""What falls due with time, on the injected clock (a test moves a ManualClock; a demo its
offset file): orders to correct whose SMS is to be tried again (service_layer/orders.py),
follow-up inspections of orders to correct whose date has come, and the
一公开 results notices of plans whose publication day has come. Each pass takes a batch
under row locks (SKIP LOCKED), so replicas share the work and nothing is done twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from mgov_common.events.domain import DomainEvent
from services.enforcement.domain.inspection import Inspection
from services.enforcement.domain.outcomes import FOLLOW_UP_DAYS, results_notice
from services.enforcement.service_layer import orders
from services.enforcement.service_layer.context import Context, calendar_of
from services.enforcement.service_layer.registry import effective_checklist

log = logging.getLogger(__name__)
BATCH = 100


async def follow_ups(ctx: Context) -> int:
    """A follow-up inspection for each order to correct whose date has come, for the same
    pair, on the checklist in force, due within FOLLOW_UP_DAYS working days."""
    now, today = ctx.clock.now(), ctx.today()
    async with ctx.uow() as uow:
        due = await uow.inspections.rectifications_due(today, BATCH)
        for prior in due:
            _, version, items = await effective_checklist(uow, prior.tenant_id, prior.category)
            due_date = (await calendar_of(ctx, uow, prior.tenant_id)).nth_working_day_after(today, FOLLOW_UP_DAYS)
            follow = Inspection(uuid.uuid4(), prior.tenant_id, prior.plan_id, prior.subject_id, prior.inspector_ids, prior.category,
                                items, version, due_date, follow_up_of=prior.id)
            follow.events.append(DomainEvent("inspection", "assigned", follow.tenant_id, str(follow.id), {
                "inspection_id": str(follow.id), "inspector_ids": list(follow.inspector_ids), "due_date": follow.due_date.isoformat(),
                "category": follow.category, "follow_up_of": str(prior.id)}))
            await uow.inspections.add(follow, now)
        await uow.commit()
    return len(due)


async def results_notices(ctx: Context) -> int:
    """The results notice of each plan whose publication day has come (一公开)."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        plans = await uow.registry.notices_due(now, BATCH)
        for plan in plans:
            rows = []
            for insp in await uow.inspections.of_plan(plan.id):
                subject = await uow.registry.subject(insp.subject_id)
                certs = await uow.registry.certificates(list(insp.inspector_ids))
                assert subject is not None
                rows.append({"name": subject["name"], "credit_code": subject["credit_code"], "outcome": insp.outcome,
                             "certificates": [certs.get(i, "") for i in insp.inspector_ids]})
            title, body = results_notice(plan.name, plan.category, plan.start_date, plan.end_date, rows)
            uow.record(DomainEvent("plan", "results_published", plan.tenant_id, str(plan.id),
                                   {"plan_id": str(plan.id), "title": {"zh": title}, "body": {"zh": body}}))
            await uow.registry.set_plan_status(plan.id, "published", notice_time=now)
        await uow.commit()
    return len(plans)


async def run_once(ctx: Context) -> None:
    await orders.send_due(ctx)
    await follow_ups(ctx)
    await results_notices(ctx)


async def run_forever(ctx: Context, interval_s: float) -> None:
    while True:
        try:
            await run_once(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database away: the next pass tries again
            log.exception("the enforcement sweep failed; trying again next interval")
        await asyncio.sleep(interval_s)
