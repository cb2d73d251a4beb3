"""The event consumer of the notify service: the platform's consumer (exactly once per
event id, ack after commit, retries, dead letters) around the dispatcher, tuned for
volume:

- It is a `ChunkedConsumer`: each message parsed once; first deliveries in chunks of
  up to `chunk` per transaction (their ids recorded by one statement, the preferences
  of all their recipients read by one, their inbox rows and deliveries written by one
  each: `Dispatcher.handle_many`); redeliveries, malformed envelopes and the events of a
  chunk that failed go one by one through the platform's path (retries with backoff,
  then the dead-letter stream).
- A chunk that writes nothing but notifications and deliveries (a run of submissions,
  the usual case) takes two round trips instead of six: the audience read, then its
  ids, inbox rows and deliveries in one statement, its own transaction
  (`Dispatcher.record_and_handle`, `adapters.chunk`).
- Lanes: a fetched batch is split by case (the CloudEvent `subject`) into lanes that
  run in parallel, each in stream order, only as many as the batch has chunks' worth
  of events (`lane_count`), up to `concurrency`: a backlog spreads over every lane,
  while the few events a fetch finds when they trickle in share one transaction.
- After the commit (never for a repeat or a rolled-back attempt): the live messages
  and waking the delivery worker.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from mgov_common.events.chunked import ChunkedConsumer, first_fresh
from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from services.notify.adapters.live import LivePublisher
from services.notify.service_layer.dispatch import Dispatcher, Result

EVENTS = ConsumerSpec(
    "notify-events",
    [
        "mgov.evt.*.workflow.application.>",
        "mgov.evt.*.workflow.report.>",
        "mgov.evt.*.workflow.sla.>",
        "mgov.evt.*.workflow.rating.received",
        "mgov.evt.*.workflow.rectification.opened",
        "mgov.evt.*.catalog.notice.published",
        "mgov.evt.*.identity.user.sign_in_throttled",
        "mgov.evt.*.insight.report.published",
        "mgov.evt.*.appointment.appointment.reminded",
        "mgov.evt.*.appointment.appointment.cancelled",
        "mgov.evt.*.payment.reconciliation.mismatch_found",
    ],
    # Identity (staff lists) may be away for minutes: retry for ~9 minutes before the
    # dead-letter stream, rather than the default ~40 s.
    max_deliver=8,
    backoff_s=(0.5, 2.0, 10.0, 30.0, 60.0, 120.0, 300.0),
    batch=256,
)


class NotifyConsumer(ChunkedConsumer):
    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, dispatcher: Dispatcher, live: LivePublisher | None,
                 wake: asyncio.Event | None = None, spec: ConsumerSpec = EVENTS, *, concurrency: int = 8, chunk: int = 32) -> None:
        super().__init__(pool, js, spec, self._dispatch, chunk=chunk, concurrency=concurrency)
        self.dispatcher = dispatcher
        self.live = live
        self.wake = wake
        # What the batch's applied events did, by event id, until `committed` publishes it.
        # `committed` runs only for an event whose transaction committed it as fresh, so
        # what a rolled-back attempt left here is never published (a later attempt that
        # applies the event replaces it) and goes with the batch.
        self._results: dict[uuid.UUID, Result] = {}
        self.single_statement_chunks = 0  # chunks written by one statement (the rest: a transaction)

    # -- one by one (the platform's path) -------------------------------------------
    async def _dispatch(self, conn: asyncpg.Connection, event: CloudEvent) -> None:
        self._results[event.id] = await self.dispatcher.handle(conn, event)

    # -- in chunks ------------------------------------------------------------------------
    async def commit_chunk(self, events: list[CloudEvent]) -> set[uuid.UUID]:
        """A chunk that writes only notifications and deliveries (every submission's) is
        one statement with its ids (`Dispatcher.record_and_handle`); any other takes the
        transaction (`apply_chunk`)."""
        assert self.pool is not None
        distinct = first_fresh(events, {e.id for e in events})  # each id once, at its first message
        done = await self.dispatcher.record_and_handle(self.pool, self.spec.durable, distinct)
        if done is None:
            return await super().commit_chunk(events)
        fresh, results = done
        self.single_statement_chunks += 1
        self._results.update((e.id, r) for e, r in zip(distinct, results, strict=True) if e.id in fresh)
        return fresh

    async def apply_chunk(self, conn: asyncpg.Connection, events: Sequence[CloudEvent]) -> None:
        """The chunk's fresh events written by the dispatcher in a few statements; what
        they did is kept for `committed`."""
        results = await self.dispatcher.handle_many(conn, list(events))
        self._results.update(zip((e.id for e in events), results, strict=True))

    # -- after the commit (either path) ---------------------------------------------------
    async def committed(self, event: CloudEvent) -> None:
        result = self._results.pop(event.id, None)
        if result is None:
            return
        if self.live is not None and result.notifications:
            await self.live.publish(result.notifications)
        if self.wake is not None and result.deliveries:
            self.wake.set()

    async def handle_batch(self, msgs: list[Msg]) -> None:
        self._results.clear()  # nothing a cancelled batch left behind
        try:
            await super().handle_batch(msgs)
        finally:
            self._results.clear()
