"""The event consumer of the notify service: the platform's consumer (exactly once per
event id, retries, dead letters) around the dispatcher, with two additions:

- what must happen only after the commit (the live messages, waking the delivery
  worker) runs in the consumer's after-commit, before-ack hook, and only for an event
  whose handler ran and committed (never for a repeat or a rolled-back attempt);
- a fetched batch is handled by up to `concurrency` tasks, events of one case (the
  CloudEvent `subject`) one after another in stream order, different cases in
  parallel: each event waits on PostgreSQL round trips, not on the CPU.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections import defaultdict

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.events.envelope import CloudEvent
from services.notify.adapters.live import LivePublisher
from services.notify.service_layer.dispatch import Dispatcher, Result

log = logging.getLogger(__name__)

EVENTS = ConsumerSpec(
    "notify-events",
    [
        "mgov.evt.*.workflow.application.>",
        "mgov.evt.*.workflow.sla.>",
        "mgov.evt.*.workflow.rating.received",
        "mgov.evt.*.workflow.rectification.opened",
        "mgov.evt.*.catalog.notice.published",
    ],
    # Identity (staff lists) may be away for minutes: retry for ~9 minutes before the
    # dead-letter stream, rather than the default ~40 s.
    max_deliver=8,
    backoff_s=(0.5, 2.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
# The result of the event being handled in this task, for the after-commit hook.
_handled: contextvars.ContextVar[list[Result] | None] = contextvars.ContextVar("notify_handled", default=None)


def ordering_key(msg: Msg) -> str:
    """Events with the same key are handled in stream order: the case (or notice) id."""
    try:
        return str(json.loads(msg.data).get("subject") or msg.subject)
    except (ValueError, AttributeError):
        return msg.subject


class NotifyConsumer(EventConsumer):
    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, dispatcher: Dispatcher, live: LivePublisher | None,
                 wake: asyncio.Event | None = None, spec: ConsumerSpec = EVENTS, *, concurrency: int = 8) -> None:
        super().__init__(pool, js, spec, self._dispatch)
        self.dispatcher = dispatcher
        self.live = live
        self.wake = wake
        self.concurrency = concurrency
        self.before_ack = self._after_commit

    async def _dispatch(self, conn: asyncpg.Connection, event: CloudEvent) -> None:
        result = await self.dispatcher.handle(conn, event)
        holder = _handled.get()
        if holder is not None:
            holder.append(result)

    async def _after_commit(self, msg: Msg) -> None:
        for result in _handled.get() or ():
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

    async def _handle_in_order(self, msgs: list[Msg], limit: asyncio.Semaphore) -> None:
        async with limit:
            for msg in msgs:
                try:
                    await self.handle(msg)
                except (nats.errors.Error, OSError) as exc:
                    # Acking failed (connection lost): redelivered after ack_wait, and harmless.
                    log.warning("could not settle message; it will be redelivered", extra={"consumer": self.spec.durable, "error": repr(exc)})

    async def run(self) -> None:
        await self.ensure()
        sub = await self.js.pull_subscribe_bind(durable=self.spec.durable, stream=self.spec.stream)
        limit = asyncio.Semaphore(self.concurrency)
        backoff = 0.5
        try:
            while True:
                try:
                    msgs = await sub.fetch(self.spec.batch, timeout=1.0)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                except Exception as exc:  # noqa: BLE001 - a lost connection or server hiccup must not kill the loop
                    log.warning("consumer fetch failed; retrying", extra={"consumer": self.spec.durable, "error": repr(exc)})
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                backoff = 0.5
                groups: dict[str, list[Msg]] = defaultdict(list)
                for msg in msgs:
                    groups[ordering_key(msg)].append(msg)
                await asyncio.gather(*(self._handle_in_order(group, limit) for group in groups.values()))
        finally:
            try:
                await sub.unsubscribe()
            except Exception:  # noqa: BLE001 - already closed connections are fine here
                pass
