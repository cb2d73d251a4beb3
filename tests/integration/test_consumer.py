"""Durable pull consumers: ack after commit, exactly-once effect, dead letters."""

import asyncio
import json
import uuid
from collections.abc import Callable

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from prometheus_client import REGISTRY

from mgov_common.events.consumer import ConsumerSpec, Counters, EventConsumer
from mgov_common.events.envelope import CloudEvent
from mgov_common.events.streams import DLQ_STREAM, observe_dlq


async def publish(js: JetStreamContext, event: CloudEvent) -> None:
    await js.publish(event.platform_subject(), event.to_json().encode(), headers={"Nats-Msg-Id": str(event.id)})


def submitted(tenant: str, n: int = 0) -> CloudEvent:
    return CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant=tenant, subject=f"app-{n}", data={"n": n})


def spec(tenant: str, **kw: object) -> ConsumerSpec:
    defaults: dict[str, object] = {"durable": f"test-{uuid.uuid4().hex[:8]}", "filter_subjects": [f"mgov.evt.{tenant}.>"], "ack_wait_s": 1.0, "backoff_s": (0.05,)}
    defaults.update(kw)
    return ConsumerSpec(**defaults)  # type: ignore[arg-type]


async def counting_handler_table(pool: asyncpg.Pool) -> None:
    await pool.execute("CREATE TABLE applied (event_id uuid, n int)")


async def apply_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    await conn.execute("INSERT INTO applied VALUES ($1, $2)", event.id, event.data["n"])


async def consume_until(consumer: EventConsumer, until: Callable[[Counters], bool], timeout: float = 15.0) -> Counters:
    """Run the consumer until its counts satisfy `until` (checked after every settled
    message), then stop it; its counts are returned."""
    task = asyncio.create_task(consumer.run())
    try:
        return await consumer.wait_until(until, timeout)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def run_until(consumer: EventConsumer, cond: "asyncio.Future[None] | object", timeout: float = 10.0) -> None:
    task = asyncio.create_task(consumer.run())
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not cond():  # type: ignore[operator]
            if task.done():
                task.result()
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("condition not reached")
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def dead_letters(js: JetStreamContext, durable: str) -> list[Msg]:
    sub = await js.pull_subscribe(f"mgov.dlq.{durable}", stream=DLQ_STREAM)
    try:
        return await sub.fetch(10, timeout=2.0)
    except TimeoutError:
        return []
    finally:
        await sub.unsubscribe()


