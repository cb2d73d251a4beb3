"""An appointment service core on the session's real PostgreSQL: its own migrated schema,
the demo tenant tree and the workflow service's demo calendar fed through the same
handlers the consumers run, a manual clock, one hall and principals."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from mgov_common.clock import ManualClock
from mgov_common.db import create_pool
from mgov_common.events.envelope import CloudEvent
from mgov_common.migrations import migrate
from mgov_common.principal import Principal, RoleBinding
from mgov_common.tenants import apply_tenant_event
from mgov_common.uow import to_cloud_event
from services.appointment.bootstrap import MIGRATIONS
from services.appointment.domain.halls import Hall
from services.appointment.service_layer import halls
from services.appointment.service_layer.context import Context
from services.appointment.service_layer.projections import apply_calendar
from services.workflow.domain.events import calendar_event
from services.workflow.service_layer.seed import demo_calendar
from tests.conftest import Servers

# Wednesday 2026-09-30, 10:00 in Hangzhou: 10-01/02 and 10-05..07 are 国庆 holidays,
# 10-03/04 a weekend, 10-10 (Saturday) a 调休 working day.
T0 = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
TREE = [("zhejiang", None, "330000", "province"), ("hangzhou", "zhejiang", "330100", "city"),
        ("ningbo", "zhejiang", "330200", "city"), ("xihu", "hangzhou", "330106", "county")]
ITEM = uuid.UUID("482f791f-ec73-5751-8d4d-887d7dfd4159")
OTHER_ITEM = uuid.UUID("558ff9b1-8d87-5b0b-8c2d-bfc5449c40b1")
WEEKDAY_HOURS = [{"weekday": wd, "open": o, "close": c} for wd in range(1, 6) for o, c in (("09:00", "12:00"), ("13:30", "17:00"))]


def user(sub: str, tenant: str, *roles: str) -> Principal:
    return Principal(subject=sub, tenant=tenant, roles=frozenset(RoleBinding(tenant, r) for r in roles))


def citizen(n: int | str) -> Principal:
    return user(f"citizen-{n}", "hangzhou", "citizen")


XIHU_ADMIN = user("xh-admin", "xihu", "tenant_admin")
XIHU_CLERK = user("xh-clerk", "xihu", "clerk")
NINGBO_CLERK = user("nb-clerk", "ningbo", "clerk")
HZ_CLERK = user("hz-clerk", "hangzhou", "clerk")


def hall_fields(**over: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "tenant_id": "xihu", "name": {"zh": "西湖区政务服务中心", "en": "Xihu service center"}, "address": "文三路 508 号",
        "windows": 6, "booking_days": 3, "cancel_cutoff_minutes": 60, "opening_hours": WEEKDAY_HOURS,
        "services": [{"service_id": str(ITEM), "service_name": {"zh": "个体工商户营业执照办理", "en": ""}, "slot_minutes": 30, "capacity": 3},
                     {"service_id": str(OTHER_ITEM), "service_name": {"zh": "食品经营许可证核发", "en": ""}, "slot_minutes": 30, "capacity": 1}],
    }
    raw.update(over)
    return raw


@dataclass
class Core:
    ctx: Context
    clock: ManualClock
    pool: asyncpg.Pool
    hall: Hall
    published: list[dict[str, Any]] = field(default_factory=list)

    async def outbox(self, type_suffix: str = "") -> list[CloudEvent]:
        rows = await self.pool.fetch("SELECT payload FROM outbox WHERE type LIKE $1 ORDER BY seq", f"%{type_suffix}%")
        return [CloudEvent.parse(r["payload"]) for r in rows]


class RecordingLive:
    def __init__(self, into: list[dict[str, Any]]) -> None:
        self.into = into

    async def publish(self, updates: list[dict[str, Any]]) -> None:
        self.into.extend(updates)


async def feed(pool: asyncpg.Pool, handler: Any, event: CloudEvent) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await handler(conn, event)


@pytest.fixture
async def core(servers: Servers) -> AsyncIterator[Core]:
    schema = f"ap_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, schema, MIGRATIONS)
    pool = await create_pool(servers.dsn, schema, min_size=2, max_size=20)
    clock = ManualClock(T0)
    published: list[dict[str, Any]] = []
    ctx = Context(pool, clock, RecordingLive(published))
    try:
        for tid, parent, code, level in TREE:
            await feed(pool, apply_tenant_event, CloudEvent.new(
                service="identity", entity="tenant", verb="created", tenant=tid, subject=tid,
                data={"id": tid, "parent_id": parent, "division_code": code, "level": level, "name": {"zh": tid, "en": tid}, "status": "active"}))
        for year, days in demo_calendar().items():
            await feed(pool, apply_calendar, to_cloud_event("workflow", calendar_event("zhejiang", year, days, T0)))
        hall = await halls.create_hall(ctx, XIHU_ADMIN, hall_fields())
        yield Core(ctx, clock, pool, hall, published)
    finally:
        await pool.close()
