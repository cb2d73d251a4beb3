"""`ChunkedConsumer` on its own (real PostgreSQL and JetStream): the plumbing the chunked
consumers (insight, notify, the use counter) share keeps every event's semantics."""

import uuid

import asyncpg
from nats.js import JetStreamContext

from mgov_common.events.chunked import ChunkedConsumer, lane_count
from mgov_common.events.envelope import CloudEvent
from tests.integration.test_consumer import consume_until, dead_letters, publish, spec


def on_case(tenant: str, case: str, n: int) -> CloudEvent:
    return CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant=tenant, subject=case, data={"n": n})


async def test_a_poisoned_event_in_a_chunk_is_dead_lettered_and_the_rest_is_applied_once_in_each_cases_order(
        pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    """Twenty events on five cases, one of them poisoned and one sent twice, in one
    batch split over lanes: the chunk holding the poison rolls back and goes one by one
    (its neighbours applied, the poison retried and dead-lettered), the repeat applies
    nothing, and each case's events are applied in stream order."""
    await pool.execute("CREATE TABLE chunk_applied (seq serial, event_id uuid, case_id text, n int)")
    events = [on_case(tenant, f"case-{n % 5}", n) for n in range(20)]
    poison = events[7]

    async def apply(conn: asyncpg.Connection, event: CloudEvent) -> None:
        if event.id == poison.id:
            raise ValueError("poisoned")
        await conn.execute("INSERT INTO chunk_applied (event_id, case_id, n) VALUES ($1, $2, $3)", event.id, event.subject, event.data["n"])

    s = spec(tenant, max_deliver=2, batch=64)
    consumer = ChunkedConsumer(pool, js, s, apply, chunk=4, concurrency=4)
    for e in events:
        await publish(js, e)
    await js.publish(events[3].platform_subject(), events[3].to_json().encode(), headers={"Nats-Msg-Id": f"again-{events[3].id}"})
    await consumer.ensure()
    await consume_until(consumer, lambda c: c.failed == 1 and c.handled == 19 and c.skipped == 1)
    rows = await pool.fetch("SELECT event_id, case_id, n FROM chunk_applied ORDER BY seq")
    assert sorted(r["event_id"] for r in rows) == sorted(e.id for e in events if e is not poison)  # each once
    for case in {e.subject for e in events}:
        ns = [r["n"] for r in rows if r["case_id"] == case]
        assert ns == sorted(ns), f"{case} applied out of order: {ns}"
    assert consumer.chunks_committed >= 4 and consumer.counts.retried == 1
    [dead] = await dead_letters(js, s.durable)
    assert CloudEvent.parse(dead.data).id == poison.id and dead.headers["Mgov-Error"] == "ValueError: poisoned"
    assert await pool.fetchval("SELECT count(*) FROM processed_events WHERE consumer = $1", s.durable) == 19


async def test_a_redelivery_between_first_deliveries_goes_one_by_one_in_its_place(pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    """A message that comes back (its ack was lost after the commit) is never chunked: the
    platform's path skips it by its recorded id, and it does not hold back the chunks."""
    await pool.execute("CREATE TABLE chunk_applied (event_id uuid, n int)")

    async def apply(conn: asyncpg.Connection, event: CloudEvent) -> None:
        await conn.execute("INSERT INTO chunk_applied VALUES ($1, $2)", event.id, event.data["n"])

    s = spec(tenant, ack_wait_s=1.0, batch=64)
    consumer = ChunkedConsumer(pool, js, s, apply)
    lost: list[uuid.UUID] = []

    async def lose_one_ack(msg: object) -> None:
        if not lost:
            lost.append(CloudEvent.parse(msg.data).id)  # type: ignore[attr-defined]
            raise OSError("connection lost after the commit, before the ack")

    consumer.before_ack = lose_one_ack
    events = [on_case(tenant, f"case-{n}", n) for n in range(5)]
    for e in events:
        await publish(js, e)
    await consume_until(consumer, lambda c: c.handled == 4 and c.skipped == 1, timeout=15)
    assert sorted(r["n"] for r in await pool.fetch("SELECT n FROM chunk_applied")) == list(range(5))
    assert await pool.fetchval("SELECT count(*) FROM processed_events WHERE consumer = $1", s.durable) == 5


def test_a_batch_gets_a_lane_per_chunk_of_events_up_to_the_concurrency() -> None:
    assert [lane_count(n, 32, 8) for n in (0, 1, 6, 32, 33, 100, 256, 1000)] == [1, 1, 1, 1, 2, 4, 8, 8]


async def test_what_a_committed_hook_raises_leaves_only_its_own_message_to_come_back(
        pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    """`committed` runs after the commit; whatever it raises for one event leaves that one
    message unacknowledged (redelivered, then skipped by its recorded id) while the rest
    of its chunk is acknowledged as applied: a bug in the hook never strands the chunk."""
    await pool.execute("CREATE TABLE chunk_applied (event_id uuid, n int)")

    async def apply(conn: asyncpg.Connection, event: CloudEvent) -> None:
        await conn.execute("INSERT INTO chunk_applied VALUES ($1, $2)", event.id, event.data["n"])

    events = [on_case(tenant, f"case-{n}", n) for n in range(5)]

    class FailingOnce(ChunkedConsumer):
        failed: list[uuid.UUID] = []

        async def committed(self, event: CloudEvent) -> None:
            if event.id == events[1].id and not self.failed:
                self.failed.append(event.id)
                raise ValueError("a bug in the after-commit hook")

    consumer = FailingOnce(pool, js, spec(tenant, ack_wait_s=1.0, batch=64), apply)
    for e in events:
        await publish(js, e)
    await consume_until(consumer, lambda c: c.handled == 4 and c.skipped == 1, timeout=15)
    assert consumer.failed == [events[1].id]
    assert sorted(r["n"] for r in await pool.fetch("SELECT n FROM chunk_applied")) == list(range(5))
