"""Transactional outbox and relay against real PostgreSQL and JetStream."""

import asyncio

import asyncpg
import pytest
from nats.js import JetStreamContext
from prometheus_client import REGISTRY

from mgov_common.events.envelope import CloudEvent
from mgov_common.events.outbox import OutboxRelay, record
from mgov_common.events.streams import EVENTS_STREAM


def make_event(tenant: str, n: int = 0) -> CloudEvent:
    return CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant=tenant, subject=f"app-{n}", data={"n": n})


async def stream_messages(js: JetStreamContext, tenant: str) -> list[bytes]:
    """Every message on this tenant's subjects, read through an ephemeral consumer."""
    sub = await js.pull_subscribe(f"mgov.evt.{tenant}.>", stream=EVENTS_STREAM)
    out: list[bytes] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(100, timeout=0.5)
            except TimeoutError:
                return out
            for m in msgs:
                out.append(m.data)
                await m.ack()
    finally:
        await sub.unsubscribe()


async def test_an_event_recorded_outside_a_transaction_is_refused(pool: asyncpg.Pool, tenant: str) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            await record(conn, make_event(tenant))


async def test_an_event_of_a_rolled_back_change_is_never_published(pool: asyncpg.Pool, js: JetStreamContext, tenant: str, schema: str) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(ZeroDivisionError):
            async with conn.transaction():
                await record(conn, make_event(tenant))
                1 / 0  # noqa: B018 - the state change fails after its event was written
    assert await OutboxRelay(pool, js, schema).publish_batch() == 0
    assert await stream_messages(js, tenant) == []


async def test_an_event_committed_with_its_row_is_published_once_even_when_the_relay_dies_before_marking_it(
    pool: asyncpg.Pool, js: JetStreamContext, tenant: str, schema: str
) -> None:
    await pool.execute("CREATE TABLE applications (id text PRIMARY KEY)")
    event = make_event(tenant)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO applications VALUES ('app-0')")
        await record(conn, event)

    class RelayKilled(BaseException):
        """Stands for the process dying: nothing after this point runs."""

    async def die() -> None:
        raise RelayKilled

    first = OutboxRelay(pool, js, schema)
    first.after_publish = die
    with pytest.raises(RelayKilled):
        await first.publish_batch()
    # The publish reached JetStream but the row is still unpublished: the mark rolled back.
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 1

    second = OutboxRelay(pool, js, schema)
    # The stuck event shows in the metrics: one row waiting, for over a minute.
    await pool.execute("UPDATE outbox SET created_at = now() - interval '61 seconds'")
    await second.observe()
    assert REGISTRY.get_sample_value("mgov_outbox_backlog", {"service": schema}) == 1
    assert REGISTRY.get_sample_value("mgov_outbox_oldest_age_seconds", {"service": schema}) >= 61  # type: ignore[operator]
    assert await second.publish_batch() == 1
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
    await second.observe()
    assert REGISTRY.get_sample_value("mgov_outbox_backlog", {"service": schema}) == 0
    assert REGISTRY.get_sample_value("mgov_outbox_oldest_age_seconds", {"service": schema}) == 0
    published = await stream_messages(js, tenant)
    assert len(published) == 1
    assert CloudEvent.parse(published[0]) == event


async def test_the_running_relay_publishes_committed_events_promptly_in_order(pool: asyncpg.Pool, js: JetStreamContext, tenant: str, schema: str) -> None:
    relay = OutboxRelay(pool, js, schema, poll_interval_s=30)  # only NOTIFY can wake it in time
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.wait_for(relay.ready.wait(), 10)  # it listens for NOTIFY from here on
        events = [make_event(tenant, n) for n in range(20)]
        for e in events:
            async with pool.acquire() as conn, conn.transaction():
                await record(conn, e)
        await relay.wait_published(len(events), timeout=10)  # well before its 30 s poll
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    published = [CloudEvent.parse(m) for m in await stream_messages(js, tenant)]
    assert [e.id for e in published] == [e.id for e in events]


async def test_a_relay_woken_as_it_is_cancelled_stops(pool: asyncpg.Pool, js: JetStreamContext, schema: str) -> None:
    """A NOTIFY that lands in the same loop turn as the cancel must not swallow it
    (asyncio.wait_for on Python 3.11 returned the wake-up and dropped the cancel, so the
    relay ran on and a service's shutdown hung)."""
    relay = OutboxRelay(pool, js, schema, poll_interval_s=30)
    task = asyncio.create_task(relay.run())
    await asyncio.wait_for(relay.ready.wait(), 10)
    async with asyncio.timeout(10):
        while not relay._wake._waiters:  # type: ignore[attr-defined] - until it waits for a wake-up
            await asyncio.sleep(0.01)
    relay._on_notify()
    task.cancel()
    async with asyncio.timeout(10):
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()


async def test_two_relays_on_one_outbox_publish_each_event_once(pool: asyncpg.Pool, js: JetStreamContext, tenant: str, schema: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await record(conn, *(make_event(tenant, n) for n in range(300)))
    a, b = OutboxRelay(pool, js, schema, batch_size=50), OutboxRelay(pool, js, schema, batch_size=50)

    async def drain(relay: OutboxRelay) -> None:
        while await relay.publish_batch():
            pass

    await asyncio.gather(drain(a), drain(b))
    assert a.published + b.published == 300
    assert len(await stream_messages(js, tenant)) == 300
