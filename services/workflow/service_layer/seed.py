"""Demo data (demo mode only), idempotent: the province's `standard` and `feedback`
workflow definitions and its holiday calendar (cities and counties inherit both)."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

from services.workflow.domain import definition
from services.workflow.domain.application import Actor
from services.workflow.domain.definition import Definition
from services.workflow.domain.events import calendar_event
from services.workflow.service_layer.context import Context

log = logging.getLogger(__name__)
SEED = Path(__file__).resolve().parent.parent / "seed"
SEEDER = Actor("platform", "workflow-seed", "")


def demo_definitions(province: str) -> list[Definition]:
    raw = json.loads((SEED / "definitions.json").read_text(encoding="utf-8"))
    return [definition.validate(Definition.from_dict(d, tenant_id=province, version=1)) for d in raw["definitions"]]


def demo_calendar() -> dict[int, list[tuple[date, bool, str]]]:
    raw = json.loads((SEED / "holidays_cn.json").read_text(encoding="utf-8"))
    return {int(y): [(date.fromisoformat(d), bool(w), n) for d, w, n in days] for y, days in raw["years"].items()}


async def ensure_demo(ctx: Context, province: str) -> int:
    """Create what is missing; return how many definitions and calendar years were added."""
    added = 0
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await uow.conn.execute("SELECT pg_advisory_xact_lock(hashtext('mgov-workflow:seed'))")
        for defn in demo_definitions(province):
            if not await uow.definitions.latest_version(province, defn.id):
                await uow.definitions.add(defn, SEEDER, now)
                added += 1
        for year, days in demo_calendar().items():
            if not await uow.reference.year_exists(province, year):
                await uow.reference.replace_year(province, year, days, now)
                uow.record(calendar_event(province, year, days, now))
                added += 1
        await uow.commit()
    if added:
        log.info("demo workflow data seeded", extra={"tenant": province, "added": added})
    return added
