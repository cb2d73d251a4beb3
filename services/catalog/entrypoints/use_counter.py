"""The use counter's consumer: one statement per chunk.

Every submitted application adds one to its item's `use_count`. One transaction per
event (BEGIN, record the id, update, COMMIT) made the counter one of the costliest
parts of a submission's fan-out; here it is a `ChunkedConsumer` whose chunk of first
deliveries, of one message or many, is counted by one statement, which is its own
transaction: it records the event ids in `processed_events` (ids already there, and an
id repeated within the chunk, count nothing) and adds the aggregated counts of the
fresh ones to the items. Then the acks. Anything else (a redelivery, an envelope that
does not parse, an event without a service id, a failed chunk) takes the platform's
one-by-one path with its retries and dead letters, so each event still counts exactly
once.
"""

from __future__ import annotations

import logging
import uuid

import asyncpg
from nats.js import JetStreamContext

from mgov_common.events.chunked import ChunkedConsumer
from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from services.catalog.service_layer.projections import BadEvent, count_application, item_of

log = logging.getLogger(__name__)
# $2/$3: the batch's distinct event ids and their items.
_COUNT = """
WITH fresh AS (
    INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id
), uses AS (
    SELECT e.item, count(*) AS n FROM unnest($2::uuid[], $3::uuid[]) AS e(id, item) JOIN fresh ON fresh.event_id = e.id GROUP BY e.item
), counted AS (
    UPDATE items SET use_count = use_count + uses.n FROM uses WHERE items.id = uses.item RETURNING items.id
)
SELECT (SELECT array_agg(event_id) FROM fresh) AS fresh, (SELECT count(*) FROM uses) - (SELECT count(*) FROM counted) AS unknown
"""
APPLICATION_EVENTS = ConsumerSpec("catalog-item-use", ["mgov.evt.*.workflow.application.submitted"], batch=256)


class UseCounter(ChunkedConsumer):
    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec = APPLICATION_EVENTS) -> None:
        super().__init__(pool, js, spec, count_application)

    def admits(self, event: CloudEvent) -> bool:
        """An event without a service id goes one by one: `count_application` refuses it
        (retried, then dead-lettered) without holding back its chunk."""
        try:
            item_of(event)
        except BadEvent:
            return False
        return True

    async def commit_chunk(self, events: list[CloudEvent]) -> set[uuid.UUID]:
        """The ids recorded and the counts added by one statement, its own transaction."""
        items: dict[uuid.UUID, uuid.UUID] = {}  # event id -> item, first occurrence only
        for event in events:
            items.setdefault(event.id, item_of(event))
        assert self.pool is not None
        row = await self.pool.fetchrow(_COUNT, self.spec.durable, list(items), list(items.values()))
        assert row is not None
        if row["unknown"]:
            log.warning("applications for unknown items", extra={"items": row["unknown"], "consumer": self.spec.durable})
        return set(row["fresh"] or ())
