"""The catalogue and the bus, for real: the tenant projection and use counter fed by durable
JetStream consumers, the relay publishing item.published, and an idempotent demo seed."""

import json
import uuid
from datetime import timedelta

import asyncpg
import pytest
from nats.js import JetStreamContext

from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.events.envelope import CloudEvent
from mgov_common.events.outbox import OutboxRelay
from mgov_common.events.streams import EVENTS_STREAM
from mgov_common.errors import NotFound
from mgov_common.tenants import apply_tenant_event
from services.catalog.entrypoints.use_counter import UseCounter
from services.catalog.service_layer import queries
from services.catalog.service_layer.projections import count_application
from services.catalog.service_layer.seed import seed_demo
from tests.catalog_support import CODEC, NOW, catalog_pool, reader, tenant_event, uow  # noqa: F401
from tests.integration.test_consumer import consume_until, dead_letters


async def publish(js: JetStreamContext, event: CloudEvent, msg_id: str | None = None) -> None:
    await js.publish(event.platform_subject(), event.to_json().encode(), headers={"Nats-Msg-Id": msg_id or str(event.id)})


async def test_identitys_tenant_events_build_the_tree_the_catalogue_works_on(catalog_pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    province, city, county = f"{tenant}p", f"{tenant}c", f"{tenant}x"
    spec = ConsumerSpec(f"test-tenants-{uuid.uuid4().hex[:6]}", [f"mgov.evt.{t}.identity.tenant.>" for t in (province, city, county)], ack_wait_s=2)
    consumer = EventConsumer(catalog_pool, js, spec, apply_tenant_event)
    with pytest.raises(NotFound):
        await queries.list_services(reader(catalog_pool), None, CODEC, queries.ListQuery(county))
    renamed = tenant_event(city, province, "340100", "city", verb="updated", name="新名称", time=NOW + timedelta(minutes=5))
    stale = tenant_event(city, province, "340100", "city", verb="updated", name="旧名称", time=NOW + timedelta(minutes=1))
    events = [tenant_event(province, None, "340000", "province", time=NOW), tenant_event(city, province, "340100", "city", time=NOW),
              tenant_event(county, city, "340102", "county", time=NOW), renamed, stale]
    for e in events:
        await publish(js, e)
    await publish(js, renamed, msg_id=f"again-{renamed.id}")  # a redelivery with the same event id
    # Five applied, and the redelivery skipped as a duplicate: nothing left to come.
    await consume_until(consumer, lambda c: c.handled == 5 and c.skipped == 1)
    assert consumer.applied == 5 and consumer.dead_lettered == 0
    rows = {r["id"]: r for r in await catalog_pool.fetch("SELECT * FROM tenants WHERE id = ANY($1::text[])", [province, city, county])}
    assert rows[county]["parent_id"] == city and rows[city]["division_code"] == "340100"
    assert rows[city]["name"]["zh"] == "新名称"  # the older update arrived later and lost
    async with reader(catalog_pool) as r:
        assert [n.id for n in await r.tenants.chain(county)] == [county, city, province]
    views, token = await queries.list_services(reader(catalog_pool), None, CODEC, queries.ListQuery(county))
    assert views == [] and token == ""


async def test_a_malformed_tenant_event_is_dead_lettered_not_dropped(catalog_pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    spec = ConsumerSpec(f"test-tenants-{uuid.uuid4().hex[:6]}", [f"mgov.evt.{tenant}.identity.tenant.>"], ack_wait_s=1, max_deliver=2, backoff_s=(0.05,))
    consumer = EventConsumer(catalog_pool, js, spec, apply_tenant_event)
    bad = CloudEvent.new(service="identity", entity="tenant", verb="created", tenant=tenant, subject=tenant, data={"id": tenant})
    await publish(js, bad)
    await consume_until(consumer, lambda c: c.failed == 1)
    assert await catalog_pool.fetchval("SELECT count(*) FROM tenants WHERE id = $1", tenant) == 0


async def test_submitted_applications_count_as_use_once_each(catalog_pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    await seed_demo(uow(catalog_pool), NOW)
    item = await catalog_pool.fetchval("SELECT id FROM items WHERE tenant_id = 'zhejiang' AND code = '330000-GG-0002'")
    spec = ConsumerSpec(f"test-use-{uuid.uuid4().hex[:6]}", [f"mgov.evt.{tenant}.workflow.application.submitted"], ack_wait_s=2)
    consumer = EventConsumer(catalog_pool, js, spec, count_application)
    first = CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant=tenant, subject="app-1",
                           data={"service_id": str(item), "service_version": 1})
    second = CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant=tenant, subject="app-2",
                            data={"service_id": str(item), "service_version": 1})
    for e, msg_id in ((first, None), (second, None), (first, f"again-{first.id}")):
        await publish(js, e, msg_id)
    await consume_until(consumer, lambda c: c.handled == 2 and c.skipped == 1)  # the redelivered first is skipped
    assert await catalog_pool.fetchval("SELECT use_count FROM items WHERE id = $1", item) == 2
    views, _ = await queries.list_services(reader(catalog_pool), None, CODEC, queries.ListQuery("zhejiang", page_size=1))
    assert views[0].id == item and views[0].use_count == 2  # the most used item leads the list


async def test_a_batch_of_submissions_counts_once_each_even_when_its_acks_are_lost(catalog_pool: asyncpg.Pool, js: JetStreamContext,
                                                                                 tenant: str) -> None:
    await seed_demo(uow(catalog_pool), NOW)
    a, b = [r["id"] for r in await catalog_pool.fetch("SELECT id FROM items WHERE tenant_id = 'zhejiang' ORDER BY code LIMIT 2")]
    spec = ConsumerSpec(f"test-use-{uuid.uuid4().hex[:6]}", [f"mgov.evt.{tenant}.workflow.application.submitted"], ack_wait_s=1)
    consumer = UseCounter(catalog_pool, js, spec)
    events = [CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant=tenant, subject=f"app-{i}",
                             data={"service_id": str(a if i < 12 else b), "service_version": 1}) for i in range(17)]
    for e in events:
        await publish(js, e)
    await publish(js, events[0], msg_id=f"again-{events[0].id}")  # the same event in a second message
    lost = []

    async def lose_the_first_acks(msg: object) -> None:
        if not lost:
            lost.append(msg)
            raise OSError("connection lost after the commit, before the acks")

    consumer.before_ack = lose_the_first_acks
    # Every message settled once: the batch whose acks were lost comes back and counts nothing.
    await consume_until(consumer, lambda c: c.handled + c.skipped == 18 and c.skipped >= 1)
    assert lost and consumer.chunks_committed >= 1
    uses = {r["id"]: r["use_count"] for r in await catalog_pool.fetch("SELECT id, use_count FROM items WHERE id = ANY($1::uuid[])", [a, b])}
    assert uses == {a: 12, b: 5}
    assert await catalog_pool.fetchval("SELECT count(*) FROM processed_events WHERE consumer = $1", spec.durable) == 17


