"""The consumers' streaming pull against a NATS server of its own that restarts: open
pull requests die with the server, and the consumer notices by their silence (no idle
heartbeat) and asks again, so events published after the restart are applied. Its
refusals, and its linger: a batch that waits for more after its first message."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from launcher.embedded import EmbeddedNats
from mgov_common.bus import connect_nats
from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.events.pull import StreamingPull
from mgov_common.events.streams import ensure_streams
from mgov_common.ports import free_port
from tests.integration.test_consumer import apply_event, consume_until, counting_handler_table, publish, spec, submitted


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "nats", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_a_consumer_asks_again_after_the_server_restarted_and_applies_what_comes_next(
        pool: asyncpg.Pool, own_nats: EmbeddedNats, tenant: str) -> None:
    await counting_handler_table(pool)
    nc = await connect_nats(own_nats.url, "restart-test")
    try:
        js: JetStreamContext = nc.jetstream()
        await ensure_streams(js)
        consumer = EventConsumer(pool, js, spec(tenant), apply_event)
        task = asyncio.create_task(consumer.run())
        try:
            await publish(js, submitted(tenant, 1))
            await consumer.wait_until(lambda c: c.handled == 1)
            own_nats.stop()  # the open pull request goes with it
            own_nats.start()
            await publish_when_back(js, tenant)
            await consumer.wait_until(lambda c: c.handled == 2, timeout=30)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    finally:
        await nc.close()
    assert sorted(r["n"] for r in await pool.fetch("SELECT n FROM applied")) == [1, 2]


async def publish_when_back(js: JetStreamContext, tenant: str) -> None:
    """Publish once the client has reconnected (a publish meanwhile may time out)."""
    async with asyncio.timeout(30):
        while True:
            try:
                await publish(js, submitted(tenant, 2))
                return
            except Exception:  # noqa: BLE001 - not reconnected yet
                await asyncio.sleep(0.2)


async def test_a_refused_pull_request_is_an_error_for_the_loop_to_back_off_from(own_nats: EmbeddedNats, tenant: str) -> None:
    """A pull request the server refuses (here: a durable that does not exist) is raised,
    not asked again in a tight loop."""
    nc = await connect_nats(own_nats.url, "refused-test")
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        pull = StreamingPull(nc, js._prefix, "MGOV_EVENTS", "no-such-durable", 8)
        await pull.start()
        try:
            with pytest.raises(Exception, match="refused"):
                async with asyncio.timeout(10):
                    await pull.next_batch()
        finally:
            await pull.stop()
    finally:
        await nc.close()


async def test_a_request_over_the_durables_limits_is_refused_not_asked_again_at_once(own_nats: EmbeddedNats, tenant: str) -> None:
    """A durable that takes at most 4 messages a request answers a request for 8 with a
    409 each time: asking again at once would loop; it is raised to the loop's backoff."""
    nc = await connect_nats(own_nats.url, "limits-test")
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        # nats-py's ConsumerConfig has no max_batch: the API request by hand.
        config = {"durable_name": f"small-{tenant}", "filter_subject": f"mgov.evt.{tenant}.>", "ack_policy": "explicit", "max_batch": 4}
        made = await nc.request(f"$JS.API.CONSUMER.CREATE.MGOV_EVENTS.small-{tenant}",
                                json.dumps({"stream_name": "MGOV_EVENTS", "config": config}).encode(), timeout=5)
        assert "error" not in json.loads(made.data), made.data
        pull = StreamingPull(nc, js._prefix, "MGOV_EVENTS", f"small-{tenant}", 8)
        await pull.start()
        try:
            with pytest.raises(Exception, match="409"):
                async with asyncio.timeout(10):
                    await pull.next_batch()
            assert pull.requests == 1
        finally:
            await pull.stop()
    finally:
        await nc.close()


