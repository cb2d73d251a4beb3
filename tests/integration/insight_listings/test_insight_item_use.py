"""An item last applied for before the streams' 30 days is not a zombie: insight reads
workflow's item use listing (workflow, catalog and identity serving over real gRPC,
insight with its platform token), so an insight rebuilt from a stream that no longer holds
the item's application events still knows it was applied for 40 days ago. The listing
never moves a later application back; only the insight service may read it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import grpc
import pytest

from mgov.identity.v1 import identity_pb2 as ipb
from mgov.identity.v1 import identity_pb2_grpc
from mgov.workflow.v1 import workflow_pb2 as wpb
from mgov.workflow.v1 import workflow_pb2_grpc
from mgov_common.clock import ManualClock
from services.insight.adapters import listed
from services.insight.adapters.listings import ItemUseListings, ListedUse, PublicationListings, SystemListings
from services.insight.service_layer import backfill
from services.insight.service_layer.context import Context
from services.insight.service_layer.rebuild import rebuild
from tests.conftest import Servers
from tests.integration.insight_listings.support import streams_of_nobody, HZ_ADMIN, PASSWORD, Owners, own_items, zombie_ids


@dataclass
class Platform(Owners):
    sources: backfill.Sources  # catalog's publications, identity's systems and workflow's item use


@pytest.fixture
def platform(owners: Owners) -> Platform:
    token = owners.token("insight")
    return Platform(**vars(owners), sources=backfill.Sources(PublicationListings(owners.catalog, token), SystemListings(owners.identity, token),
                                                             item_use=ItemUseListings(owners.workflow, token)))


async def old_case(p: Platform, tenant: str, item: str, submitted: datetime) -> None:
    """A case of `item` in `tenant` as workflow keeps it, submitted at `submitted` (long
    before the streams' 30 days: only workflow's table remembers it)."""
    conn = await asyncpg.connect(p.workflow_dsn, server_settings={"search_path": "workflow"})
    try:
        await conn.execute(
            "INSERT INTO applications (id, case_number, tenant_id, service_id, service_version, service_name, applicant_id, "
            "applicant_tenant_id, status, terminal, form, definition_tenant, definition_id, definition_version, submitted_at, "
            "updated_at, completed_at, state_entered_at) "
            "VALUES ($1, $2, $3, $4, 1, $5, 'citizen-1', $3, 'approved', true, '{}', 'zhejiang', 'standard', 1, $6, $6, $6, $6)",
            uuid.uuid4(), f"OLD{uuid.uuid4().hex[:12]}", tenant, uuid.UUID(item), json.dumps({"zh": "旧件"}), submitted)
    finally:
        await conn.close()


async def test_an_item_last_applied_for_before_the_streams_keep_is_not_unused_after_a_rebuild_with_listings(
        platform: Platform, ctx: Context, servers: Servers) -> None:
    p = platform
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    clock.set(clock.now() + timedelta(days=200))  # every demo item was published 200 days ago
    applied, idle = (await own_items(p, "yuhang"))[:2]  # type: ignore[arg-type]
    await old_case(p, "yuhang", applied, clock.now() - timedelta(days=40))
    await old_case(p, "hangzhou", applied, clock.now() - timedelta(days=120))  # an older case elsewhere changes nothing

    async with streams_of_nobody(servers, "insight-item-use-tests") as (js, empty):
        # Without workflow's listing the application is forgotten: the item looks unused since its publication.
        without = backfill.Sources(p.sources.publications, p.sources.systems)
        await rebuild(ctx.pool, js, *empty, listed=await backfill.read(ctx, without))
        assert {applied, idle} <= (await zombie_ids(ctx, "item_unused"))["yuhang"]
        # With it, the rebuild ends knowing the item was applied for 40 days ago.
        done = await rebuild(ctx.pool, js, *empty, listed=await backfill.read(ctx, p.sources))
    assert done.listed_uses >= 1
    unused = (await zombie_ids(ctx, "item_unused"))["yuhang"]
    assert applied not in unused and idle in unused
    async with ctx.pool.acquire() as conn:
        assert await conn.fetchval("SELECT last_application_at FROM items WHERE id = $1", uuid.UUID(applied)) \
            == clock.now() - timedelta(days=40)


async def test_the_later_application_wins_and_a_listing_never_moves_it_back(platform: Platform, ctx: Context) -> None:
    p = platform
    assert p.sources.publications is not None and p.sources.item_use is not None
    await backfill.sync_publications(ctx, p.sources.publications)
    item = (await own_items(p, "xihu"))[0]
    listed_at = datetime.now(UTC) + timedelta(days=10)
    await old_case(p, "xihu", item, listed_at)
    later = listed_at + timedelta(days=2)
    async with ctx.pool.acquire() as conn:
        # An application event newer than what workflow's listing says: the listing read after it changes nothing.
        await listed.uses_listed(conn, [ListedUse(uuid.UUID(item), later)])
        assert (await backfill.sync_item_use(ctx, p.sources.item_use)).uses >= 1
        assert await conn.fetchval("SELECT last_application_at FROM items WHERE id = $1", uuid.UUID(item)) == later
        # An older one: the listing's newer time wins, and reading it again changes nothing.
        await conn.execute("UPDATE items SET last_application_at = $2 WHERE id = $1", uuid.UUID(item), listed_at - timedelta(days=5))
        await backfill.sync_item_use(ctx, p.sources.item_use)
        assert await conn.fetchval("SELECT last_application_at FROM items WHERE id = $1", uuid.UUID(item)) == listed_at
        before = await conn.fetch("SELECT * FROM items ORDER BY id")
        await backfill.sync_item_use(ctx, p.sources.item_use)
        assert await conn.fetch("SELECT * FROM items ORDER BY id") == before


async def test_only_the_insight_service_reads_the_item_use_listing_page_by_bounded_page(platform: Platform) -> None:
    p = platform
    stub = workflow_pb2_grpc.WorkflowServiceStub(p.workflow)
    signed = await identity_pb2_grpc.IdentityServiceStub(p.identity).Authenticate(
        ipb.AuthenticateRequest(phone=HZ_ADMIN, password=PASSWORD, source_address="192.0.2.21"))
    staff = (("authorization", f"Bearer {signed.tokens.access_token}"),)
    for who in (await p.token("notify").metadata(), await p.token("catalog").metadata(), staff):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.ListItemUse(wpb.ListItemUseRequest(tenant_id="hangzhou"), metadata=who)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await stub.ListItemUse(wpb.ListItemUseRequest(tenant_id="hangzhou"))
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    insight = await p.token("insight").metadata()
    with pytest.raises(grpc.aio.AioRpcError) as forged:
        await stub.ListItemUse(wpb.ListItemUseRequest(tenant_id="ningbo", page_token="x.y"), metadata=insight)
    assert forged.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    items = sorted(str(uuid.uuid4()) for _ in range(3))
    newest = datetime(2026, 3, 2, 8, 30, 15, 123000, tzinfo=UTC)
    for i, item in enumerate(items):
        for days in range(i + 1):
            await old_case(p, "haishu", item, newest - timedelta(days=days))
    whole = await stub.ListItemUse(wpb.ListItemUseRequest(tenant_id="haishu", page_size=10_000), metadata=insight)
    assert [(u.service_id, u.case_count, u.last_submit_time.ToDatetime(tzinfo=UTC)) for u in whole.items] == \
        [(item, i + 1, newest) for i, item in enumerate(items)] and not whole.next_page_token
    paged, token = [], ""
    while True:
        page = await stub.ListItemUse(wpb.ListItemUseRequest(tenant_id="haishu", page_size=2, page_token=token), metadata=insight)
        assert len(page.items) <= 2
        paged += page.items
        token = page.next_page_token
        if not token:
            break
    assert paged == list(whole.items)
    # Another tenant's token is no use here.
    first = await stub.ListItemUse(wpb.ListItemUseRequest(tenant_id="haishu", page_size=1), metadata=insight)
    with pytest.raises(grpc.aio.AioRpcError) as elsewhere:
        await stub.ListItemUse(wpb.ListItemUseRequest(tenant_id="ningbo", page_token=first.next_page_token), metadata=insight)
    assert elsewhere.value.code() == grpc.StatusCode.INVALID_ARGUMENT
