"""The event consumer of the notify service: the platform's consumer (exactly once per
event id, ack after commit, retries, dead letters) around the dispatcher, tuned for
volume:

- Each message is parsed once, when the batch is laned.
- Lanes: a fetched batch is split by case (the CloudEvent `subject`) into lanes; a lane
  handles its events in stream order, lanes run in parallel. A batch gets only as many
  lanes as it has chunks' worth of events (`lane_count`), up to `concurrency`: a
  backlog spreads over every lane, while the few events a fetch finds when they trickle
  in (a paced stream) share one transaction and one commit instead of one each. Split
  into lanes of one, a handful of events cost a transaction, a commit and a pooled
  connection apiece, and the batch waited for the slowest of them.
- Chunks: a lane handles up to `chunk` first-delivery events in one transaction: their
  ids recorded in `processed_events` by one statement, the preferences of all their
  recipients read by one, and their inbox rows and deliveries written by one each
  (`Dispatcher.handle_many`); then it acks them after the commit. One commit and a few
  statements per chunk instead of four statements and a commit per event. If anything in a chunk fails, the chunk is rolled back and its events
  are handled one by one by the platform's path (retries with backoff, then the
  dead-letter stream), as are redeliveries and malformed envelopes.
- After the commit (never for a repeat or a rolled-back attempt): the live messages
  and waking the delivery worker.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import uuid
import zlib
from collections.abc import Sequence

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry import trace

from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.events.envelope import CloudEvent, EnvelopeError
from mgov_common.telemetry import context_from_traceparent, tracer
from services.notify.adapters.live import LivePublisher
from services.notify.service_layer.dispatch import Dispatcher, Result

log = logging.getLogger(__name__)
_tracer = tracer(__name__)

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
# The result of the event being handled one by one in this task, for the after-commit hook.
_handled: contextvars.ContextVar[list[Result] | None] = contextvars.ContextVar("notify_handled", default=None)


def lane_count(events: int, chunk: int, concurrency: int) -> int:
    """How many lanes a batch of `events` is split into: one per `chunk` of them, at least
    one and at most `concurrency`."""
    return max(1, min(concurrency, -(-events // max(1, chunk))))


class NotifyConsumer(EventConsumer):
    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, dispatcher: Dispatcher, live: LivePublisher | None,
                 wake: asyncio.Event | None = None, spec: ConsumerSpec = EVENTS, *, concurrency: int = 8, chunk: int = 32) -> None:
        super().__init__(pool, js, spec, self._dispatch)
        self.dispatcher = dispatcher
        self.live = live
        self.wake = wake
        self.concurrency = concurrency
        self.chunk = chunk
        self.before_ack = self._after_commit
        self.chunks_committed = 0
        # The batch's envelopes by message, parsed once when it was split into lanes.
        self._parsed: dict[int, CloudEvent] = {}

    # -- one by one (the platform's path) -------------------------------------------
    async def _dispatch(self, conn: asyncpg.Connection, event: CloudEvent) -> None:
        result = await self.dispatcher.handle(conn, event)
        holder = _handled.get()
        if holder is not None:
            holder.append(result)

    async def _after_commit(self, msg: Msg) -> None:
        for result in _handled.get() or ():
            await self._publish(result)

    async def _publish(self, result: Result) -> None:
        if self.live is not None and result.notifications:
            await self.live.publish(result.notifications)
        if self.wake is not None and result.deliveries:
            self.wake.set()

    async def handle(self, msg: Msg) -> None:
        token = _handled.set([])
        try:
            await super().handle(msg)
        finally:
            _handled.reset(token)

    # -- in chunks ------------------------------------------------------------------------
    def parse(self, msg: Msg) -> CloudEvent:
        """The envelope parsed when the batch was laned (each message is parsed once)."""
        event = self._parsed.pop(id(msg), None)
        return event if event is not None else super().parse(msg)

    async def _handle_chunk(self, msgs: Sequence[Msg]) -> bool:
        """Handle first deliveries in one transaction: their ids recorded by one statement,
        their effects written by the dispatcher in a few (`Dispatcher.handle_many`).
        False (nothing committed) when the chunk must go one by one instead."""
        events = []
        for msg in msgs:
            event = self._parsed.get(id(msg))
            if msg.metadata.num_delivered > 1 or event is None:
                return False
            events.append(event)
        spans = [_tracer.start_span(
            f"consume {msg.subject}", context=context_from_traceparent(event.traceparent), kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "nats", "messaging.consumer.group.name": self.spec.durable,
                        "messaging.message.id": str(event.id), "messaging.batch.message_count": len(msgs)})
            for msg, event in zip(msgs, events, strict=True)]
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                fresh = {r["event_id"] for r in await conn.fetch(
                    "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING"
                    " RETURNING event_id", self.spec.durable, [e.id for e in events])}
                todo: dict[uuid.UUID, CloudEvent] = {}
                for event in events:  # a repeated id within the chunk is handled once
                    if event.id in fresh:
                        todo.setdefault(event.id, event)
                done = dict(zip(todo, await self.dispatcher.handle_many(conn, list(todo.values())), strict=True))
        except Exception as exc:  # noqa: BLE001 - rolled back; each event gets the platform's retry path
            for span in spans:
                span.end()
            log.info("chunk rolled back; handling its events one by one", extra={"consumer": self.spec.durable, "error": repr(exc)})
            return False
        for span in spans:
            span.end()
        self.chunks_committed += 1
        for msg, event in zip(msgs, events, strict=True):
            self._parsed.pop(id(msg), None)
            result = done.pop(event.id, None)
            if result is not None:
                await self._publish(result)
            await msg.ack()
            self.count("handled" if result is not None else "skipped")
        return True

    async def handle_batch(self, msgs: list[Msg]) -> None:
        """Parse each message once, split the batch by case into `lane_count` lanes, run
        them in parallel."""
        count = lane_count(len(msgs), self.chunk, self.concurrency)
        lanes: list[list[Msg]] = [[] for _ in range(count)]
        self._parsed.clear()
        for msg in msgs:
            try:
                event = CloudEvent.parse(msg.data)
            except EnvelopeError:
                key = msg.subject  # handled one by one: dead-lettered with the parse error
            else:
                self._parsed[id(msg)] = event
                key = event.subject or msg.subject
            lanes[zlib.crc32(key.encode()) % count].append(msg)
        try:
            await asyncio.gather(*(self._handle_lane(lane) for lane in lanes if lane))
        finally:
            self._parsed.clear()

    async def _handle_lane(self, msgs: list[Msg]) -> None:
        for start in range(0, len(msgs), self.chunk):
            part = msgs[start:start + self.chunk]
            try:
                if len(part) > 1 and await self._handle_chunk(part):
                    continue
            except (nats.errors.Error, OSError) as exc:
                # Acking failed (connection lost): redelivered after ack_wait, and harmless.
                log.warning("could not settle message; it will be redelivered", extra={"consumer": self.spec.durable, "error": repr(exc)})
                continue
            for msg in part:
                await self.handle_settling(msg)
