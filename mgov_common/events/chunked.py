"""A durable consumer that applies what one fetch brings in one transaction per chunk.

The platform's `EventConsumer` pays a transaction per event: `BEGIN`, the event id,
the handler's statements, `COMMIT` (a WAL flush) and an ack. For a consumer every
submission reaches, that per-event price showed in every other consumer's latency on a
shared machine. Here a fetched batch is walked in stream order and each run of first
deliveries (up to `chunk` of them) is one transaction: their ids recorded in
`processed_events` by one statement (ids already there, and an id repeated within the
chunk, are applied nothing), the fresh events applied by `apply_chunk` on the same
connection (a subclass may write a whole run of them with one statement, or override
`commit_chunk` to make the whole chunk one statement), one commit, then `committed`
for each applied event (what must follow the commit: a live message), then the acks.

Exactly once and no poisoned chunk: anything else takes the platform's one-by-one
path (`handle_settling`), in its place in the stream order: a redelivery, an envelope that
does not parse, an event `admits` refuses, a message delivered too often. And if anything
in a chunk fails, the chunk is rolled back and its events go one by one, each with its
own retries and, in the end, the dead-letter stream, so a bad event costs its neighbours
one retry, never their delivery. A commit whose acks are lost brings the chunk back as
redeliveries, which the recorded ids skip.

Lanes (`concurrency` > 1): a batch may be split by `lane_key` (by default the event's
`subject`, the case) into lanes that run side by side, each in stream order; only as
many lanes as the batch has chunks' worth of events (`lane_count`), so a trickle is one
transaction and a backlog spreads over every lane.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import zlib
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
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


def lane_count(events: int, chunk: int, concurrency: int) -> int:
    """How many lanes a batch of `events` is split into: one per `chunk` of them, at least
    one and at most `concurrency`."""
    return max(1, min(concurrency, -(-events // max(1, chunk))))


def first_fresh(events: Sequence[CloudEvent], fresh: set[uuid.UUID]) -> list[CloudEvent]:
    """The events to apply: those whose id was fresh, each id once (its first message)."""
    todo: dict[uuid.UUID, CloudEvent] = {}
    for event in events:
        if event.id in fresh:
            todo.setdefault(event.id, event)
    return list(todo.values())


async def record_ids(conn: asyncpg.Connection, durable: str, events: Sequence[CloudEvent]) -> set[uuid.UUID]:
    """Record the events' ids for `durable`; the ids that were not recorded before."""
    return {r["event_id"] for r in await conn.fetch(RECORD_IDS, durable, [e.id for e in events])}


class ChunkedConsumer(EventConsumer):
    """`EventConsumer` with a transaction per chunk of first deliveries (see the module)."""

    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec, handler: Handler | None = None,
                 *, apply_chunk: ChunkHandler | None = None, chunk: int | None = None, concurrency: int = 1) -> None:
        super().__init__(pool, js, spec, handler)
        self._apply_chunk = apply_chunk
        self.chunk = max(1, chunk or spec.batch)
        self.concurrency = max(1, concurrency)
        self.chunks_committed = 0
        # The batch's envelopes by message, parsed once (the one-by-one path reuses them).
        self._parsed: dict[int, CloudEvent] = {}

    # -- what a subclass may change ----------------------------------------------------
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

    def admits(self, event: CloudEvent) -> bool:
        """Whether a first delivery may join a chunk; one refused goes one by one (where
        the handler's error retries and dead-letters it)."""
        return True

    def lane_key(self, msg: Msg, event: CloudEvent | None) -> str:
        """What keeps events in order across lanes: the same key, the same lane."""
        return (event.subject if event is not None else None) or msg.subject

    async def commit_chunk(self, events: list[CloudEvent]) -> set[uuid.UUID]:
        """Record the ids and apply the fresh events in one transaction; the fresh ids.
        A subclass may do both in a single statement for chunks it knows (no `BEGIN`
        and `COMMIT` round trips), as long as it is one transaction."""
        assert self.pool is not None
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = await record_ids(conn, self.spec.durable, events)
            todo = first_fresh(events, fresh)
            if todo:
                await self.apply_chunk(conn, todo)
        return fresh

    # -- the batch ---------------------------------------------------------------------
    def parse(self, msg: Msg) -> CloudEvent:
        event = self._parsed.pop(id(msg), None)
        return event if event is not None else super().parse(msg)

    async def handle_batch(self, msgs: list[Msg]) -> None:
        """Parse each message once, split the batch into lanes, each in stream order."""
        self._parsed.clear()
        try:
            chunkable = [self._chunkable(msg) for msg in msgs]
            count = lane_count(len(msgs), self.chunk, self.concurrency)
            if count == 1:
                await self._handle_lane(list(zip(msgs, chunkable, strict=True)))
                return
            lanes: list[list[tuple[Msg, CloudEvent | None]]] = [[] for _ in range(count)]
            for msg, event in zip(msgs, chunkable, strict=True):
                lanes[zlib.crc32(self.lane_key(msg, self._parsed.get(id(msg))).encode()) % count].append((msg, event))
            await asyncio.gather(*(self._handle_lane(lane) for lane in lanes if lane))
        finally:
            self._parsed.clear()

    async def _handle_lane(self, lane: list[tuple[Msg, CloudEvent | None]]) -> None:
        """In stream order: runs of first deliveries in chunks, anything else one by one."""
        run: list[tuple[Msg, CloudEvent]] = []
        for msg, event in lane:
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

    def _chunkable(self, msg: Msg) -> CloudEvent | None:
        """The message's envelope when it may join a chunk (a first delivery that parses
        and is admitted); parsed once either way."""
        try:
            event = CloudEvent.parse(msg.data)
        except EnvelopeError:
            return None  # one by one: dead-lettered with the parse error
        self._parsed[id(msg)] = event
        if msg.metadata.num_delivered != 1 or not self.admits(event):
            return None
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
            applied = event.id in fresh
            fresh.discard(event.id)  # a second message with the same event id applied nothing
            try:
                if applied:
                    await self.committed(event)
                if self.before_ack is not None:
                    await self.before_ack(msg)  # fault injection (tests): after the commit, before the ack
                await msg.ack()
            except Exception as exc:  # noqa: BLE001 - a lost ack or a failing hook: this message only, never the chunk's others
                # Redelivered after ack_wait; its recorded id makes that harmless.
                log.warning("could not settle message; it will be redelivered", extra={"consumer": self.spec.durable, "error": repr(exc)})
                continue
            self.count("handled" if applied else "skipped")
