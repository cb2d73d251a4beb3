"""Insight's event consumer against real PostgreSQL and JetStream: what one fetch brings
is one transaction (a run of submissions one statement), a chunk delivered again
changes nothing, and a poisoned event costs its chunk one retry, never its delivery."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from mgov_common.db import create_pool
from mgov_common.events.chunked import ChunkedConsumer
from mgov_common.events.envelope import CloudEvent
from mgov_common.migrations import migrate
from services.insight.bootstrap import MIGRATIONS
from services.insight.entrypoints.consumers import events_consumer, events_spec, ingest_consumer, ingest_spec
from tests.conftest import Servers

AT = datetime(2026, 11, 2, 2, tzinfo=UTC)  # 10:00 in China, a Monday
TABLES = ("items", "cases", "daily")


@pytest.fixture(scope="module")
async def pool(servers: Servers) -> AsyncIterator[asyncpg.Pool]:
    schema = f"insc_{uuid.uuid4().hex[:8]}"
    await migrate(servers.dsn, schema, MIGRATIONS)
    p = await create_pool(servers.dsn, schema, min_size=1, max_size=4)
    try:
        yield p
    finally:
        await p.close()


def submitted(tenant: str, item: uuid.UUID, at: datetime, *, case: uuid.UUID | None = None, department: str = "市民卡中心",
              service_id: str | None = None) -> CloudEvent:
    case = case or uuid.uuid4()
    return CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant=tenant, subject=str(case), time=at, data={
        "application_id": str(case), "tenant_id": tenant, "service_id": service_id or str(item), "department": department,
        "actor": {"kind": "user", "id": "u1", "tenant_id": tenant}, "action": "submit", "status": "submitted",
        "case_due_at": (at + timedelta(days=7)).isoformat()})


def published(tenant: str, item: uuid.UUID, at: datetime) -> CloudEvent:
    return CloudEvent.new(service="catalog", entity="item", verb="published", tenant=tenant, subject=str(item), time=at, data={
        "id": str(item), "tenant_id": tenant, "code": "C-1", "version": 1, "name": {"zh": "事项"}, "department": "市民卡中心",
        "promised_limit_days": 5})


def transitioned(tenant: str, item: uuid.UUID, case: uuid.UUID, at: datetime) -> CloudEvent:
    return CloudEvent.new(service="workflow", entity="application", verb="transitioned", tenant=tenant, subject=str(case), time=at,
                          data={"application_id": str(case), "tenant_id": tenant, "service_id": str(item), "action": "return",
                                "clock_paused": True, "actor": {"kind": "user", "id": "u2", "tenant_id": tenant}})


async def publish(js: JetStreamContext, events: list[CloudEvent], again: str = "") -> None:
    for e in events:
        await js.publish(e.platform_subject(), e.to_json().encode(), headers={"Nats-Msg-Id": f"{again}{e.id}"})


async def tables(pool: asyncpg.Pool, tenant: str) -> dict[str, list[tuple[Any, ...]]]:
    async with pool.acquire() as conn:
        return {t: sorted(tuple(r.values()) for r in await conn.fetch(f"SELECT * FROM {t} WHERE tenant_id = $1", tenant)) for t in TABLES}


async def running(consumer: ChunkedConsumer) -> asyncio.Task[None]:
    await consumer.ensure()
    return asyncio.create_task(consumer.run())


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


@pytest.mark.parametrize("only_submissions", [False, True], ids=["mixed", "submissions"])
async def test_the_events_of_one_fetch_share_one_transaction_and_a_chunk_delivered_again_changes_nothing(
        pool: asyncpg.Pool, js: JetStreamContext, tenant: str, only_submissions: bool) -> None:
    """Published before the consumer starts, the events (one of them twice) come in one
    fetch: one commit writes the six cases, their daily counters, their item and (mixed) the item's
    publication and the 补正 of a case, exactly as one event at a time would have (a
    chunk of nothing but submissions is a single statement). Then the same events again
    (another message id, so JetStream keeps them: a first delivery of ids already
    recorded), and a chunk whose acks were lost after its commit (redelivered): both
    change nothing."""
    item, cases = uuid.uuid4(), [uuid.uuid4() for _ in range(6)]
    events = [*(submitted(tenant, item, AT + timedelta(minutes=i), case=c, department="" if i == 5 else "市民卡中心")
                for i, c in enumerate(cases)),
              submitted(tenant, item, AT + timedelta(hours=1), case=cases[0])]  # the same case again: opened once
    if only_submissions:
        await pool.execute("INSERT INTO items (id, tenant_id, status, first_published_at, reviewed_at) VALUES ($1, $2, 'published', $3, $3)",
                           item, tenant, AT - timedelta(days=30))
    else:
        events = [published(tenant, item, AT - timedelta(days=30)), *events, transitioned(tenant, item, cases[1], AT + timedelta(hours=2))]
    consumer = events_consumer(pool, js, events_spec(f"insight-chunk-{tenant}", [tenant]))
    await publish(js, events)
    await publish(js, [events[2]], again="twice-")  # the same event twice in one fetch: applied once
    task = await running(consumer)
    try:
        await consumer.wait_until(lambda c: c.handled + c.skipped == len(events) + 1)
    finally:
        await stop(task)
    assert (consumer.chunks_committed, consumer.counts.handled, consumer.counts.skipped, consumer.counts.retried) == (1, len(events), 1, 0)
    async with pool.acquire() as conn:
        written = await conn.fetch(
            "SELECT xmin::text AS tx FROM cases WHERE tenant_id = $1 UNION ALL SELECT xmin::text FROM daily WHERE tenant_id = $1 "
            "UNION ALL SELECT xmin::text FROM items WHERE tenant_id = $1 "
            "UNION ALL SELECT xmin::text FROM processed_events WHERE consumer = $2", tenant, consumer.spec.durable)
    assert len(written) == 6 + 1 + 1 + len(events) and len({r["tx"] for r in written}) == 1
    [row] = [dict(r) for r in await pool.fetch("SELECT * FROM daily WHERE tenant_id = $1", tenant)]
    assert (row["submitted"], row["supplemented"], row["department"]) == (6, 0 if only_submissions else 1, "市民卡中心")
    assert await pool.fetchval("SELECT submitted_at FROM cases WHERE id = $1", cases[0]) == AT  # its first submission
    assert await pool.fetchval("SELECT last_application_at FROM items WHERE id = $1", item) == AT + timedelta(minutes=5)
    before = await tables(pool, tenant)

    again = events_consumer(pool, js, dataclasses.replace(consumer.spec, ack_wait_s=1.0))
    lost: list[str] = []

    async def lose_the_first_chunks_acks(msg: Msg) -> None:
        if msg.metadata.num_delivered == 1 and len(lost) < len(events):
            lost.append(msg.reply)
            raise OSError("connection lost after the commit, before the ack")

    again.before_ack = lose_the_first_chunks_acks
    await publish(js, events, again="again-")
    task = await running(again)
    try:
        # Committed (nothing fresh), its acks lost, redelivered, skipped one by one.
        await again.wait_until(lambda c: c.skipped == len(events))
    finally:
        await stop(task)
    assert len(lost) == len(events) and again.chunks_committed == 1 and again.applied == 0
    assert await tables(pool, tenant) == before


async def test_a_poisoned_event_goes_its_own_way_and_the_rest_of_its_chunk_is_applied(
        pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    """A submission whose service id is not a UUID rolls its chunk back; its neighbours
    are then applied one by one and it alone is dead-lettered (after its single allowed
    delivery here), and the next fetch is a chunk again."""
    item = uuid.uuid4()
    good = [submitted(tenant, item, AT), submitted(tenant, item, AT + timedelta(minutes=1))]
    poison = submitted(tenant, item, AT + timedelta(seconds=30), service_id="not-a-uuid")
    spec = dataclasses.replace(events_spec(f"insight-poison-{tenant}", [tenant]), max_deliver=1)
    consumer = events_consumer(pool, js, spec)
    await publish(js, [good[0], poison, good[1]])
    task = await running(consumer)
    try:
        await consumer.wait_until(lambda c: c.handled == 2 and c.failed == 1)
        assert consumer.chunks_committed == 0
        later = [submitted(tenant, item, AT + timedelta(minutes=2)) for _ in range(3)]
        await publish(js, later)
        await consumer.wait_until(lambda c: c.handled == 5)
    finally:
        await stop(task)
    assert consumer.chunks_committed >= 1 and consumer.dead_lettered == 1
    opened = {r["id"] for r in await pool.fetch("SELECT id FROM cases WHERE tenant_id = $1", tenant)}
    assert opened == {uuid.UUID(e.subject) for e in good + later}
    assert await pool.fetchval("SELECT submitted FROM daily WHERE tenant_id = $1", tenant) == 5


async def test_the_signs_of_life_of_one_fetch_are_one_transaction(pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    """Accepted events of a tenant system: one chunk moves its last sign of life to the latest."""
    system = f"sys-{uuid.uuid4().hex[:8]}"
    await pool.execute("INSERT INTO systems (id, tenant_id, name, status, registered_at) VALUES ($1, $2, 'hall', 'active', $3)",
                       system, tenant, AT - timedelta(days=10))
    accepted = [CloudEvent.new(service="hall", entity="queue", verb="called", tenant=tenant, subject="q", data={}, time=AT + timedelta(minutes=m),
                               source=f"tenant/{tenant}/{system}") for m in (3, 9, 1)]
    for e in accepted:
        await js.publish(f"mgov.accepted.{tenant}.{system}.hall.queue.called", e.to_json().encode(), headers={"Nats-Msg-Id": str(e.id)})
    consumer = ingest_consumer(pool, js, ingest_spec(f"insight-ingest-{tenant}", [tenant]))
    task = await running(consumer)
    try:
        await consumer.wait_until(lambda c: c.handled == 3)
    finally:
        await stop(task)
    assert consumer.chunks_committed == 1
    assert await pool.fetchval("SELECT last_seen_at FROM systems WHERE id = $1", system) == AT + timedelta(minutes=9)
