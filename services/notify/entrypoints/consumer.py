"""The event consumer of the notify service: the platform's consumer (exactly-once per
event id, retries, dead letters) around the dispatcher, plus what must happen only
after the commit: the live messages, and waking the delivery worker."""

from __future__ import annotations

import asyncio

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.events.envelope import CloudEvent
from services.notify.adapters.live import LivePublisher
from services.notify.service_layer.dispatch import Dispatcher, Result

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


class NotifyConsumer(EventConsumer):
    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, dispatcher: Dispatcher, live: LivePublisher | None,
                 wake: asyncio.Event | None = None, spec: ConsumerSpec = EVENTS) -> None:
        super().__init__(pool, js, spec, self._dispatch)
        self.dispatcher = dispatcher
        self.live = live
        self.wake = wake
        self._result: Result | None = None

    async def _dispatch(self, conn: asyncpg.Connection, event: CloudEvent) -> None:
        self._result = await self.dispatcher.handle(conn, event)

    async def handle(self, msg: Msg) -> None:
        # Messages are handled one at a time by `run`, so one slot for the result suffices.
        self._result = None
        applied = self.applied
        await super().handle(msg)
        result, self._result = self._result, None
        if self.applied == applied or result is None:
            return  # a repeat, a failure (rolled back) or a dead letter: nothing was committed
        if self.live is not None and result.notifications:
            await self.live.publish(result.notifications)
        if self.wake is not None and result.deliveries:
            self.wake.set()
