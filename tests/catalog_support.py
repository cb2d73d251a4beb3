"""Shared test data and fixtures of the catalogue tests (unit and integration).

Import the fixtures you need into a test module (`from tests.catalog_support import
catalog_pool`); the demo tenant tree is projected through the real
tenant-event handler, as identity's events would be.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from mgov_common.db import create_pool
from mgov_common.events.envelope import CloudEvent
from mgov_common.ingest import ITEM_UPDATED, NOTICE_PUBLISHED
from mgov_common.migrations import migrate
from mgov_common.paging import PageTokens
from mgov_common.principal import SYSTEM, Principal, RoleBinding
from mgov_common.tenants import apply_tenant_event
from services.catalog.adapters.uow import UnitOfWork
from services.catalog.bootstrap import MIGRATIONS
from tests.conftest import Servers

# (id, parent, division code, level)
TREE = [
    ("zhejiang", None, "330000", "province"),
    ("hangzhou", "zhejiang", "330100", "city"),
    ("ningbo", "zhejiang", "330200", "city"),
    ("xihu", "hangzhou", "330106", "county"),
    ("yuhang", "hangzhou", "330110", "county"),
    ("haishu", "ningbo", "330203", "county"),
]
NOW = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)


def tenant_event(tid: str, parent: str | None, code: str, level: str, *, verb: str = "created", name: str | None = None,
                 time: datetime | None = None) -> CloudEvent:
    data = {"id": tid, "parent_id": parent, "division_code": code, "level": level, "name": {"zh": name or tid, "en": ""}, "status": "active"}
    return CloudEvent.new(service="identity", entity="tenant", verb=verb, tenant=tid, subject=tid, data=data, time=time)


async def project_tree(pool: asyncpg.Pool, tree: list[tuple[str, str | None, str, str]] = TREE) -> None:
    for tid, parent, code, level in tree:
        async with pool.acquire() as conn, conn.transaction():
            await apply_tenant_event(conn, tenant_event(tid, parent, code, level))


def user(tenant: str, *roles: str, subject: str | None = None) -> Principal:
    return Principal(subject=subject or f"user-{tenant}-{'-'.join(roles) or 'none'}", tenant=tenant,
                     roles=frozenset(RoleBinding(tenant, r) for r in roles))


def admin(tenant: str) -> Principal:
    return user(tenant, "tenant_admin")


PROVINCE_ADMIN = user("zhejiang", "province_admin")
CITIZEN = user("hangzhou", "citizen")


def system(tenant: str, *grants: str) -> Principal:
    """A tenant system registered for `grants` (by default: item updates and notices)."""
    return Principal(subject=f"sys-{tenant}", tenant=tenant, kind=SYSTEM,
                     grants=frozenset(grants or (ITEM_UPDATED, NOTICE_PUBLISHED)))


def content(**changes: Any) -> dict[str, Any]:
    """A complete, valid item content; keyword arguments replace top-level fields."""
    base: dict[str, Any] = {
        "name": {"zh": "测试事项办理", "en": "Test item"},
        "type": "public_service",
        "agency": "测试市数据资源管理局",
        "department": "测试处",
        "summary": {"zh": "用于测试", "en": "for tests"},
        "guide": {
            "legal_basis": ["《测试条例》"], "conditions": ["年满18周岁"],
            "materials": [{"code": "id-card", "name": {"zh": "身份证", "en": "ID card"}, "required": True, "copies": 1,
                           "format": "原件", "source": "electronic_license", "description": ""}],
            "free": True, "fees": [], "statutory_limit_days": 20, "promised_limit_days": 5, "processing_kind": "promised",
            "channels": ["service_hall", "app"], "visits": 1, "appointment": False,
            "address": "测试大厅", "contact": "12345", "office_hours": "工作日", "process_steps": ["申请", "审核"],
        },
        "keywords": ["测试"],
        "form_schema": {"type": "object", "required": ["applicant_name"], "properties": {"applicant_name": {"type": "string", "maxLength": 40}}},
        "workflow_id": "standard",
        "required_identity_level": "basic",
    }
    base = copy.deepcopy(base)
    base.update(copy.deepcopy(changes))
    return base


def guide_with(**changes: Any) -> dict[str, Any]:
    g = copy.deepcopy(content()["guide"])
    g.update(changes)
    return g


CODEC = PageTokens(b"catalog-tests-page-token-secret!")


@pytest.fixture
async def catalog_pool(servers: Servers) -> AsyncIterator[asyncpg.Pool]:
    """A freshly migrated catalog schema of its own, with the demo tenant tree projected."""
    name = f"c_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, name, MIGRATIONS)
    pool = await create_pool(servers.dsn, name, min_size=1, max_size=5)
    try:
        await project_tree(pool)
        yield pool
    finally:
        await pool.close()


def uow(pool: asyncpg.Pool) -> UnitOfWork:
    return UnitOfWork(pool)


def reader(pool: asyncpg.Pool) -> UnitOfWork:
    return UnitOfWork(pool, begin=False)
