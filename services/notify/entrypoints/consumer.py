"""The event consumer of the notify service: the platform's consumer (exactly once per
event id, ack after commit, retries, dead letters) around the dispatcher, tuned for
volume:

- Lanes: a fetched batch is split by case (the CloudEvent `subject`) into up to
  `concurrency` lanes; a lane handles its events in stream order, lanes run in parallel.
- Chunks: a lane handles up to `chunk` first-delivery events in one transaction, each
  event recording its id in `processed_events` with its own effects, then acks them
  after the commit. Every consumer of the platform commits once per event, and those
  WAL flushes were the shared limit of one PostgreSQL; a chunk makes notify's share one
  flush per chunk. If anything in a chunk fails, the chunk is rolled back and its events
  are handled one by one by the platform's path (retries with backoff, then the
  dead-letter stream), as are redeliveries and malformed envelopes.
- After the commit (never for a repeat or a rolled-back attempt): the live messages
  and waking the delivery worker.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import zlib
from collections.abc import Sequence

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry import trace

from mgov_common import safejson
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
        "mgov.evt.*.appointment.appointment.reminded",
        "mgov.evt.*.appointment.appointment.cancelled",
    ],
    # Identity (staff lists) may be away for minutes: retry for ~9 minutes before the
    # dead-letter stream, rather than the default ~40 s.
    max_deliver=8,
    backoff_s=(0.5, 2.0, 10.0, 30.0, 60.0, 120.0, 300.0),
    batch=256,
)
# The result of the event being handled one by one in this task, for the after-commit hook.
_handled: contextvars.ContextVar[list[Result] | None] = contextvars.ContextVar("notify_handled", default=None)


def ordering_key(msg: Msg) -> str:
    """Events with the same key are handled in stream order: the case (or notice) id."""
    obj = safejson.try_loads(msg.data)
    return str(obj.get("subject") or msg.subject) if isinstance(obj, dict) else msg.subject


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
    async def _handle_chunk(self, msgs: Sequence[Msg]) -> bool:
        """Handle first deliveries in one transaction; False (nothing committed) when the
        chunk must go one by one instead."""
        events = []
        for msg in msgs:
            if msg.metadata.num_delivered > 1:
                return False
            try:
                events.append(CloudEvent.parse(msg.data))
            except EnvelopeError:
                return False
        results: list[Result | None] = []
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                for msg, event in zip(msgs, events, strict=True):
                    with _tracer.start_as_current_span(
                        f"consume {msg.subject}", context=context_from_traceparent(event.traceparent), kind=trace.SpanKind.CONSUMER,
                        attributes={"messaging.system": "nats", "messaging.consumer.group.name": self.spec.durable,
                                    "messaging.message.id": str(event.id), "messaging.batch.message_count": len(msgs)},
                    ):
                        fresh = await conn.fetchval(
                            "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
                            self.spec.durable, event.id)
                        results.append(await self.dispatcher.handle(conn, event) if fresh else None)
        except Exception as exc:  # noqa: BLE001 - rolled back; each event gets the platform's retry path
            log.info("chunk rolled back; handling its events one by one", extra={"consumer": self.spec.durable, "error": repr(exc)})
            return False
        self.chunks_committed += 1
        for msg, result in zip(msgs, results, strict=True):
            if result is not None:
                await self._publish(result)
            await msg.ack()
            self.count("handled" if result is not None else "skipped")
        return True

    async def handle_batch(self, msgs: list[Msg]) -> None:
        """Split the batch by case into at most `concurrency` lanes, run in parallel."""
        lanes: list[list[Msg]] = [[] for _ in range(self.concurrency)]
        for msg in msgs:
            lanes[zlib.crc32(ordering_key(msg).encode()) % self.concurrency].append(msg)
        await asyncio.gather(*(self._handle_lane(lane) for lane in lanes if lane))

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
