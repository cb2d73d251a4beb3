"""Demo data (demo mode only), idempotent: the province's `standard`, `feedback` and
`public_report` workflow definitions and its holiday calendar (cities and counties
inherit both), and the demo report categories and tenant boundaries (随手拍)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from pathlib import Path

from services.workflow.domain import definition
from services.workflow.domain.application import Actor
from services.workflow.domain.definition import Definition
from services.workflow.domain.events import calendar_event
from services.workflow.domain.geo import parse_boundary
from services.workflow.domain.reports import Category
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
        added += await _reports(uow, province, now)
        await uow.commit()
    if added:
        log.info("demo workflow data seeded", extra={"tenant": province, "added": added})
    return added


def demo_reports(province: str) -> tuple[list[Category], dict[str, dict[str, object]]]:
    """Categories (the province's seed entry is `province`) and boundaries, checked as the API checks them."""
    raw = json.loads((SEED / "reports.json").read_text(encoding="utf-8"))
    cats = [Category.from_dict(c, province if t == "zhejiang" else t) for t, cs in raw["categories"].items() for c in cs]
    for geometry in raw["boundaries"].values():
        parse_boundary(geometry)
    return cats, raw["boundaries"]


async def _reports(uow, province: str, now) -> int:  # type: ignore[no-untyped-def]
    added = 0
    cats, bounds = demo_reports(province)
    for tenant in sorted({c.tenant_id for c in cats}):
        if not await uow.reports.has_categories(tenant):
            for cat in (c for c in cats if c.tenant_id == tenant):
                await uow.reports.put_category(cat, now)
            added += 1
    for tenant, geometry in bounds.items():
        if await uow.reports.boundary(tenant) is None:
            await uow.reports.put_boundary(tenant, geometry, "seed", datetime(2026, 1, 1, tzinfo=UTC))
            added += 1
    return added