async def test_the_seed_is_idempotent_and_its_events_reach_the_stream(catalog_pool: asyncpg.Pool, js: JetStreamContext) -> None:
    first = await seed_demo(uow(catalog_pool), NOW)
    again = await seed_demo(uow(catalog_pool), NOW)
    assert (first.items, first.localisations, first.opt_outs, first.notices) == (35, 9, 3, 6)
    assert (again.items, again.localisations, again.opt_outs, again.notices) == (0, 0, 0, 0)
    types = [r["type"] for r in await catalog_pool.fetch("SELECT type FROM outbox ORDER BY seq")]
    assert types.count("mgov.catalog.item.published.v1") == 44 and types.count("mgov.catalog.notice.published.v1") == 6
    schema = await catalog_pool.fetchval("SELECT current_schema()")
    relay = OutboxRelay(catalog_pool, js, schema)
    while await relay.publish_batch():
        pass
    assert await catalog_pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
    last = await js.get_last_msg(EVENTS_STREAM, "mgov.evt.xihu.catalog.item.published")
    event = CloudEvent.parse(last.data)
    assert event.type == "mgov.catalog.item.published.v1" and event.tenant == "xihu"
    assert event.data["inherited_from"] and event.data["version"] == 1 and event.data["workflow_id"] == "standard"
    assert json.loads(last.data)["data"]["id"] == event.subject


async def test_an_application_without_a_service_is_dead_lettered_while_the_rest_of_its_chunk_counts_once(
        catalog_pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    """The use counter counts a chunk with one statement; an event it cannot count (no
    service id) must not take its chunk down with it nor be dropped: it goes one by one,
    retried and then dead-lettered, while the events around it count once, in chunks."""
    await seed_demo(uow(catalog_pool), NOW)
    item = await catalog_pool.fetchval("SELECT id FROM items WHERE tenant_id = 'zhejiang' ORDER BY code LIMIT 1")
    before = await catalog_pool.fetchval("SELECT use_count FROM items WHERE id = $1", item)
    spec = ConsumerSpec(f"test-use-{uuid.uuid4().hex[:6]}", [f"mgov.evt.{tenant}.workflow.application.submitted"], ack_wait_s=1,
                        max_deliver=2, backoff_s=(0.05,))
    consumer = UseCounter(catalog_pool, js, spec)

    def submitted(i: int, data: dict[str, object]) -> CloudEvent:
        return CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant=tenant, subject=f"app-{i}", data=data)

    good = [submitted(i, {"service_id": str(item), "service_version": 1}) for i in range(6)]
    poison = submitted(99, {"service_version": 1})
    for e in (*good[:3], poison, *good[3:]):
        await publish(js, e)
    await consume_until(consumer, lambda c: c.failed == 1 and c.handled == 6)
    assert consumer.chunks_committed >= 2 and consumer.counts.retried == 1  # the runs either side of it, each one statement
    assert await catalog_pool.fetchval("SELECT use_count FROM items WHERE id = $1", item) == before + 6
    recorded = {r["event_id"] for r in await catalog_pool.fetch("SELECT event_id FROM processed_events WHERE consumer = $1", spec.durable)}
    assert recorded == {e.id for e in good}
    [dead] = await dead_letters(js, spec.durable)
    assert CloudEvent.parse(dead.data).id == poison.id and "no service_id" in dead.headers["Mgov-Error"]
