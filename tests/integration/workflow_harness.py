"""A workflow service core on the real PostgreSQL of the session: its own migrated schema,
the demo tree and definitions, an item version, a manual clock and principals."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from mgov_common.db import create_pool
from mgov_common.events.envelope import CloudEvent
from mgov_common.migrations import migrate
from mgov_common.ingest import CASE_STATUS_CHANGED
from mgov_common.principal import SYSTEM, Principal, RoleBinding
from mgov_common.tenants import apply_tenant_event
from services.workflow.bootstrap import MIGRATIONS
from mgov_common.clock import ManualClock
from services.workflow.service_layer import projections, seed
from services.workflow.service_layer.context import Context
from tests.conftest import Servers

# Monday 2026-03-09, 10:00 in Hangzhou.
T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
TREE = [
    ("zhejiang", None, "330000", "province"), ("hangzhou", "zhejiang", "330100", "city"), ("ningbo", "zhejiang", "330200", "city"),
    ("xihu", "hangzhou", "330106", "county"),
]
FORM_SCHEMA = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 2}, "reason": {"type": "string"}}}


def user(sub: str, tenant: str, *roles: str, level: int = 1) -> Principal:
    return Principal(subject=sub, tenant=tenant, roles=frozenset(RoleBinding(tenant, r) for r in roles), identity_level=level)


CITIZEN = user("citizen-1", "hangzhou", "citizen")
OTHER_CITIZEN = user("citizen-2", "hangzhou", "citizen")
HZ_CLERK = user("hz-clerk", "hangzhou", "clerk")
HZ_CLERK_2 = user("hz-clerk-2", "hangzhou", "clerk")
HZ_APPROVER = user("hz-approver", "hangzhou", "approver")
HZ_SUPERVISOR = user("hz-supervisor", "hangzhou", "supervisor")
HZ_ADMIN = user("hz-admin", "hangzhou", "tenant_admin")
NB_CLERK = user("nb-clerk", "ningbo", "clerk")
PROVINCE_ADMIN = user("zj-admin", "zhejiang", "province_admin")
HZ_SYSTEM = Principal(subject="hz-case-system", tenant="hangzhou", kind=SYSTEM, grants=frozenset({CASE_STATUS_CHANGED}))
NB_SYSTEM = Principal(subject="nb-case-system", tenant="ningbo", kind=SYSTEM, grants=frozenset({CASE_STATUS_CHANGED}))
# A Hangzhou system registered only for notices: no rights on cases at all.
HZ_NOTICE_SYSTEM = Principal(subject="hz-notice-system", tenant="hangzhou", kind=SYSTEM, grants=frozenset({"mgov.notice.published.v1"}))


@dataclass
class Core:
    ctx: Context
    clock: ManualClock
    pool: asyncpg.Pool
    item_id: uuid.UUID

    async def outbox(self, type_suffix: str = "") -> list[dict[str, Any]]:
        rows = await self.pool.fetch("SELECT subject, payload FROM outbox WHERE type LIKE $1 ORDER BY seq", f"%{type_suffix}%")
        return [CloudEvent.parse(r["payload"]).model_dump(mode="json") | {"nats_subject": r["subject"]} for r in rows]


def item_data(item_id: uuid.UUID, version: int = 1, *, tenant: str = "zhejiang", workflow: str = "standard", promised: int = 5) -> dict[str, Any]:
    return {"id": str(item_id), "tenant_id": tenant, "code": "330000-XK-0001", "version": version, "name": {"zh": "个体工商户营业执照办理", "en": ""},
            "type": "administrative_licensing", "agency": "浙江省市场监督管理局", "department": "登记注册处", "workflow_id": workflow,
            "required_identity_level": 1, "statutory_limit_days": 20, "promised_limit_days": promised, "materials": [],
            "form_schema": FORM_SCHEMA}


async def _event(conn: asyncpg.Connection, handler: Any, tenant: str, entity: str, verb: str, data: dict[str, Any], service: str) -> None:
    await handler(conn, CloudEvent.new(service=service, entity=entity, verb=verb, tenant=tenant, subject=data["id"], data=data))


@pytest.fixture
async def core(servers: Servers) -> AsyncIterator[Core]:
    schema = f"wf_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, schema, MIGRATIONS)
    pool = await create_pool(servers.dsn, schema, min_size=1, max_size=8)
    clock = ManualClock(T0)
    ctx = Context(pool, clock)
    item_id = uuid.uuid4()
    try:
        async with pool.acquire() as conn, conn.transaction():
            for tid, parent, code, level in TREE:
                await _event(conn, apply_tenant_event, tid, "tenant", "created",
                             {"id": tid, "parent_id": parent, "division_code": code, "level": level, "name": {"zh": tid, "en": tid}, "status": "active"},
                             "identity")
            await _event(conn, projections.apply_item, "zhejiang", "item", "published", item_data(item_id), "catalog")
        await seed.ensure_demo(ctx, "zhejiang")
        yield Core(ctx, clock, pool, item_id)
    finally:
        await pool.close()
