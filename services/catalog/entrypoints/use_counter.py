"""The use counter's consumer: one statement per fetched batch.

Every submitted application adds one to its item's `use_count`. One transaction per
event (BEGIN, record the id, update, COMMIT) made the counter one of the costliest
parts of a submission's fan-out; here a fetched batch of first deliveries, of one
message or many, is counted by one statement, which is its own transaction: it records
the event ids in `processed_events` (ids already there, and an id repeated within the
batch, count nothing) and adds the aggregated counts of the fresh ones to the items.
Then the acks. Anything else (a redelivery, an envelope that does not parse, an event
without a service id, a failed batch transaction) takes the platform's one-by-one
path with its retries and dead letters, so each event still counts exactly once.
"""

from __future__ import annotations

import logging
import uuid

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry import trace

from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.events.envelope import CloudEvent, EnvelopeError
from mgov_common.telemetry import context_from_traceparent, tracer
from services.catalog.service_layer.projections import BadEvent, count_application, item_of

log = logging.getLogger(__name__)
_tracer = tracer(__name__)
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


class UseCounter(EventConsumer):
    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec = APPLICATION_EVENTS) -> None:
        super().__init__(pool, js, spec, count_application)
        self.batches_committed = 0

    async def handle_batch(self, msgs: list[Msg]) -> None:
        if await self._count_together(msgs):
            return
        await super().handle_batch(msgs)

    async def _count_together(self, msgs: list[Msg]) -> bool:
        """Count first deliveries in one statement; False (nothing written) when the
        batch must go one by one."""
        items: dict[uuid.UUID, uuid.UUID] = {}  # event id -> item, first occurrence only
        ids: list[uuid.UUID] = []  # each message's event id
        parent = None
        for msg in msgs:
            if msg.metadata.num_delivered > 1:
                return False
            try:
                event = CloudEvent.parse(msg.data)
                items.setdefault(event.id, item_of(event))
                ids.append(event.id)
                parent = parent or event.traceparent
            except (EnvelopeError, BadEvent):
                return False
        assert self.pool is not None
        try:
            # A lone event's span joins its trace; a batch's span stands alone.
            context = context_from_traceparent(parent) if len(msgs) == 1 and parent else None
            with _tracer.start_as_current_span("consume batch", context=context, kind=trace.SpanKind.CONSUMER, attributes={
                    "messaging.system": "nats", "messaging.consumer.group.name": self.spec.durable,
                    "messaging.batch.message_count": len(msgs)}):
                row = await self.pool.fetchrow(_COUNT, self.spec.durable, list(items), list(items.values()))
                assert row is not None
                fresh = set(row["fresh"] or ())
                if row["unknown"]:
                    log.warning("applications for unknown items", extra={"items": row["unknown"], "consumer": self.spec.durable})
        except Exception as exc:  # noqa: BLE001 - rolled back; one by one, each event gets the platform's retries
            log.info("batch rolled back; counting its events one by one", extra={"consumer": self.spec.durable, "error": repr(exc)})
            return False
        self.batches_committed += 1
        for msg, event_id in zip(msgs, ids, strict=True):
            if self.before_ack is not None:
                await self.before_ack(msg)  # fault injection (tests): after the commit, before the ack
            try:
                await msg.ack()
            except (nats.errors.Error, OSError) as exc:
                log.warning("could not settle message; it will be redelivered", extra={"consumer": self.spec.durable, "error": repr(exc)})
                continue
            self.count("handled" if event_id in fresh else "skipped")
            fresh.discard(event_id)  # a second message with the same event id counted nothing
        return True