class Noting(EventConsumer):
    """Notes the size of every batch and keeps its streaming pull."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.batches: list[int] = []
        self.opened = asyncio.Event()
        self.pull: StreamingPull | None = None

    def open_pull(self) -> StreamingPull:
        self.pull = super().open_pull()
        self.opened.set()
        return self.pull

    async def handle_batch(self, msgs: list[Msg]) -> None:
        self.batches.append(len(msgs))
        await super().handle_batch(msgs)


@asynccontextmanager
async def asking(pool: asyncpg.Pool, nc: NATS, js: JetStreamContext, s: ConsumerSpec) -> AsyncIterator[Noting]:
    """A consumer running whose first pull request has gone out (seen on the durable's
    request subject), so each event published from here reaches it as it is published;
    stopped on leaving."""
    asked = asyncio.Event()

    async def seen(_: Msg) -> None:
        asked.set()

    watch = await nc.subscribe(f"$JS.API.CONSUMER.MSG.NEXT.{s.stream}.{s.durable}", cb=seen)
    consumer = Noting(pool, js, s, apply_event)
    task = asyncio.create_task(consumer.run())
    try:
        async with asyncio.timeout(10):
            await asked.wait()
        yield consumer
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await watch.unsubscribe()


async def test_a_lingering_consumer_takes_events_published_one_after_another_as_one_batch(
        pool: asyncpg.Pool, nc: NATS, js: JetStreamContext, tenant: str) -> None:
    """With its pull request already open, each event reaches the consumer as it is
    published; lingering (here long enough never to end first) it waits until the batch
    is full and handles the five in one batch, where it would otherwise take the first alone."""
    await counting_handler_table(pool)
    async with asking(pool, nc, js, spec(tenant, batch=5, ack_wait_s=60.0, linger_s=30.0)) as consumer:
        for n in range(5):
            await publish(js, submitted(tenant, n))
        await consumer.wait_until(lambda c: c.handled == 5)
    assert consumer.batches == [5]
    assert sorted(r["n"] for r in await pool.fetch("SELECT n FROM applied")) == [0, 1, 2, 3, 4]


async def test_a_lone_event_is_handed_out_after_the_linger_without_waiting_for_a_full_batch(
        pool: asyncpg.Pool, nc: NATS, js: JetStreamContext, tenant: str) -> None:
    await counting_handler_table(pool)
    async with asking(pool, nc, js, spec(tenant, batch=64, ack_wait_s=60.0, linger_s=0.05)) as consumer:
        await publish(js, submitted(tenant, 1))
        await consumer.wait_until(lambda c: c.handled == 1)
        await publish(js, submitted(tenant, 2))
        await consumer.wait_until(lambda c: c.handled == 2)
    assert consumer.batches == [1, 1]


async def test_a_consumer_stopped_while_it_lingers_gives_back_what_it_held_and_nothing_is_applied_twice(
        pool: asyncpg.Pool, js: JetStreamContext, tenant: str) -> None:
    """Cancelled in the middle of a linger, the consumer applied none of the three events
    it held and NAKs them on its way out: another replica of the durable gets them at
    once (well before the 60 s `ack_wait`) and applies each exactly once."""
    await counting_handler_table(pool)
    s = spec(tenant, batch=64, ack_wait_s=60.0, linger_s=60.0)
    lingering = Noting(pool, js, s, apply_event)
    task = asyncio.create_task(lingering.run())
    try:
        async with asyncio.timeout(10):
            await lingering.opened.wait()
            for n in range(3):
                await publish(js, submitted(tenant, n))
            assert lingering.pull is not None
            await lingering.pull.wait_held(3)
        assert not task.done()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert lingering.counts.handled == 0 and lingering.batches == []
    redelivered: list[int] = []

    class Counting(EventConsumer):
        async def handle_batch(self, msgs: list[Msg]) -> None:
            redelivered.extend(m.metadata.num_delivered for m in msgs)
            await super().handle_batch(msgs)

    await consume_until(Counting(pool, js, replace(s, linger_s=0.0), apply_event), lambda c: c.handled == 3)
    assert redelivered == [2, 2, 2]  # each had been delivered to the lingering one
    assert sorted(r["n"] for r in await pool.fetch("SELECT n FROM applied")) == [0, 1, 2]
