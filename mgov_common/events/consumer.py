"""Durable pull consumers that apply each event exactly once to the service's state.

For every message: parse the envelope (size and depth bounded, `mgov_common.safejson`),
open a transaction, record the event id in `processed_events` (a repeat is skipped),
run the handler on that same connection, commit, and only then ack. A crash anywhere
before the ack means redelivery, and the recorded id makes it harmless.

No message can end the loop. Whatever a handler raises (RecursionError and MemoryError
included; only cancellation and interpreter exit pass) is caught for that message, which
is retried with backoff up to `max_deliver` times and then given up: sent to the
dead-letter stream with the error and the original subject, and terminated. A message
that reaches us more than `max_deliver` times (say it killed the process each time) is
given up before it is handled again; the server's own bound (`max_deliver` + 2) ends
redelivery should even that fail. Every message is settled (ack, nak with a delay, or
term), so a poisoned one never holds an unacknowledged slot for long.

Messages come by a streaming pull (`mgov_common.events.pull`): pull requests that stay
open, so a lone event costs no request of its own; each batch is what has arrived.

Subclasses change what one message means (`handle`), how a batch is scheduled
(`handle_batch`), what follows a commit (`committed`), what giving up does (`give_up`)
and what to finish on stop (`close`);
the fetch loop, retry bound, counters and settings of the durable are this class's only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry import trace

from mgov_common import db, metrics
from mgov_common.events.envelope import CloudEvent, EnvelopeError
from mgov_common.events.pull import StreamingPull
from mgov_common.events.streams import DLQ_SUBJECT_PREFIX, EVENTS_STREAM
from mgov_common.retry import Backoff
from mgov_common.telemetry import context_from_headers, context_from_traceparent, tracer

log = logging.getLogger(__name__)
_tracer = tracer(__name__)

Handler = Callable[[asyncpg.Connection, CloudEvent], Awaitable[None]]
# What a consumer never swallows: its own cancellation and the interpreter stopping.
FATAL: tuple[type[BaseException], ...] = (asyncio.CancelledError, KeyboardInterrupt, SystemExit, GeneratorExit)
# Settings of a durable consumer the server changes in place; the others only at creation.
UPDATABLE = ("description", "ack_wait", "max_deliver", "backoff", "filter_subjects", "max_ack_pending", "max_waiting",
             "headers_only", "sample_freq", "inactive_threshold", "metadata")


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
    max_ack_pending: int = 1000
    # How long a batch waits for more after its first message (`StreamingPull`'s linger):
    # several events per wake-up and transaction under a steady stream, at that latency.
    linger_s: float = 0.0
    # Further ConsumerConfig fields by name (e.g. {"description": ...}), applied last.
    extra: dict[str, Any] = field(default_factory=dict)

    def config(self) -> ConsumerConfig:
        cfg = ConsumerConfig(
            durable_name=self.durable,
            filter_subjects=self.filter_subjects,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait_s,
            # We give a message up at `max_deliver`; the server's bound is a backstop
            # for a message that keeps killing the process before we can.
            max_deliver=self.max_deliver + 2,
            deliver_policy=DeliverPolicy.NEW if self.deliver_new_only else DeliverPolicy.ALL,
            max_ack_pending=self.max_ack_pending,
        )
        return cfg.evolve(**self.extra) if self.extra else cfg


def changed_settings(current: ConsumerConfig, wanted: ConsumerConfig) -> list[str]:
    """The updatable settings in which the server's consumer differs from the wanted one."""
    now, want = current.as_dict(), wanted.as_dict()
    now["filter_subjects"] = sorted(now.get("filter_subjects") or ([now["filter_subject"]] if now.get("filter_subject") else []))
    want["filter_subjects"] = sorted(want.get("filter_subjects") or ([want["filter_subject"]] if want.get("filter_subject") else []))
    return [k for k in UPDATABLE if want.get(k) is not None and now.get(k) != want.get(k)]


@dataclass
class Counters:
    """What a consumer did, for tests, health and logs: applied, skipped as a duplicate,
    retried (a failed attempt that will be tried again) and failed (given up)."""

    handled: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0


