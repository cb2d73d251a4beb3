"""The consumers' streaming pull against a NATS server of its own that restarts: open
pull requests die with the server, and the consumer notices by their silence (no idle
heartbeat) and asks again, so events published after the restart are applied."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from nats.js import JetStreamContext

from launcher.embedded import EmbeddedNats
from mgov_common.bus import connect_nats
from mgov_common.events.consumer import EventConsumer
from mgov_common.events.pull import StreamingPull
from mgov_common.events.streams import ensure_streams
from mgov_common.ports import free_port
from tests.integration.test_consumer import apply_event, counting_handler_table, publish, spec, submitted


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
