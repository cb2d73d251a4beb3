"""The gateway's NATS connection for live notifications (Server-Sent Events).

Connected in the background from the app's lifespan: the gateway starts, and `/readyz`
answers as before, while NATS is still away; until it connects (and while it
reconnects) the stream route answers 503 with `Retry-After`. Each open stream holds one
core-NATS subscription on its user's subject (`mgov_common.live`), so any replica can
serve any user: notify publishes once and NATS routes it to whichever replica holds
that user's stream.
"""

from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client as NATS
from nats.aio.subscription import Subscription

from mgov_common.live import live_subject

log = logging.getLogger(__name__)
# Live messages waiting for a slow client before NATS drops them (the inbox keeps all).
PENDING_MSGS = 256


class LiveHub:
    def __init__(self, url: str | None, *, name: str = "mgov-gateway") -> None:
        self.url = url
        self.name = name
        self.nc: NATS | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.url and self._task is None:
            self._task = asyncio.create_task(self._connect(), name="gateway-nats-connect")

    async def _connect(self) -> None:
        delay = 0.2
        while True:
            try:
                self.nc = await nats.connect(self.url, name=self.name, allow_reconnect=True, max_reconnect_attempts=-1,
                                             reconnect_time_wait=0.5, connect_timeout=2)  # type: ignore[arg-type]
                log.info("live notifications connected to NATS")
                return
            except Exception as exc:  # noqa: BLE001 - keep trying; the stream route answers 503 meanwhile
                log.warning("NATS unavailable for live notifications; retrying", extra={"error": repr(exc), "retry_in_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    async def subscribe(self, user_id: str) -> Subscription:
        """A subscription to the user's live subject, registered at the server on return."""
        subject = live_subject(user_id)
        if self.nc is None or subject is None:
            raise ConnectionError("live notifications are unavailable")
        sub = await self.nc.subscribe(subject, pending_msgs_limit=PENDING_MSGS)
        await self.nc.flush(timeout=2)
        return sub

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.drain(), 2.0)
            except Exception:  # noqa: BLE001 - closing a lost connection is best effort
                await self.nc.close()
