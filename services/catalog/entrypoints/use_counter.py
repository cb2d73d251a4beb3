"""The use counter's consumer: one transaction per fetched batch.

Every submitted application adds one to its item's `use_count`. One transaction per
event made the counter one of the costliest parts of a submission's fan-out; here a
fetched batch of first deliveries is counted together: its event ids recorded in
`processed_events` by one statement (the ids already there, and a repeated id within
the batch, count nothing), then one aggregated UPDATE of the items, one commit, and
the acks. Anything else (a redelivery, an envelope that does not parse, an event
without a service id, a failed batch transaction) takes the platform's one-by-one
path with its retries and dead letters, so each event still counts exactly once.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.events.envelope import CloudEvent, EnvelopeError
from mgov_common.telemetry import tracer
from services.catalog.service_layer.projections import BadEvent, count_application, item_of

log = logging.getLogger(__name__)
_tracer = tracer(__name__)
APPLICATION_EVENTS = ConsumerSpec("catalog-item-use", ["mgov.evt.*.workflow.application.submitted"], batch=256)


class UseCounter(EventConsumer):
    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec = APPLICATION_EVENTS) -> None:
        super().__init__(pool, js, spec, count_application)
        self.batches_committed = 0

    async def handle_batch(self, msgs: list[Msg]) -> None:
        if len(msgs) > 1 and await self._count_together(msgs):
            return
        await super().handle_batch(msgs)

    async def _count_together(self, msgs: list[Msg]) -> bool:
        """Count first deliveries in one transaction; False (nothing written) when the
        batch must go one by one."""
        items: dict[uuid.UUID, uuid.UUID] = {}  # event id -> item, first occurrence only
        ids: list[uuid.UUID] = []  # each message's event id
        for msg in msgs:
            if msg.metadata.num_delivered > 1:
                return False
            try:
                event = CloudEvent.parse(msg.data)
                items.setdefault(event.id, item_of(event))
                ids.append(event.id)
            except (EnvelopeError, BadEvent):
                return False
        assert self.pool is not None
        try:
            with _tracer.start_as_current_span("consume batch", attributes={
                    "messaging.system": "nats", "messaging.consumer.group.name": self.spec.durable,
                    "messaging.batch.message_count": len(msgs)}):
                async with self.pool.acquire() as conn, conn.transaction():
                    fresh = {r["event_id"] for r in await conn.fetch(
                        "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[])"
                        " ON CONFLICT DO NOTHING RETURNING event_id", self.spec.durable, list(items))}
                    uses = Counter(item for event_id, item in items.items() if event_id in fresh)
                    if uses:
                        found = {r["id"] for r in await conn.fetch(
                            "UPDATE items SET use_count = use_count + u.n FROM unnest($1::uuid[], $2::int[]) AS u(id, n)"
                            " WHERE items.id = u.id RETURNING items.id", list(uses), list(uses.values()))}
                        if unknown := len(set(uses) - found):
                            log.warning("applications for unknown items", extra={"items": unknown, "consumer": self.spec.durable})
        except Exception as exc:  # noqa: BLE001 - rolled back; each event gets the platform's retry path
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
