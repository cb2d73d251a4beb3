"""Durable pull consumers that apply each event exactly once to the service's state.

For every message: parse the envelope, open a transaction, record the event id in
`processed_events` (a repeat is skipped), run the handler on that same connection,
commit, and only then ack. A crash anywhere before the ack means redelivery, and the
recorded id makes it harmless. A handler that keeps failing is retried with backoff
up to `max_deliver` times; then the message goes to the dead-letter stream with the
error and the original subject, and is terminated. Nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry import trace

from mgov_common.events.envelope import CloudEvent, EnvelopeError
from mgov_common.events.streams import DLQ_SUBJECT_PREFIX, EVENTS_STREAM
from mgov_common.telemetry import context_from_headers, context_from_traceparent, tracer

log = logging.getLogger(__name__)
_tracer = tracer(__name__)

Handler = Callable[[asyncpg.Connection, CloudEvent], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerSpec:
    durable: str
    filter_subjects: list[str]
    stream: str = EVENTS_STREAM
    max_deliver: int = 5
    ack_wait_s: float = 30.0
    backoff_s: tuple[float, ...] = (0.5, 2.0, 10.0, 30.0)
    batch: int = 64
    deliver_new_only: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            filter_subjects=self.filter_subjects,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait_s,
            # The server keeps redelivering past our bound so that *we* always see the
            # last delivery and dead-letter it, even after crashes mid-handler.
            max_deliver=-1,
            deliver_policy=DeliverPolicy.NEW if self.deliver_new_only else DeliverPolicy.ALL,
            max_ack_pending=1000,
        )


class EventConsumer:
    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, spec: ConsumerSpec, handler: Handler) -> None:
        self.pool = pool
        self.js = js
        self.spec = spec
        self.handler = handler
        self.applied = 0
        self.dead_lettered = 0
        # Fault injection for tests: runs after the commit, before the ack.
        self.before_ack: Callable[[Msg], Awaitable[None]] | None = None

    async def ensure(self) -> None:
        cfg = self.spec.config()
        try:
            info = await self.js.consumer_info(self.spec.stream, self.spec.durable)
        except NotFoundError:
            await self.js.add_consumer(self.spec.stream, cfg)
            return
        if sorted(info.config.filter_subjects or [info.config.filter_subject or ""]) != sorted(self.spec.filter_subjects):
            # Filters may change between releases; update in place (server ≥ 2.10).
            await self.js.add_consumer(self.spec.stream, cfg)

    async def run(self) -> None:
        await self.ensure()
        sub = await self.js.pull_subscribe_bind(durable=self.spec.durable, stream=self.spec.stream)
        try:
            backoff = 0.5
            while True:
                try:
                    msgs = await self._next_batch(sub)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                except Exception as exc:  # noqa: BLE001 - a lost connection or server hiccup must not kill the loop
                    log.warning("consumer fetch failed; retrying", extra={"consumer": self.spec.durable, "error": repr(exc), "retry_in_s": backoff})
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                backoff = 0.5
                await self.handle_batch(msgs)
        finally:
            try:
                await sub.unsubscribe()
            except Exception:  # noqa: BLE001 - already closed connections are fine here
                pass

    async def handle_batch(self, msgs: list[Msg]) -> None:
        """Handle a fetched batch in stream order (a subclass may handle it otherwise,
        e.g. in parallel lanes, as long as every message goes through `handle`)."""
        for msg in msgs:
            await self.handle_settling(msg)

    async def handle_settling(self, msg: Msg) -> None:
        try:
            await self.handle(msg)
        except (nats.errors.Error, OSError) as exc:
            # Acking or dead-lettering failed (connection lost): the message will be
            # redelivered after ack_wait and the recorded id keeps it harmless.
            log.warning("could not settle message; it will be redelivered", extra={"consumer": self.spec.durable, "error": repr(exc)})

    async def _next_batch(self, sub: JetStreamContext.PullSubscription) -> list[Msg]:
        """Wait for one message, then take what else is already there.

        `fetch(n)` answers at once when messages are waiting, but when it has to wait it
        holds the first arrival until n have come or its timeout ends (up to a second for
        a lone event). One message first, then the backlog without waiting, keeps a
        quiet platform's latency at the round trip and a busy one's batches full."""
        first = await sub.fetch(1, timeout=1.0)
        if self.spec.batch <= 1:
            return first
        try:
            return first + await sub.fetch(self.spec.batch - 1, timeout=0.005)
        except (nats.errors.TimeoutError, TimeoutError):
            return first

    def _delay(self, delivered: int) -> float:
        steps = self.spec.backoff_s
        return steps[min(delivered - 1, len(steps) - 1)] if steps else 0.0

    async def handle(self, msg: Msg) -> None:
        delivered = msg.metadata.num_delivered
        try:
            event = CloudEvent.parse(msg.data)
        except EnvelopeError as exc:
            await self._dead_letter(msg, str(exc), delivered)
            return
        if delivered > self.spec.max_deliver:
            await self._dead_letter(msg, "delivered more times than allowed without being acknowledged", delivered)
            return
        parent = context_from_traceparent(event.traceparent) if event.traceparent else context_from_headers(msg.headers)
        with _tracer.start_as_current_span(
            f"consume {msg.subject}",
            context=parent,
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "nats", "messaging.consumer.group.name": self.spec.durable, "messaging.message.id": str(event.id)},
        ):
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    fresh = await conn.fetchval(
                        "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
                        self.spec.durable,
                        event.id,
                    )
                    if fresh:
                        await self.handler(conn, event)
            except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
                log.warning(
                    "event handler failed",
                    extra={"consumer": self.spec.durable, "event_id": str(event.id), "delivery": delivered, "error": repr(exc)},
                )
                if delivered >= self.spec.max_deliver:
                    await self._dead_letter(msg, f"{type(exc).__name__}: {exc}", delivered)
                else:
                    await msg.nak(delay=self._delay(delivered))
                return
            if fresh:
                self.applied += 1
            if self.before_ack is not None:
                await self.before_ack(msg)
            await msg.ack()

    async def _dead_letter(self, msg: Msg, error: str, delivered: int) -> None:
        meta = msg.metadata
        headers = {
            "Nats-Msg-Id": f"{self.spec.durable}:{meta.stream}:{meta.sequence.stream}",
            "Mgov-Error": error[:2000].replace("\r", " ").replace("\n", " "),
            "Mgov-Consumer": self.spec.durable,
            "Mgov-Original-Subject": msg.subject,
            "Mgov-Original-Stream": meta.stream,
            "Mgov-Original-Sequence": str(meta.sequence.stream),
            "Mgov-Deliveries": str(delivered),
        }
        await self.js.publish(f"{DLQ_SUBJECT_PREFIX}.{self.spec.durable}", msg.data, headers=headers)
        await msg.term()
        self.dead_lettered += 1
        log.error("event dead-lettered", extra={"consumer": self.spec.durable, "subject": msg.subject, "error": error})
