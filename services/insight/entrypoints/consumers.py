"""What insight reads from the bus: the platform's events (MGOV_EVENTS) and the tenant
systems' accepted events (MGOV_INGEST, only as signs of life).

Both consumers apply a fetched batch a chunk at a time (`ChunkedConsumer`): one
transaction records the chunk's event ids and applies the fresh ones, so a submission
costs insight a share of a commit rather than a transaction of its own; redeliveries
and anything a chunk cannot take go one by one, with the platform's retries and
dead letters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg
from nats.js import JetStreamContext

from mgov_common.events.chunked import ChunkedConsumer
from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from mgov_common.events.streams import INGEST_STREAM
from services.insight.service_layer.project import (EVENT_SUBJECTS, INGEST_SUBJECTS, apply, apply_chunk, apply_ingest, is_submission,
                                                   record_submissions)

BATCH = 256


def events_spec(durable: str = "insight-events", tenants: Sequence[str] = ("*",)) -> ConsumerSpec:
    """The platform events of `tenants` (all by default)."""
    return ConsumerSpec(durable, [s.replace("mgov.evt.*.", f"mgov.evt.{t}.", 1) for t in tenants for s in EVENT_SUBJECTS], batch=BATCH)


def ingest_spec(durable: str = "insight-ingest", tenants: Sequence[str] = ("*",)) -> ConsumerSpec:
    """The accepted events of `tenants`' systems (all by default)."""
    subjects = list(INGEST_SUBJECTS) if tuple(tenants) == ("*",) else [f"mgov.accepted.{t}.>" for t in tenants]
    return ConsumerSpec(durable, subjects, stream=INGEST_STREAM, batch=BATCH)


EVENTS = events_spec()
INGEST = ingest_spec()


class EventsConsumer(ChunkedConsumer):
    """The aggregates' consumer. A run of submissions in a chunk is one statement; a
    chunk of nothing else (every fetch when the platform is busy with applications) is
    that one statement alone, recording the ids too: no `BEGIN`, no `COMMIT` round trip."""

    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec = EVENTS) -> None:
        super().__init__(pool, js, spec, apply, apply_chunk=apply_chunk)

    async def commit_chunk(self, events: list[CloudEvent]) -> set[uuid.UUID]:
        if not all(is_submission(e) for e in events):
            return await super().commit_chunk(events)
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            return await record_submissions(conn, self.spec.durable, events)


def events_consumer(pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec = EVENTS) -> EventsConsumer:
    return EventsConsumer(pool, js, spec)


def ingest_consumer(pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec = INGEST) -> ChunkedConsumer:
    """The systems' signs of life, a chunk per transaction."""
    return ChunkedConsumer(pool, js, spec, apply_ingest)
