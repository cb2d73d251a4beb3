"""Zombies older than the streams keep: insight reads catalog's publications listing and
identity's systems listing (both services serving over real gRPC, insight with its
platform token), so an insight rebuilt from a stream that no longer holds the items',
notices' and systems' events — here, a stream that holds none of them at all — still
lists them 200 days on. Listings and events converge whatever their order; only the
insight service may read catalog's listing."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import grpc
import pytest

from mgov.catalog.v1 import catalog_pb2 as cpb
from mgov.catalog.v1 import catalog_pb2_grpc
from mgov.identity.v1 import identity_pb2 as ipb
from mgov.identity.v1 import identity_pb2_grpc
from mgov_common.bus import connect_nats
from mgov_common.clock import ManualClock
from mgov_common.events.envelope import CloudEvent
from mgov_common.ports import free_port
from services.insight.adapters.listings import PublicationListings, SystemListings
from services.insight.bootstrap import MIGRATIONS
from services.insight.bootstrap import bootstrap as insight_bootstrap
from services.insight.domain.zombies import NO_NOTICE
from services.insight.service_layer import backfill, project, zombies
from services.insight.service_layer.context import Context
from services.insight.service_layer.rebuild import rebuild
from services.insight.settings import InsightSettings
from tests.conftest import Servers
from tests.integration.insight_listings.support import streams_of_nobody, HZ_ADMIN, PROVINCE_ADMIN, Owners, own_items, zombie_ids
from tests.integration.test_insight_aggregates import admin, item_event
from tests.service_runner import serving


@dataclass
class Platform(Owners):
    sources: backfill.Sources  # catalog's publications and identity's systems (not workflow's item use)


@pytest.fixture
def platform(owners: Owners) -> Platform:
    token = owners.token("insight")
    return Platform(**vars(owners), sources=backfill.Sources(PublicationListings(owners.catalog, token), SystemListings(owners.identity, token)))


async def read_listings(ctx: Context, p: Platform) -> None:
    """One reading of both listings (each raises when its owner refuses or is away)."""
    assert p.sources.publications is not None and p.sources.systems is not None
    assert (await backfill.sync_publications(ctx, p.sources.publications)).items >= 35
    assert (await backfill.sync_systems(ctx, p.sources.systems)).systems >= 0


async def test_items_notices_and_systems_the_stream_no_longer_holds_are_listed_after_a_rebuild(
        platform: Platform, ctx: Context, servers: Servers) -> None:
    p = platform
    staff = await p.staff_token(HZ_ADMIN)
    registered = await identity_pb2_grpc.IdentityServiceStub(p.identity).RegisterSystem(
        ipb.RegisterSystemRequest(tenant_id="yuhang", name=f"余杭旧系统{uuid.uuid4().hex[:4]}", event_types=["mgov.case.status_changed.v1"]),
        metadata=staff)
    system_id = registered.system.id
    hangzhou_items = await own_items(p, "hangzhou")
    retired = hangzhou_items[0]
    await catalog_pb2_grpc.CatalogServiceStub(p.catalog).RetireItem(cpb.RetireItemRequest(service_id=retired, reason="停办"), metadata=staff)
    clock = ctx.clock
    assert isinstance(clock, ManualClock)
    clock.set(clock.now() + timedelta(days=200))

    # A stream that holds none of these events (insight's filter names a tenant nobody publishes for).
    async with streams_of_nobody(servers, "insight-backfill-tests") as (js, empty):
        # From the streams alone, nothing older than them is known: no zombie at all.
        await rebuild(ctx.pool, js, *empty)
        for kind in ("item_unused", "notice_stale", "system_silent"):
            assert await zombie_ids(ctx, kind) == {}
        # With the owners' listings read first, the rebuild ends holding them.
        done = await rebuild(ctx.pool, js, *empty, listed=await backfill.read(ctx, p.sources))
    assert done.listed_items >= 35 and done.listed_systems >= 1
    unused = await zombie_ids(ctx, "item_unused")
    assert set(hangzhou_items[1:]) <= unused["hangzhou"] and retired not in unused["hangzhou"]
    assert await own_items(p, "yuhang") and set(await own_items(p, "yuhang")) <= unused["yuhang"]
    assert system_id in (await zombie_ids(ctx, "system_silent"))["yuhang"]
    stale = await zombie_ids(ctx, "notice_stale")
    # Xihu's newest notice appeared 200 days ago; Yuhang and Haishu publish items but never a notice.
    assert len(stale["xihu"]) == 1 and "xihu" not in stale["xihu"]
    assert stale["yuhang"] == {"yuhang"} and stale["haishu"] == {"haishu"}
    found, _ = await zombies.list_zombies(ctx, admin("yuhang"), "yuhang", "notice_stale", 10, "")
    assert [(z.name, z.idle_days, z.action) for z in found] == [(NO_NOTICE, 200, "")]


async def test_listings_and_events_converge_whatever_their_order_and_a_second_reading_changes_nothing(
        platform: Platform, ctx: Context) -> None:
    p = platform
    await read_listings(ctx, p)
    async with ctx.pool.acquire() as conn:
        before = {t: await conn.fetch(f"SELECT * FROM {t} ORDER BY 1") for t in ("items", "notices", "systems")}
    await read_listings(ctx, p)
    async with ctx.pool.acquire() as conn:
        assert {t: await conn.fetch(f"SELECT * FROM {t} ORDER BY 1") for t in ("items", "notices", "systems")} == before
        ningbo = await own_items(p, "ningbo")
        first, second = [await conn.fetchrow("SELECT * FROM items WHERE id = $1", uuid.UUID(i)) for i in ningbo[:2]]
        # A version published after the listing was read: its event wins, and the listing read again does not undo it.
        later = first["reviewed_at"] + timedelta(days=3)
        newer = item_event("ningbo", first["id"], later)
        newer.data["name"] = {"zh": "新版名称", "en": "New name"}
        # A retirement the listing had not seen yet: the item stays retired whatever the listing says.
        gone = CloudEvent.new(service="catalog", entity="item", verb="retired", tenant="ningbo", subject=str(second["id"]),
                              data={"id": str(second["id"]), "tenant_id": "ningbo"}, time=later)
        async with conn.transaction():
            await project.apply(conn, newer)
            await project.apply(conn, gone)
        # An older version's publication replayed late changes nothing a newer fact told.
        replayed = item_event("ningbo", first["id"], first["first_published_at"] + timedelta(hours=1))
        async with conn.transaction():
            await project.apply(conn, replayed)
    await read_listings(ctx, p)
    async with ctx.pool.acquire() as conn:
        a = await conn.fetchrow("SELECT * FROM items WHERE id = $1", first["id"])
        b = await conn.fetchrow("SELECT status FROM items WHERE id = $1", second["id"])
    assert (a["reviewed_at"], a["name"]["zh"], a["status"]) == (later, "新版名称", "published")
    assert a["first_published_at"] == first["first_published_at"]
    assert b["status"] == "retired"
    # Retired in the catalogue: the next reading marks it, though insight never saw the event.
    staff = await p.staff_token(PROVINCE_ADMIN)
    xihu = (await own_items(p, "xihu"))[0]
    await catalog_pb2_grpc.CatalogServiceStub(p.catalog).RetireItem(cpb.RetireItemRequest(service_id=xihu, reason="停办"), metadata=staff)
    await read_listings(ctx, p)
    async with ctx.pool.acquire() as conn:
        assert await conn.fetchval("SELECT status FROM items WHERE id = $1", uuid.UUID(xihu)) == "retired"
    # A system revoked in identity alike; a replayed registration does not bring it back.
    ids = identity_pb2_grpc.IdentityServiceStub(p.identity)
    system = (await ids.RegisterSystem(ipb.RegisterSystemRequest(tenant_id="ningbo", name=f"宁波系统{uuid.uuid4().hex[:4]}",
                                                                 event_types=["mgov.case.status_changed.v1"]), metadata=staff)).system
    await read_listings(ctx, p)
    await ids.RevokeSystem(ipb.RevokeSystemRequest(tenant_id="ningbo", system_id=system.id), metadata=staff)
    await read_listings(ctx, p)
    registered = CloudEvent.new(service="identity", entity="system", verb="registered", tenant="ningbo", subject=system.id,
                                data={"id": system.id, "name": "宁波系统"}, time=datetime.now(UTC))
    async with ctx.pool.acquire() as conn:
        async with conn.transaction():
            await project.apply(conn, registered)
        assert await conn.fetchval("SELECT status FROM systems WHERE id = $1", system.id) == "revoked"


async def test_only_the_insight_service_reads_the_publications_listing_page_by_bounded_page(platform: Platform) -> None:
    p = platform
    stub = catalog_pb2_grpc.CatalogServiceStub(p.catalog)
    insight = await p.token("insight").metadata()
    for who in (await p.token("notify").metadata(), await p.staff_token(HZ_ADMIN), await p.staff_token(PROVINCE_ADMIN)):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.ListPublications(cpb.ListPublicationsRequest(tenant_id="hangzhou"), metadata=who)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await stub.ListPublications(cpb.ListPublicationsRequest(tenant_id="hangzhou"))
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await stub.ListPublications(cpb.ListPublicationsRequest(tenant_id="atlantis"), metadata=insight)
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as forged:
        await stub.ListPublications(cpb.ListPublicationsRequest(tenant_id="zhejiang", page_token="x.y"), metadata=insight)
    assert forged.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # The province's items a page of two at a time: the same as one page of the largest size, ordered by id.
    whole = await stub.ListPublications(cpb.ListPublicationsRequest(tenant_id="zhejiang", page_size=10_000), metadata=insight)
    assert 27 <= len(whole.items) <= 500 and not whole.next_page_token and whole.HasField("newest_notice")
    paged, token, pages = [], "", 0
    while True:
        page = await stub.ListPublications(cpb.ListPublicationsRequest(tenant_id="zhejiang", page_size=2, page_token=token), metadata=insight)
        assert len(page.items) <= 2 and page.HasField("newest_notice") == (pages == 0)
        paged += page.items
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert paged == list(whole.items) and [i.id for i in paged] == sorted(i.id for i in paged)
    assert all(i.tenant_id == "zhejiang" and i.first_publish_time.seconds > 0 for i in paged)


async def test_a_fresh_insight_service_joining_a_running_platform_reads_the_listings_once_it_knows_the_tenants(
        platform: Platform, servers: Servers, tmp_path: Path) -> None:
    """The service itself (its bootstrap, its background loop) on an empty database: it
    learns the tenants from identity's events, then the items, notices and systems from
    the listings, though the stream no longer holds their events."""
    dsn = await servers.new_database("bfins")
    staff = await platform.staff_token(HZ_ADMIN)
    registered = await identity_pb2_grpc.IdentityServiceStub(platform.identity).RegisterSystem(
        ipb.RegisterSystemRequest(tenant_id="xihu", name=f"西湖系统{uuid.uuid4().hex[:4]}", event_types=["mgov.case.status_changed.v1"]),
        metadata=staff)
    # The stream's retention has dropped every item's, notice's and system's event (here: purged).
    nc = await connect_nats(servers.nats_url, "insight-backfill-purge")
    try:
        for subject in ("mgov.evt.*.catalog.item.published", "mgov.evt.*.catalog.notice.published", "mgov.evt.*.identity.system.registered"):
            await nc.jetstream().purge_stream("MGOV_EVENTS", subject=subject)
    finally:
        await nc.close()
    identity_target = platform.identity_target
    settings = InsightSettings(demo=True, database_url=dsn, nats_url=servers.nats_url, port=free_port(), identity_addr=identity_target,
                               catalog_addr=platform.catalog_target, workflow_addr=platform.workflow_target, health_interval_s=0.1,
                               shutdown_grace_s=0.5, home=tmp_path,
                               staff_sync_interval_s=3600)
    async with serving(settings, insight_bootstrap, migrations=MIGRATIONS):
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "insight"})
        try:
            async def filled() -> bool:
                items = await conn.fetchval("SELECT count(*) FROM items")
                system = await conn.fetchval("SELECT status FROM systems WHERE id = $1", registered.system.id)
                return items >= 35 and system == "active" and await conn.fetchval("SELECT count(*) FROM notices") >= 4
            deadline = asyncio.get_running_loop().time() + 60
            while not await filled():
                assert asyncio.get_running_loop().time() < deadline, "the fresh insight never read the listings"
                await asyncio.sleep(0.2)
        finally:
            await conn.close()


async def test_a_tenant_that_publishes_items_but_never_a_notice_is_stale_once_its_first_item_is_older_than_the_threshold(
        ctx: Context) -> None:
    now = ctx.clock.now()
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with ctx.pool.acquire() as conn, conn.transaction():
        for e in (item_event("yuhang", a, now - timedelta(days=181)), item_event("yuhang", b, now - timedelta(days=2)),
                  item_event("haishu", c, now - timedelta(days=179))):
            await project.apply(conn, e)
    found, _ = await zombies.list_zombies(ctx, admin("zhejiang"), "zhejiang", "notice_stale", 10, "")
    assert [(z.tenant_id, z.target_id, z.name, z.idle_days, z.threshold_days) for z in found] == [("yuhang", "yuhang", NO_NOTICE, 181, 180)]
    # Its first notice, today: no longer stale.
    notice = uuid.uuid4()
    async with ctx.pool.acquire() as conn, conn.transaction():
        await project.apply(conn, CloudEvent.new(service="catalog", entity="notice", verb="published", tenant="yuhang", subject=str(notice),
                                                 data={"id": str(notice), "tenant_id": "yuhang", "title": {"zh": "公告"}}, time=now))
    assert (await zombies.list_zombies(ctx, admin("zhejiang"), "zhejiang", "notice_stale", 10, "")) == ([], "")


async def test_identitys_systems_of_every_tenant_are_listed_to_platform_services_only(platform: Platform) -> None:
    p = platform
    stub = identity_pb2_grpc.IdentityServiceStub(p.identity)
    mine = await stub.RegisterSystem(ipb.RegisterSystemRequest(tenant_id="hangzhou", name=f"杭州系统{uuid.uuid4().hex[:4]}",
                                                               event_types=["mgov.case.status_changed.v1"]), metadata=await p.staff_token(HZ_ADMIN))
    await stub.RevokeSystem(ipb.RevokeSystemRequest(tenant_id="hangzhou", system_id=mine.system.id), metadata=await p.staff_token(HZ_ADMIN))
    listed = await stub.ListSystems(ipb.ListSystemsRequest(include_revoked=True, page_size=500), metadata=await p.token("insight").metadata())
    assert [s.status for s in listed.systems if s.id == mine.system.id] == [ipb.SYSTEM_STATUS_REVOKED]
    for who in (await p.staff_token(HZ_ADMIN), await p.staff_token(PROVINCE_ADMIN)):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.ListSystems(ipb.ListSystemsRequest(include_revoked=True), metadata=who)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # a person names the tenant, and may list only its own
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await stub.ListSystems(ipb.ListSystemsRequest(include_revoked=True))
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED
