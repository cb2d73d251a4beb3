"""The headline figures as Prometheus gauges (platform-wide: no label carries a tenant)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from mgov_common import metrics
from mgov_common.working_days import local_date
from services.insight.adapters.queries import Figures
from services.insight.domain import zombies as z
from services.insight.domain.quality import quality
from services.insight.service_layer.context import Context
from services.insight.service_layer.zombies import find

log = logging.getLogger(__name__)


async def refresh(ctx: Context) -> None:
    now = ctx.clock.now()
    last = local_date(now)
    first = last - timedelta(days=29)
    async with ctx.uow(begin=False) as uow:
        tenants = [n.id for n in await uow.tenants.all()]
        figures = Figures(uow.conn)
        q = quality(await figures.tenants_sums(tenants, first, last), [])
    metrics.INSIGHT_ON_TIME.set(q.on_time_rate)
    metrics.INSIGHT_RATING.set(q.rating_average)
    metrics.INSIGHT_ONLINE.set(q.online_share)
    found = await find(ctx, tenants, now)
    for kind in z.KINDS:
        metrics.INSIGHT_ZOMBIES.labels(kind).set(sum(1 for x in found if x.kind == kind))


async def run(ctx: Context, every_s: float) -> None:
    while True:
        try:
            await refresh(ctx)
        except Exception as exc:  # noqa: BLE001 - a failed refresh keeps the last values; the next one tries again
            log.warning("insight gauges not refreshed", extra={"error": repr(exc)})
        await asyncio.sleep(every_s)