async def test_each_event_is_applied_once(pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    await counting_handler_table(pool)
    events = [submitted(tenant, n) for n in range(5)]
    for e in events:
        await publish(js, e)
    await publish(js, events[0])  # a duplicate publish within the window is dropped by JetStream
    consumer = EventConsumer(pool, js, spec(tenant), apply_event)
    # Lag: what the durable has not received yet, as the server counts it.
    await consumer.ensure()
    await consumer.observe()
    labels = {"stream": consumer.spec.stream, "consumer": consumer.spec.durable}
    assert REGISTRY.get_sample_value("mgov_consumer_pending_messages", labels) == 5
    await run_until(consumer, lambda: consumer.applied == 5)
    assert await pool.fetchval("SELECT count(*) FROM applied") == 5
    await consumer.observe()
    assert REGISTRY.get_sample_value("mgov_consumer_pending_messages", labels) == 0
    assert REGISTRY.get_sample_value("mgov_consumer_redeliveries_total", labels) == 0


async def test_a_consumer_that_dies_before_acking_gets_the_message_again_and_applies_it_once(pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    await counting_handler_table(pool)
    s = spec(tenant)
    event = submitted(tenant)
    await publish(js, event)

    deliveries: list[int] = []

    async def die_before_ack(msg: Msg) -> None:
        # Stands for the process stopping between commit and ack: nothing after this runs
        # (a consumer settles every failure of its own, but never its cancellation).
        deliveries.append(msg.metadata.num_delivered)
        raise asyncio.CancelledError

    first = EventConsumer(pool, js, s, apply_event)
    first.before_ack = die_before_ack
    with pytest.raises(asyncio.CancelledError):
        await run_until(first, lambda: False)
    assert await pool.fetchval("SELECT count(*) FROM applied") == 1

    second = EventConsumer(pool, js, s, apply_event)
    acked: list[int] = []

    async def note(msg: Msg) -> None:
        acked.append(msg.metadata.num_delivered)

    second.before_ack = note
    await run_until(second, lambda: acked)
    assert acked == [2], "redelivered after ack_wait"
    assert second.applied == 0, "the recorded event id made the redelivery harmless"
    assert await pool.fetchval("SELECT count(*) FROM applied") == 1


async def test_a_message_that_always_fails_ends_in_the_dead_letter_stream_with_its_error(pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    attempts: list[int] = []

    async def always_fails(conn: asyncpg.Connection, event: CloudEvent) -> None:
        await conn.execute("CREATE TABLE IF NOT EXISTS side_effect (x int)")
        await conn.execute("INSERT INTO side_effect VALUES (1)")
        attempts.append(1)
        raise ValueError("case app-0 does not exist")

    s = spec(tenant, max_deliver=3)
    event = submitted(tenant)
    await publish(js, event)
    consumer = EventConsumer(pool, js, s, always_fails)
    await run_until(consumer, lambda: consumer.dead_lettered == 1)
    assert len(attempts) == 3
    # The second and third attempts were redeliveries, counted for this durable.
    assert REGISTRY.get_sample_value("mgov_consumer_redeliveries_total", {"stream": s.stream, "consumer": s.durable}) == 2
    await consumer.observe()
    assert REGISTRY.get_sample_value("mgov_consumer_pending_messages", {"stream": s.stream, "consumer": s.durable}) == 0
    [dead] = await dead_letters(js, s.durable)
    assert CloudEvent.parse(dead.data).id == event.id
    assert dead.headers["Mgov-Error"] == "ValueError: case app-0 does not exist"
    assert dead.headers["Mgov-Original-Subject"] == event.platform_subject()
    assert dead.headers["Mgov-Deliveries"] == "3"
    await observe_dlq(js)
    assert REGISTRY.get_sample_value("mgov_dlq_messages", {"stream": DLQ_STREAM}) == (await js.stream_info(DLQ_STREAM)).state.messages >= 1
    # Each failed attempt rolled back; nothing half-applied, and the id is not recorded.
    assert await pool.fetchval("SELECT count(*) FROM processed_events") == 0
    assert await pool.fetchval("SELECT to_regclass('side_effect') IS NULL")


async def test_a_malformed_envelope_goes_to_the_dead_letter_stream_at_once(pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    s = spec(tenant)
    await js.publish(f"mgov.evt.{tenant}.workflow.application.submitted", b'{"specversion": "1.0"}')

    async def never(conn: asyncpg.Connection, event: CloudEvent) -> None:
        raise AssertionError("a malformed envelope must not reach the handler")

    consumer = EventConsumer(pool, js, s, never)
    await run_until(consumer, lambda: consumer.dead_lettered == 1)
    [dead] = await dead_letters(js, s.durable)
    assert "invalid envelope" in dead.headers["Mgov-Error"]
    assert dead.headers["Mgov-Deliveries"] == "1"


@pytest.mark.parametrize("error", [RecursionError("maximum recursion depth exceeded"), MemoryError("out of memory")])
async def test_a_handler_raising_any_error_is_retried_then_dead_lettered_and_the_next_event_applies(
        pool: asyncpg.Pool, js: JetStreamContext, tenant: str, error: BaseException) -> None:
    await counting_handler_table(pool)
    poison, good = submitted(tenant, 0), submitted(tenant, 1)

    async def fails_on_poison(conn: asyncpg.Connection, event: CloudEvent) -> None:
        if event.id == poison.id:
            raise error
        await apply_event(conn, event)

    s = spec(tenant, max_deliver=2)
    await publish(js, poison)
    await publish(js, good)
    consumer = EventConsumer(pool, js, s, fails_on_poison)
    await run_until(consumer, lambda: consumer.counts.failed == 1 and consumer.counts.handled == 1)
    [dead] = await dead_letters(js, s.durable)
    assert dead.headers["Mgov-Error"] == f"{type(error).__name__}: {error}" and dead.headers["Mgov-Deliveries"] == "2"
    assert consumer.counts.retried == 1
    assert await pool.fetchval("SELECT n FROM applied") == 1


async def test_a_deeply_nested_message_is_dead_lettered_at_once_and_the_loop_goes_on(pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    await counting_handler_table(pool)
    s = spec(tenant)
    await js.publish(f"mgov.evt.{tenant}.workflow.application.submitted", ("[" * 50000 + "]" * 50000).encode())
    good = submitted(tenant, 7)
    await publish(js, good)
    consumer = EventConsumer(pool, js, s, apply_event)
    await run_until(consumer, lambda: consumer.counts.failed == 1 and consumer.counts.handled == 1)
    [dead] = await dead_letters(js, s.durable)
    assert dead.headers["Mgov-Error-Code"] == "invalid_envelope" and "deeper than" in dead.headers["Mgov-Error"]


async def test_a_message_delivered_more_than_max_deliver_times_is_dead_lettered_without_running_the_handler(
        pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    """A message that kills the process each time it is handled comes back more often than
    the bound; it is then given up before being handled again (no crash loop)."""
    s = spec(tenant, max_deliver=2, ack_wait_s=0.5)
    await publish(js, submitted(tenant))
    kills: list[int] = []

    async def kills_the_process(conn: asyncpg.Connection, event: CloudEvent) -> None:
        kills.append(1)
        raise asyncio.CancelledError  # stands for the process dying mid-handler

    for _ in range(2):
        with pytest.raises(asyncio.CancelledError):
            await run_until(EventConsumer(pool, js, s, kills_the_process), lambda: False)
    consumer = EventConsumer(pool, js, s, kills_the_process)
    await run_until(consumer, lambda: consumer.counts.failed == 1)
    [dead] = await dead_letters(js, s.durable)
    assert dead.headers["Mgov-Error-Code"] == "too_many_deliveries" and len(kills) == 2
    info = await js.consumer_info(s.stream, s.durable)
    assert info.config.max_deliver == s.max_deliver + 2  # the server's own bound, a backstop


async def test_ensure_applies_every_changed_setting_of_a_durable_consumer(pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    first = spec(tenant, ack_wait_s=30.0, max_deliver=5)
    await EventConsumer(pool, js, first, apply_event).ensure()
    changed = ConsumerSpec(first.durable, [f"mgov.evt.{tenant}.workflow.>", f"mgov.evt.{tenant}.catalog.>"], ack_wait_s=12.0,
                           max_deliver=3, max_ack_pending=50, extra={"description": "applies workflow and catalog events"})
    await EventConsumer(pool, js, changed, apply_event).ensure()
    info = await js.consumer_info(changed.stream, changed.durable)
    assert info.config.ack_wait == 12.0 and info.config.max_deliver == 3 + 2 and info.config.max_ack_pending == 50
    assert sorted(info.config.filter_subjects or []) == sorted(changed.filter_subjects)
    assert info.config.description == "applies workflow and catalog events"
    before = info.created
    await EventConsumer(pool, js, changed, apply_event).ensure()  # nothing changed: left as it is
    assert (await js.consumer_info(changed.stream, changed.durable)).created == before


async def test_an_event_waits_out_a_database_that_is_away_without_spending_its_deliveries(pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    """More failed attempts than max_deliver, all because the database was unreachable:
    the event is held (in progress) and applied once it answers, never dead-lettered."""
    await counting_handler_table(pool)
    s = spec(tenant, max_deliver=2)
    attempts: list[int] = []

    async def database_away_then_back(conn: asyncpg.Connection, event: CloudEvent) -> None:
        attempts.append(1)
        if len(attempts) <= 4:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        await apply_event(conn, event)

    await publish(js, submitted(tenant, 7))
    consumer = EventConsumer(pool, js, s, database_away_then_back)
    await run_until(consumer, lambda: consumer.applied == 1, timeout=30)
    assert len(attempts) == 5 and await pool.fetchval("SELECT n FROM applied") == 7
    assert await dead_letters(js, s.durable) == []


async def test_lone_events_share_open_pull_requests_and_a_backlog_comes_in_one_batch(
        pool: asyncpg.Pool, nc: NATS, js: JetStreamContext, tenant: str) -> None:
    """Events that come one at a time (each after the previous one was applied) do not
    cost a pull request each: the server sees one per half batch. A backlog the
    consumer finds when it starts is handed to it as one batch."""
    await counting_handler_table(pool)
    s = spec(tenant, batch=8)
    requests: list[bytes] = []

    async def seen(msg: Msg) -> None:
        requests.append(msg.data)

    watch = await nc.subscribe(f"$JS.API.CONSUMER.MSG.NEXT.{s.stream}.{s.durable}", cb=seen)
    batches: list[int] = []

    class Noting(EventConsumer):
        async def handle_batch(self, msgs: list[Msg]) -> None:
            batches.append(len(msgs))
            await super().handle_batch(msgs)

    backlog = [submitted(tenant, n) for n in range(6)]
    for e in backlog:
        await publish(js, e)
    consumer = Noting(pool, js, s, apply_event)
    task = asyncio.create_task(consumer.run())
    try:
        await consumer.wait_until(lambda c: c.handled == 6)
        assert batches == [6]
        for n in range(6, 36):
            await publish(js, submitted(tenant, n))
            await consumer.wait_until(lambda c, k=n + 1: c.handled == k)
        await nc.flush()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await watch.unsubscribe()
    assert await pool.fetchval("SELECT count(*) FROM applied") == 36
    # 36 messages asked for 8 at a time, again whenever half of that is left: 36 / 4 + 1
    # requests at most, where a request per fetch made it 32 or more.
    assert 1 <= len(requests) <= 10, requests
    first = json.loads(requests[0])
    assert first["batch"] == 8
    # A request ends before the durable's ack_wait: it can never bring back a message it delivered.
    assert first["expires"] < s.ack_wait_s * 1e9 and 2 * first["idle_heartbeat"] < first["expires"]


async def test_committed_follows_the_commit_of_each_applied_event_and_never_a_repeat(
        pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    """The after-commit hook of the one-by-one path (a chunked consumer calls the same hook
    after a chunk's commit): it sees the event's effect committed, and a second message
    with the same event id, skipped, does not call it."""
    await counting_handler_table(pool)
    seen: list[tuple[uuid.UUID, int]] = []

    class Noting(EventConsumer):
        async def committed(self, event: CloudEvent) -> None:
            assert self.pool is not None  # another connection: only what was committed is visible
            seen.append((event.id, await self.pool.fetchval("SELECT count(*) FROM applied WHERE event_id = $1", event.id)))

    event = submitted(tenant, 1)
    await publish(js, event)
    await js.publish(event.platform_subject(), event.to_json().encode(), headers={"Nats-Msg-Id": f"again-{event.id}"})
    consumer = Noting(pool, js, spec(tenant), apply_event)
    await consume_until(consumer, lambda c: c.handled == 1 and c.skipped == 1)
    assert seen == [(event.id, 1)]
