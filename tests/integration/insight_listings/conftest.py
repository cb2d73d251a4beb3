"""One set of identity, catalog and workflow for every test of the package (started at
its first test, stopped after its last), and a fresh insight projection per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from mgov_common.clock import ManualClock
from mgov_common.db import create_pool
from mgov_common.migrations import migrate
from mgov_common.paging import PageTokens
from mgov_common.tenant_tree import TenantNode
from mgov_common.tenants import TenantProjection
from services.insight.bootstrap import MIGRATIONS
from services.insight.service_layer.context import Context
from tests.conftest import Servers
from tests.integration.insight_listings.support import Owners, running_owners

TREE = [("zhejiang", None, "330000", "province"), ("hangzhou", "zhejiang", "330100", "city"), ("ningbo", "zhejiang", "330200", "city"),
        ("xihu", "hangzhou", "330106", "county"), ("yuhang", "hangzhou", "330110", "county"), ("haishu", "ningbo", "330203", "county")]


@pytest.fixture(scope="package")
async def owners(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Owners]:
    async with running_owners(servers, tmp_path_factory.mktemp("listings-home")) as running:
        yield running


@pytest.fixture
async def ctx(servers: Servers) -> AsyncIterator[Context]:
    """A fresh insight projection (the demo tree as identity's tenant events would make it), its clock at now."""
    schema = f"ins_{uuid.uuid4().hex[:8]}"
    await migrate(servers.dsn, schema, MIGRATIONS)
    pool = await create_pool(servers.dsn, schema, min_size=1, max_size=3)
    async with pool.acquire() as conn:
        tree = TenantProjection(conn)
        for tid, parent, code, level in TREE:
            await tree.upsert(TenantNode(tid, parent, code, level, {"zh": tid}), datetime.now(UTC))
    try:
        yield Context(pool=pool, clock=ManualClock(datetime.now(UTC)), pages=PageTokens.ephemeral())
    finally:
        await pool.close()
