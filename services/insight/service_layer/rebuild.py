"""`mgov insight rebuild`: the aggregates made again from the streams.

In one transaction: lock the projected tables and `processed_events` (the live
consumers wait, they do not interleave), empty the tables and forget the consumers'
event ids, then read each stream from its first message up to the last one it held when
the locks were taken, applying every event as the live consumer would (the same
`project.apply`, the same event-id dedup, in stream order). Events that arrive meanwhile
are applied by the live consumers once the transaction commits: nothing is counted
twice or lost. A stream keeps events for its `max_age` (30 days by default), so a rebuild
sees that far back; what lies further back is read from catalog's and identity's
listings (service_layer/backfill.py: items, notices, systems) before the locks are taken,
and merged in the same transaction after the replay, so the projection is never without
them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import nats.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from mgov_common.events.envelope import CloudEvent, EnvelopeError
from mgov_common.events.consumer import ConsumerSpec
from services.insight.adapters.aggregates import PROJECTED_TABLES
from services.insight.entrypoints.consumers import EVENTS, INGEST
from services.insight.service_layer import backfill, project

log = logging.getLogger(__name__)
Apply = Callable[[asyncpg.Connection, CloudEvent], Awaitable[None]]


@dataclass
class RebuildResult:
    read: int = 0
    applied: int = 0
    repeated: int = 0
    refused: int = 0
    listed_items: int = 0
    listed_notices: int = 0
    listed_systems: int = 0
    listed_uses: int = 0


async def read_stream(js: JetStreamContext, stream: str, subjects: list[str], last_seq: int, batch: int = 256) -> AsyncIterator[bytes]:
    """The data of every message of `stream` on `subjects` up to `last_seq`, in order."""
    name = f"insight-rebuild-{uuid.uuid4().hex[:12]}"
    await js.add_consumer(stream, ConsumerConfig(name=name, filter_subjects=subjects, deliver_policy=DeliverPolicy.ALL,
                                                 ack_policy=AckPolicy.NONE, inactive_threshold=120.0, mem_storage=True))
    try:
        if (await js.consumer_info(stream, name)).num_pending == 0:
            return
        sub = await js.pull_subscribe_bind(durable=name, stream=stream)
        try:
            while True:
                try:
                    msgs = await sub.fetch(batch, timeout=2.0)
                except (nats.errors.TimeoutError, TimeoutError):
                    return
                for msg in msgs:
                    if msg.metadata.sequence.stream > last_seq:
                        return
                    yield msg.data
                    if msg.metadata.num_pending == 0 or msg.metadata.sequence.stream == last_seq:
                        return
        finally:
            await sub.unsubscribe()
    finally:
        try:
            await js.delete_consumer(stream, name)
        except Exception:  # noqa: BLE001 - an ephemeral consumer goes away by itself when idle
            pass


async def rebuild(pool: asyncpg.Pool, js: JetStreamContext, events: ConsumerSpec = EVENTS, ingest: ConsumerSpec = INGEST,
                  listed: backfill.Listed | None = None) -> RebuildResult:
    """Replay what the live consumers `events` and `ingest` read, in their place, then
    merge `listed` (the owners' listings, read beforehand: `backfill.read`)."""
    result = RebuildResult()
    sources: list[tuple[str, list[str], str, Apply]] = [
        (events.stream, events.filter_subjects, events.durable, project.apply),
        (ingest.stream, ingest.filter_subjects, ingest.durable, project.apply_ingest),
    ]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f"LOCK TABLE processed_events, {', '.join(PROJECTED_TABLES)} IN ACCESS EXCLUSIVE MODE")
        await conn.execute(f"TRUNCATE {', '.join(PROJECTED_TABLES)}")
        await conn.execute("DELETE FROM processed_events WHERE consumer = ANY($1::text[])", [s[2] for s in sources])
        for stream, subjects, durable, handler in sources:
            last = (await js.stream_info(stream)).state.last_seq
            async for data in read_stream(js, stream, subjects, last):
                result.read += 1
                try:
                    event = CloudEvent.parse(data)
                except EnvelopeError:
                    result.refused += 1
                    continue
                fresh = await conn.fetchval("INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) "
                                            "ON CONFLICT DO NOTHING RETURNING true", durable, event.id)
                if not fresh:
                    result.repeated += 1
                    continue
                try:
                    async with conn.transaction():  # a savepoint: a refused event changes nothing, as live
                        await handler(conn, event)
                except Exception as exc:  # noqa: BLE001 - the live consumer dead-lettered it; so do we skip it
                    log.warning("event refused during rebuild", extra={"event_id": str(event.id), "error": repr(exc)})
                    await conn.execute("DELETE FROM processed_events WHERE consumer = $1 AND event_id = $2", durable, event.id)
                    result.refused += 1
                    continue
                result.applied += 1
        if listed is not None:
            await backfill.apply(conn, listed)
            result.listed_items, result.listed_notices, result.listed_systems = len(listed.items), len(listed.notices), len(listed.systems)
            result.listed_uses = len(listed.uses)
    return result
