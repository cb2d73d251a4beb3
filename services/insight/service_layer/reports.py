"""The weekly 运营 report: every Monday from 09:00 (China time), each province and city
gets the past week's figures of its subtree as an event, `mgov.insight.report.published.v1`,
which notify turns into an in-app notification to the tenant's administrators with a link
to the dashboard. The report row and the event are written in one transaction, keyed by
(tenant, week): a restart, a second replica or a later pass never publishes it twice."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, time, timedelta

from mgov_common.events.domain import DomainEvent
from mgov_common.working_days import CST, local_date
from services.insight.adapters.queries import Figures
from services.insight.domain.quality import quality
from services.insight.service_layer.context import Context
from services.insight.service_layer.zombies import find

log = logging.getLogger(__name__)
SEND_AT = time(9, 0)
LEVELS = ("province", "city")


def due_week(now: datetime) -> date:
    """The Monday of the latest report due at `now` (this Monday from 09:00 CST, else the last)."""
    today = local_date(now)
    monday = today - timedelta(days=today.weekday())
    return monday if now >= datetime.combine(monday, SEND_AT, CST) else monday - timedelta(days=7)


async def publish_due(ctx: Context) -> int:
    """Publish this week's report of every province and city that has none yet; how many."""
    now = ctx.clock.now()
    week = due_week(now)
    first, last = week - timedelta(days=7), week - timedelta(days=1)
    async with ctx.uow(begin=False) as uow:
        nodes = [n for n in await uow.tenants.all() if n.level in LEVELS and n.status == "active"]
    made = 0
    for node in nodes:
        async with ctx.uow() as uow:
            fresh = await uow.conn.fetchval("INSERT INTO weekly_reports (tenant_id, week_start, published_at) VALUES ($1, $2, $3) "
                                            "ON CONFLICT DO NOTHING RETURNING true", node.id, week, now)
            if not fresh:
                continue
            tree = await uow.tenants.subtree(node.id)
            figures = Figures(uow.conn)
            q = quality(await figures.tenants_sums(tree, first, last), [])
            zombies = len(await find(ctx, tree, now))
            uow.record(DomainEvent("report", "published", node.id, f"{node.id}/{week.isoformat()}", {
                "tenant_id": node.id, "week_start": first.isoformat(), "week_end": last.isoformat(), "submitted": q.submitted,
                "completed": q.completed, "on_time_rate": q.on_time_rate, "rating_average": q.rating_average,
                "online_share": q.online_share, "zombies": zombies}))
            await uow.commit()
            made += 1
    if made:
        log.info("weekly reports published", extra={"count": made, "week": week.isoformat()})
    return made


async def run(ctx: Context, every_s: float) -> None:
    while True:
        try:
            await publish_due(ctx)
        except Exception as exc:  # noqa: BLE001 - the next pass tries again; nothing was half-written
            log.warning("weekly reports not published", extra={"error": repr(exc)})
        await asyncio.sleep(every_s)
