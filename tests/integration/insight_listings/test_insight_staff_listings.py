"""Idle staff accounts (僵尸账户) reach back before insight watched: insight reads
identity's staff listings (the identity service serving over real gRPC, insight with its
platform token), which carry each account's last sign-in as identity stored it. A staff
member who last signed in 120 days ago is listed, the same sign-in 10 days ago is not —
though insight never saw the sign-in event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from mgov.identity.v1 import identity_pb2 as pb
from mgov.identity.v1 import identity_pb2_grpc
from mgov_common.clock import ManualClock
from mgov_common.db import create_pool
from mgov_common.migrations import migrate
from mgov_common.paging import PageTokens
from mgov_common.platform_token import PlatformToken
from mgov_common.settings import demo_secret
from mgov_common.tenant_tree import TenantNode
from mgov_common.tenants import TenantProjection
from services.insight.adapters.staff import StaffListings
from services.insight.bootstrap import MIGRATIONS
from services.insight.service_layer import staff, zombies
from services.insight.service_layer.context import Context
from tests.conftest import Servers
from tests.integration.insight_listings.support import Owners
from tests.integration.test_insight_aggregates import admin

HZ_CLERK = "13900000011"


@pytest.fixture
def identity(owners: Owners) -> grpc.aio.Channel:
    """The identity service (demo mode: the demo tree and staff) the package shares."""
    return owners.identity


@pytest.fixture
async def ctx(servers: Servers) -> AsyncIterator[Context]:
    schema = f"ins_{uuid.uuid4().hex[:8]}"
    await migrate(servers.dsn, schema, MIGRATIONS)
    pool = await create_pool(servers.dsn, schema, min_size=1, max_size=3)
    async with pool.acquire() as conn:  # the tenants as identity's tenant events would have projected them
        tree = TenantProjection(conn)
        for node in (TenantNode("zhejiang", None, "330000", "province", {"zh": "浙江省"}),
                     TenantNode("hangzhou", "zhejiang", "330100", "city", {"zh": "杭州市"})):
            await tree.upsert(node, datetime.now(UTC))
    try:
        yield Context(pool=pool, clock=ManualClock(datetime.now(UTC)), pages=PageTokens.ephemeral())
    finally:
        await pool.close()


async def test_a_staff_member_whose_last_sign_in_identity_stored_120_days_ago_is_listed_and_10_days_ago_is_not(
        identity: grpc.aio.Channel, ctx: Context) -> None:
    stub = identity_pb2_grpc.IdentityServiceStub(identity)
    signed = await stub.Authenticate(pb.AuthenticateRequest(phone=HZ_CLERK, password="mgov-demo-2026", source_address="192.0.2.10"))
    me = await stub.GetUser(pb.GetUserRequest(), metadata=(("authorization", f"Bearer {signed.tokens.access_token}"),))
    signed_at = ctx.clock.now()
    clock = ctx.clock
    assert isinstance(clock, ManualClock)

    async def idle_ids() -> dict[str, int]:
        found, _ = await zombies.list_zombies(ctx, admin("hangzhou"), "hangzhou", "account_idle", 500, "")
        return {z.target_id: z.idle_days for z in found}

    clock.set(signed_at + timedelta(days=120, minutes=1))
    assert me.id not in await idle_ids()  # insight never saw the sign-in: it does not know the account

    listings = StaffListings(identity, PlatformToken(identity, "insight", demo_secret("insight", "platform_secret")))
    done = await staff.sync(ctx, listings)
    assert done.tenants == 2 and done.accounts > 0
    assert (await idle_ids()).get(me.id) == 120
    clock.set(signed_at + timedelta(days=10))
    assert me.id not in await idle_ids()
    # Read again: nothing moves (the listing is merged, not added).
    async with ctx.pool.acquire() as conn:
        before = await conn.fetch("SELECT * FROM accounts ORDER BY user_id")
    await staff.sync(ctx, listings)
    async with ctx.pool.acquire() as conn:
        assert await conn.fetch("SELECT * FROM accounts ORDER BY user_id") == before


async def test_a_service_without_a_platform_secret_of_identitys_gets_no_staff_listing(identity: grpc.aio.Channel, ctx: Context) -> None:
    listings = StaffListings(identity, PlatformToken(identity, "insight", "not-the-secret-of-insight-0000"))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await staff.sync(ctx, listings)
    assert refused.value.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)