class EventConsumer:
    def __init__(self, pool: asyncpg.Pool | None, js: JetStreamContext, spec: ConsumerSpec, handler: Handler | None) -> None:
        self.pool = pool
        self.js = js
        self.spec = spec
        self.handler = handler
        self.counts = Counters()
        self._progress = asyncio.Event()
        self._redelivered = metrics.CONSUMER_REDELIVERIES.labels(spec.stream, spec.durable)
        self._pending = metrics.CONSUMER_PENDING.labels(spec.stream, spec.durable)
        self._settled: metrics.Children[Any] = metrics.Children(metrics.CONSUMER_MESSAGES)
        # Fault injection for tests: runs after the commit, before the ack.
        self.before_ack: Callable[[Msg], Awaitable[None]] | None = None

    # -- counters and the signal tests wait on ----------------------------------------
    @property
    def applied(self) -> int:
        return self.counts.handled

    @property
    def dead_lettered(self) -> int:
        return self.counts.failed

    def count(self, what: str) -> None:
        setattr(self.counts, what, getattr(self.counts, what) + 1)
        self._settled.get((self.spec.stream, self.spec.durable, what)).inc()
        self._progress.set()

    async def wait_until(self, condition: Callable[[Counters], bool], timeout: float = 10.0) -> Counters:
        """Until `condition(counts)` holds (checked after every settled message)."""
        async with asyncio.timeout(timeout):
            while not condition(self.counts):
                self._progress.clear()
                await self._progress.wait()
        return self.counts

    # -- the durable and the loop ----------------------------------------------------
    async def ensure(self) -> None:
        """Create the durable, or bring every updatable setting to the spec's."""
        cfg = self.spec.config()
        try:
            info = await self.js.consumer_info(self.spec.stream, self.spec.durable)
        except NotFoundError:
            await self.js.add_consumer(self.spec.stream, cfg)
            return
        changed = changed_settings(info.config, cfg)
        if changed:
            # Only updatable fields are sent changed; the rest stay as created.
            kept = {k: getattr(info.config, k) for k in ("deliver_policy", "opt_start_seq", "opt_start_time", "replay_policy")}
            await self.js.add_consumer(self.spec.stream, cfg.evolve(**kept))
            log.info("consumer settings updated", extra={"consumer": self.spec.durable, "changed": changed})

    async def observe(self) -> None:
        """Set `mgov_consumer_pending_messages`: what the stream holds for this durable
        that no replica has received yet (the lag), as the server counts it."""
        info = await self.js.consumer_info(self.spec.stream, self.spec.durable)
        self._pending.set(info.num_pending or 0)

    async def run(self) -> None:
        await self.ensure()
        pull = self.open_pull()
        await pull.start()
        backoff = Backoff(base=0.5, cap=10.0)
        try:
            while True:
                try:
                    msgs = await pull.next_batch()
                except Exception as exc:  # noqa: BLE001 - a lost connection or server hiccup must not kill the loop
                    delay = backoff.next_delay()
                    log.warning("consumer fetch failed; retrying", extra={"consumer": self.spec.durable, "error": repr(exc), "retry_in_s": delay})
                    await asyncio.sleep(delay)
                    continue
                backoff.reset()
                try:
                    await self.handle_batch(msgs)
                except FATAL:
                    raise
                except BaseException:  # noqa: BLE001 - unsettled messages come back after ack_wait, counted
                    log.exception("consumer batch failed; its unsettled messages will be redelivered", extra={"consumer": self.spec.durable})
        finally:
            await self.close()
            await pull.stop()

    def open_pull(self) -> StreamingPull:
        """The streaming pull this run takes its batches from (a test may keep it)."""
        # nats-py has no streaming pull of its own; the connection and API prefix are the context's.
        return StreamingPull.for_ack_wait(self.js._nc, self.js._prefix, self.spec.stream, self.spec.durable, self.spec.batch,
                                          self.spec.ack_wait_s, linger_s=self.spec.linger_s)

    async def close(self) -> None:
        """Finish what a subclass runs beside the loop (called when the loop ends)."""

    async def committed(self, event: CloudEvent) -> None:
        """After the commit that applied `event`, before its ack (never for a repeat, nor
        for an attempt that rolled back): what must follow the commit, such as a live
        message. What this raises leaves the message unacknowledged (redelivered, and
        skipped by its recorded id)."""

    async def handle_batch(self, msgs: list[Msg]) -> None:
        """Handle a fetched batch in stream order (a subclass may handle it otherwise,
        e.g. in parallel lanes, as long as every message goes through `handle_settling`)."""
        for msg in msgs:
            await self.handle_settling(msg)

    async def handle_settling(self, msg: Msg) -> None:
        """`handle` one message; whatever it raises is settled here, never passed on."""
        if msg.metadata.num_delivered > 1:
            self._redelivered.inc()
        try:
            await self.handle(msg)
        except FATAL:
            raise
        except (nats.errors.Error, OSError) as exc:
            # Acking or dead-lettering failed (connection lost): the message will be
            # redelivered after ack_wait and the recorded id keeps it harmless.
            log.warning("could not settle message; it will be redelivered", extra={"consumer": self.spec.durable, "error": repr(exc)})
        except BaseException as exc:  # noqa: BLE001 - RecursionError, MemoryError, a bug: this message only
            log.error("message handling failed", exc_info=exc, extra={"consumer": self.spec.durable, "subject": msg.subject})
            try:
                await self.retry_or_give_up(msg, exc)
            except FATAL:
                raise
            except BaseException as again:  # noqa: BLE001 - redelivered after ack_wait; counted there
                log.warning("could not settle message; it will be redelivered", extra={"consumer": self.spec.durable, "error": repr(again)})

    def delay(self, delivered: int) -> float:
        """How long a failed message waits before its next delivery."""
        steps = self.spec.backoff_s
        return steps[min(delivered - 1, len(steps) - 1)] if steps else 0.0

    async def retry_or_give_up(self, msg: Msg, exc: BaseException, code: str = "handler_failed") -> None:
        """After a failed attempt: nak with the backoff delay, or give up at `max_deliver`."""
        delivered = msg.metadata.num_delivered
        if delivered >= self.spec.max_deliver:
            await self.give_up(msg, f"{type(exc).__name__}: {exc}", code, delivered)
        else:
            await msg.nak(delay=self.delay(delivered))
            self.count("retried")

    async def give_up(self, msg: Msg, error: str, code: str, delivered: int) -> None:
        """Dead-letter the message with its error and terminate it (subclasses may route
        it elsewhere, such as a tenant's rejected events)."""
        meta = msg.metadata
        headers = {
            "Nats-Msg-Id": f"{self.spec.durable}:{meta.stream}:{meta.sequence.stream}",
            "Mgov-Error": error[:2000].replace("\r", " ").replace("\n", " "),
            "Mgov-Error-Code": code,
            "Mgov-Consumer": self.spec.durable,
            "Mgov-Original-Subject": msg.subject,
            "Mgov-Original-Stream": meta.stream,
            "Mgov-Original-Sequence": str(meta.sequence.stream),
            "Mgov-Deliveries": str(delivered),
        }
        await self.js.publish(f"{DLQ_SUBJECT_PREFIX}.{self.spec.durable}", msg.data, headers=headers)
        await msg.term()
        self.count("failed")
        log.error("event dead-lettered", extra={"consumer": self.spec.durable, "subject": msg.subject, "error": error[:300]})

    # -- one message -------------------------------------------------------------------
    def parse(self, msg: Msg) -> CloudEvent:
        """The message's envelope (a subclass that parsed it already may hand that back)."""
        return CloudEvent.parse(msg.data)

    async def handle(self, msg: Msg) -> None:
        delivered = msg.metadata.num_delivered
        if delivered > self.spec.max_deliver:
            await self.give_up(msg, "delivered more times than allowed without being acknowledged", "too_many_deliveries", delivered)
            return
        try:
            event = self.parse(msg)
        except EnvelopeError as exc:
            await self.give_up(msg, str(exc), "invalid_envelope", delivered)
            return
        parent = context_from_traceparent(event.traceparent) if event.traceparent else context_from_headers(msg.headers)
        with _tracer.start_as_current_span(
            f"consume {msg.subject}",
            context=parent,
            kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "nats", "messaging.consumer.group.name": self.spec.durable, "messaging.message.id": str(event.id)},
        ):
            try:
                fresh = await self._apply_once_the_database_answers(msg, event)
            except FATAL:
                raise
            except BaseException as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
                log.warning(
                    "event handler failed",
                    extra={"consumer": self.spec.durable, "event_id": str(event.id), "delivery": delivered, "error": repr(exc)},
                )
                await self.retry_or_give_up(msg, exc)
                return
            if fresh:
                await self.committed(event)
            if self.before_ack is not None:
                await self.before_ack(msg)
            await msg.ack()
            self.count("handled" if fresh else "skipped")

    async def _apply_once_the_database_answers(self, msg: Msg, event: CloudEvent,
                                               apply: Callable[[], Awaitable[bool]] | None = None) -> bool:
        """`apply` (by default `self.apply(event)`), waiting out a database that is away
        (restarting, failing over): that is not the message's fault, so it keeps the
        message (in progress, so the server does not redeliver it) and spends no delivery
        toward `max_deliver`; a long outage would otherwise dead-letter every event that
        arrived meanwhile."""
        backoff = Backoff(base=0.5, cap=2 * db.RETRY_AFTER_S)
        while True:
            try:
                return await (apply() if apply is not None else self.apply(event))
            except Exception as exc:
                if not db.is_unavailable(exc):
                    raise
                log.warning("database unavailable; holding the event until it answers",
                            extra={"consumer": self.spec.durable, "event_id": str(event.id), "error": repr(exc)})
            await msg.in_progress()  # restarts the server's ack_wait; told again well within it
            await asyncio.sleep(min(backoff.next_delay(), self.spec.ack_wait_s / 3))

    async def apply(self, event: CloudEvent) -> bool:
        """Record the id and run the handler in one transaction; False for a repeat."""
        assert self.pool is not None and self.handler is not None
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = await conn.fetchval(
                "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
                self.spec.durable,
                event.id,
            )
            if fresh:
                await self.handler(conn, event)
        return bool(fresh)
