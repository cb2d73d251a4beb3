"""A durable consumer that applies what one fetch brings in one transaction per chunk.

The platform's `EventConsumer` pays a transaction per event: `BEGIN`, the event id,
the handler's statements, `COMMIT` (a WAL flush) and an ack. For a consumer every
submission reaches, that per-event price showed in every other consumer's latency on a
shared machine. Here a fetched batch is walked in stream order and each run of first
deliveries (up to `chunk` of them) is one transaction: their ids recorded in
`processed_events` by one statement (ids already there, and an id repeated within the
chunk, are applied nothing), the fresh events applied by `apply_chunk` on the same
connection (a subclass may write a whole run of them with one statement), one commit,
then the acks.

Exactly once and no poisoned chunk: anything else takes the platform's one-by-one path
(`handle_settling`), in its place in the stream order: a redelivery, an envelope that
does not parse, a message delivered too often. And if anything in a chunk fails, the
chunk is rolled back and its events go one by one, each with its own retries and, in
the end, the dead-letter stream, so a bad event costs its neighbours one retry, never
their delivery. A commit whose acks are lost brings the chunk back as redeliveries,
which the recorded ids skip.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry import trace

from mgov_common.events.consumer import ConsumerSpec, EventConsumer, Handler
from mgov_common.events.envelope import CloudEvent, EnvelopeError
from mgov_common.telemetry import context_from_traceparent, tracer

log = logging.getLogger(__name__)
_tracer = tracer(__name__)
_MAX_LINKS = 32
# Applies a chunk's fresh events, in stream order, on the chunk's connection.
ChunkHandler = Callable[[asyncpg.Connection, Sequence[CloudEvent]], Awaitable[None]]
RECORD_IDS = ("INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING "
              "RETURNING event_id")


class ChunkedConsumer(EventConsumer):
    """`EventConsumer` with a transaction per chunk of first deliveries (see the module)."""

    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec, handler: Handler | None = None,
                 *, apply_chunk: ChunkHandler | None = None, chunk: int | None = None) -> None:
        super().__init__(pool, js, spec, handler)
        self._apply_chunk = apply_chunk
        self.chunk = max(1, chunk or spec.batch)
        self.chunks_committed = 0
        # The batch's envelopes by message, parsed once (the one-by-one path reuses them).
        self._parsed: dict[int, CloudEvent] = {}

    async def apply_chunk(self, conn: asyncpg.Connection, events: Sequence[CloudEvent]) -> None:
        """Apply the chunk's fresh events, in stream order, inside its transaction. By
        default the handler once per event; `apply_chunk` given (or a subclass) may write
        runs of them together."""
        if self._apply_chunk is not None:
            await self._apply_chunk(conn, events)
            return
        assert self.handler is not None
        for event in events:
            await self.handler(conn, event)

    def parse(self, msg: Msg) -> CloudEvent:
        event = self._parsed.pop(id(msg), None)
        return event if event is not None else super().parse(msg)

    async def handle_batch(self, msgs: list[Msg]) -> None:
        """In stream order: runs of first deliveries in chunks, anything else one by one."""
        self._parsed.clear()
        run: list[tuple[Msg, CloudEvent]] = []
        try:
            for msg in msgs:
                event = self._chunkable(msg)
                if event is not None:
                    run.append((msg, event))
                    if len(run) >= self.chunk:
                        await self._settle_chunk(run)
                        run = []
                    continue
                if run:
                    await self._settle_chunk(run)
                    run = []
                await self.handle_settling(msg)
            if run:
                await self._settle_chunk(run)
        finally:
            self._parsed.clear()

    def _chunkable(self, msg: Msg) -> CloudEvent | None:
        """The message's envelope when it may join a chunk (a first delivery that parses)."""
        if msg.metadata.num_delivered != 1:
            return None
        try:
            event = CloudEvent.parse(msg.data)
        except EnvelopeError:
            return None  # one by one: dead-lettered with the parse error
        self._parsed[id(msg)] = event
        return event

    async def _settle_chunk(self, run: list[tuple[Msg, CloudEvent]]) -> None:
        events = [e for _, e in run]
        # A lone event's span joins its trace; a chunk's span links to each event's.
        context = context_from_traceparent(events[0].traceparent) if len(events) == 1 and events[0].traceparent else None
        links = [] if context is not None else [
            trace.Link(ctx) for e in events[:_MAX_LINKS]
            if e.traceparent and (ctx := trace.get_current_span(context_from_traceparent(e.traceparent)).get_span_context()).is_valid]
        try:
            with _tracer.start_as_current_span("consume chunk", context=context, links=links, kind=trace.SpanKind.CONSUMER, attributes={
                    "messaging.system": "nats", "messaging.consumer.group.name": self.spec.durable,
                    "messaging.batch.message_count": len(events)}):
                fresh = await self.commit_chunk(events)
        except Exception as exc:  # noqa: BLE001 - rolled back; each event gets the platform's retry path
            log.info("chunk rolled back; handling its events one by one",
                     extra={"consumer": self.spec.durable, "events": len(run), "error": repr(exc)})
            for msg, _ in run:
                await self.handle_settling(msg)
            return
        self.chunks_committed += 1
        for msg, event in run:
            self._parsed.pop(id(msg), None)
            try:
                if self.before_ack is not None:
                    await self.before_ack(msg)  # fault injection (tests): after the commit, before the ack
                await msg.ack()
            except (nats.errors.Error, OSError) as exc:
                # Redelivered after ack_wait; its recorded id makes that harmless.
                log.warning("could not settle message; it will be redelivered", extra={"consumer": self.spec.durable, "error": repr(exc)})
                continue
            self.count("handled" if event.id in fresh else "skipped")
            fresh.discard(event.id)  # a second message with the same event id applied nothing

    async def commit_chunk(self, events: list[CloudEvent]) -> set[uuid.UUID]:
        """Record the ids and apply the fresh events in one transaction; the fresh ids.
        A subclass may do both in a single statement for chunks it knows (no `BEGIN`
        and `COMMIT` round trips), as long as it is one transaction."""
        assert self.pool is not None
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = {r["event_id"] for r in await conn.fetch(RECORD_IDS, self.spec.durable, [e.id for e in events])}
            todo: dict[uuid.UUID, CloudEvent] = {}
            for event in events:  # a repeated id within the chunk is applied once, the first time
                if event.id in fresh:
                    todo.setdefault(event.id, event)
            if todo:
                await self.apply_chunk(conn, list(todo.values()))
        return fresh
