"""The shared tenant projection (mgov_common.tenants) against real PostgreSQL: the newer
event wins whatever the arrival order, the tree queries walk it both ways, and the
opt-in migration adopts the tables services created before the platform owned them."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from mgov_common.db import create_pool
from mgov_common.events.envelope import CloudEvent
from mgov_common.migrations import migrate
from mgov_common.tenant_tree import TenantNode
from mgov_common.tenants import BadTenantEvent, TenantProjection, apply_tenant_event, consumer_spec
from tests.conftest import Servers

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SERVICES = Path(__file__).resolve().parents[2] / "services"


def event(tid: str, parent: str | None, code: str, level: str, name: str, *, at: datetime, verb: str = "created",
          **extra: object) -> CloudEvent:
    data = {"id": tid, "parent_id": parent, "division_code": code, "level": level, "name": {"zh": name, "en": ""},
            "status": "active", **extra}
    return CloudEvent.new(service="identity", entity="tenant", verb=verb, tenant=tid, subject=tid, data=data, time=at)


@pytest.fixture
async def projected(servers: Servers) -> AsyncIterator[asyncpg.Pool]:
    """A schema migrated like notify's (the service's own files, then the opted-in projection)."""
    schema = f"tp_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, schema, SERVICES / "notify" / "migrations")
    pool = await create_pool(servers.dsn, schema, min_size=1, max_size=2)
    try:
        yield pool
    finally:
        await pool.close()


async def apply(pool: asyncpg.Pool, *events: CloudEvent) -> None:
    for e in events:
        async with pool.acquire() as conn, conn.transaction():
            await apply_tenant_event(conn, e)


async def test_an_older_event_arriving_late_is_ignored_by_the_upsert(projected: asyncpg.Pool) -> None:
    newer = event("hangzhou", "zhejiang", "330100", "city", "杭州市（新）", at=T0 + timedelta(minutes=5), verb="updated")
    older = event("hangzhou", "zhejiang", "330100", "city", "杭州市（旧）", at=T0 + timedelta(minutes=1), verb="updated")
    await apply(projected, event("hangzhou", "zhejiang", "330100", "city", "杭州市", at=T0), newer, older)
    async with projected.acquire() as conn:
        [node] = await TenantProjection(conn).chain("hangzhou")
        assert node.name["zh"] == "杭州市（新）"
        assert await conn.fetchval("SELECT event_time FROM tenants WHERE id = 'hangzhou'") == newer.time
        assert not await TenantProjection(conn).upsert(TenantNode("hangzhou", "zhejiang", "330100", "city", {"zh": "x"}), T0)


async def test_chain_walks_up_and_subtree_walks_down_the_tree(projected: asyncpg.Pool) -> None:
    await apply(projected,
                event("zhejiang", None, "330000", "province", "浙江省", at=T0),
                event("hangzhou", "zhejiang", "330100", "city", "杭州市", at=T0),
                event("xihu", "hangzhou", "330106", "county", "西湖区", at=T0),
                event("ningbo", "zhejiang", "330200", "city", "宁波市", at=T0))
    async with projected.acquire() as conn:
        tenants = TenantProjection(conn)
        assert [n.id for n in await tenants.chain("xihu")] == ["xihu", "hangzhou", "zhejiang"]
        assert await tenants.subtree("zhejiang") == ["zhejiang", "hangzhou", "ningbo", "xihu"]
        assert await tenants.subtree("hangzhou") == ["hangzhou", "xihu"]
        assert await tenants.chain("nowhere") == [] and await tenants.subtree("nowhere") == []


async def test_an_event_with_a_bad_level_is_refused_and_stores_nothing(projected: asyncpg.Pool) -> None:
    with pytest.raises(BadTenantEvent, match="level"):
        await apply(projected, event("hangzhou", "zhejiang", "330100", "district", "杭州市", at=T0))
    with pytest.raises(BadTenantEvent, match="published for"):
        await apply(projected, CloudEvent.new(service="identity", entity="tenant", verb="created", tenant="ningbo", subject="hangzhou",
                                              data=event("hangzhou", "zhejiang", "330100", "city", "杭州市", at=T0).data))
    assert await projected.fetchval("SELECT count(*) FROM tenants") == 0


def test_every_service_that_projects_tenants_uses_the_same_consumer_filter() -> None:
    assert consumer_spec("catalog").durable == "catalog-tenants"
    assert consumer_spec("catalog").filter_subjects == consumer_spec("notify").filter_subjects == [
        "mgov.evt.*.identity.tenant.created", "mgov.evt.*.identity.tenant.updated"]


@pytest.mark.parametrize("service", ["catalog", "workflow", "notify"])
async def test_the_opt_in_migration_adopts_a_tenants_table_the_service_made_itself_keeping_its_rows(
        servers: Servers, tmp_path: Path, service: str) -> None:
    before = tmp_path / "migrations"
    shutil.copytree(SERVICES / service / "migrations", before)
    (before / "platform.txt").unlink()  # the service as deployed before the projection was shared
    schema = f"ad_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, schema, before)
    conn = await asyncpg.connect(servers.dsn, server_settings={"search_path": schema})
    try:
        await conn.execute("INSERT INTO tenants (id, parent_id, division_code, level, name, status, event_time)"
                           " VALUES ('zhejiang', NULL, '330000', 'province', '{\"zh\": \"浙江省\"}', 'active', $1)", T0)
        applied = await migrate(servers.dsn, schema, SERVICES / service / "migrations")
        assert "platform/tenants/0001_tenants" in applied and set(applied) <= {"platform/tenants/0001_tenants", "platform/systems/0001_systems"}
        assert await conn.fetchval("SELECT name->>'zh' FROM tenants WHERE id = 'zhejiang'") == "浙江省"
        columns = {r["column_name"] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'tenants'", schema)}
        assert columns == {"id", "parent_id", "division_code", "level", "name", "status", "event_time", "updated_at"}
        assert await conn.fetchval("SELECT true FROM pg_indexes WHERE schemaname = $1 AND indexname = 'tenants_parent'", schema)
    finally:
        await conn.close()


async def test_a_fresh_schema_gets_the_projection_after_the_services_own_migrations(servers: Servers, tmp_path: Path) -> None:
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    (tmp_path / "platform.txt").write_text("# optional platform parts\ntenants\n")
    applied = await migrate(servers.dsn, f"fr_{uuid.uuid4().hex[:10]}", tmp_path)
    assert applied == ["platform/0001_outbox", "0001_init", "platform/tenants/0001_tenants"]
