"""An enforcement service core on the session's real PostgreSQL: its own migrated schema,
the demo tenant tree fed through the tenant consumer's handler, a manual clock, principals, and
Xihu's food-safety registry: 40 subjects, six inspectors with conflicts, a checklist."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest

from mgov_common.calendars import apply_calendar_event
from mgov_common.clock import ManualClock
from mgov_common.db import create_pool
from mgov_common.events.envelope import CloudEvent
from mgov_common.migrations import migrate
from mgov_common.principal import Principal, RoleBinding
from mgov_common.tenants import apply_tenant_event
from services.enforcement.bootstrap import MIGRATIONS
from services.enforcement.domain.uscc import check_character
from services.enforcement.service_layer import registry
from services.enforcement.service_layer.context import Context
from services.workflow.domain.events import calendar_event
from tests.conftest import Servers

# Monday 2026-11-30, 10:00 in Hangzhou.
T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TREE = [("zhejiang", None, "330000", "province"), ("hangzhou", "zhejiang", "330100", "city"),
        ("ningbo", "zhejiang", "330200", "city"), ("xihu", "hangzhou", "330106", "county")]
CHECKLIST = [{"id": "licence", "text": "营业执照、食品经营许可证公示"}, {"id": "health", "text": "从业人员健康证明"},
             {"id": "cold", "text": "冷藏冷冻设施温度"}]


def user(sub: str, tenant: str, *roles: str) -> Principal:
    return Principal(subject=sub, tenant=tenant, roles=frozenset(RoleBinding(tenant, r) for r in roles))


XH_SUPERVISOR = user("xh-supervisor", "xihu", "supervisor")
INSPECTORS = [user(f"xh-insp-{k}", "xihu", "inspector") for k in range(6)]
NB_INSPECTOR = user("nb-insp", "ningbo", "inspector")
NB_SUPERVISOR = user("nb-supervisor", "ningbo", "supervisor")


def credit_code(n: int) -> str:
    body = f"91330106MA{n:07d}"
    return body + check_character(body)


@dataclass
class Core:
    ctx: Context
    clock: ManualClock
    pool: asyncpg.Pool
    schema: str
    subjects: list[dict[str, Any]]


async def feed(pool: asyncpg.Pool, handler: Any, event: CloudEvent) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await handler(conn, event)


async def make_core(servers: Servers) -> AsyncIterator[Core]:
    schema = f"en_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, schema, MIGRATIONS)
    pool = await create_pool(servers.dsn, schema, min_size=1, max_size=10)
    clock = ManualClock(T0)
    ctx = Context(pool, clock)
    try:
        for tid, parent, code, level in TREE:
            await feed(pool, apply_tenant_event, CloudEvent.new(
                service="identity", entity="tenant", verb="created", tenant=tid, subject=tid,
                data={"id": tid, "parent_id": parent, "division_code": code, "level": level, "name": {"zh": tid, "en": tid}, "status": "active"}))
        subjects = [await registry.save_subject(ctx, XH_SUPERVISOR, "xihu", {
            "name": f"西湖区第{n}食品店", "credit_code": credit_code(n), "address": f"文三路 {n} 号", "category": "market_food",
            "risk_level": "medium", "contact_phone": "13800000000", "position": {"latitude": 30.27, "longitude": 120.13}})
            for n in range(40)]
        for k, who in enumerate(INSPECTORS):
            await registry.set_inspector(ctx, XH_SUPERVISOR, "xihu", who.subject, f"ZJ33010600{k}", ["market_food"])
        # each inspector declared a conflict with every sixth subject
        for n, s in enumerate(subjects):
            await registry.declare_conflict(ctx, INSPECTORS[n % 6], str(s["id"]), "亲属经营")
        await registry.publish_checklist(ctx, user("zj-admin", "zhejiang", "province_admin"), "zhejiang", "market_food", CHECKLIST)
        yield Core(ctx, clock, pool, schema, subjects)
    finally:
        await pool.close()


@pytest.fixture
async def core(servers: Servers) -> AsyncIterator[Core]:
    async for c in make_core(servers):
        yield c


async def seed_calendar(pool: asyncpg.Pool, tenant: str, year: int, days: list[tuple[date, bool, str]]) -> None:
    """The workflow service's calendar event for `tenant`'s year, through the projection's handler."""
    made = calendar_event(tenant, year, days, T0)
    await feed(pool, apply_calendar_event, CloudEvent.new(service="workflow", entity="calendar", verb="updated", tenant=tenant,
                                                         subject=made.subject, data=made.data))
