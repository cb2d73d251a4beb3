"""The gateway's NATS connection for live notifications (Server-Sent Events).

Connected in the background from the app's lifespan: the gateway starts, and `/readyz`
answers as before, while NATS is still away; until it connects (and while it
reconnects) the stream route answers 503 with `Retry-After`. Each open stream holds one
core-NATS subscription on its user's subject (`mgov_common.live`), so any replica can
serve any user: notify publishes once and NATS routes it to whichever replica holds
that user's stream.

Others hold subscriptions on the same connection (`ConnectionListener`: the catalogue
cache's invalidations): told when the connection is usable, when it is lost (events may
be missed from then on) and when it is back.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

import nats
from nats.aio.client import Client as NATS
from nats.aio.subscription import Subscription

from mgov_common.bus import nats_servers
from mgov_common.live import live_subject
from mgov_common.retry import Backoff

log = logging.getLogger(__name__)
# Live messages waiting for a slow client before NATS drops them (the inbox keeps all).
PENDING_MSGS = 256


class Slot:
    """One open stream of a user; `release()` may be called any number of times."""

    def __init__(self, slots: "StreamSlots", user_id: str) -> None:
        self._slots, self.user_id, self._released = slots, user_id, False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._slots._release(self.user_id)


class StreamSlots:
    """At most `per_user` open live streams per user on this replica.

    Each stream holds a NATS subscription, a task and a connection; one person opening
    hundreds (400 were opened for one citizen) would hold as many. The count is per
    replica: behind N replicas a user may hold up to N x `per_user`.
    """

    def __init__(self, per_user: int) -> None:
        self.per_user = per_user
        self._open: dict[str, int] = {}

    def take(self, user_id: str) -> Slot | None:
        if self._open.get(user_id, 0) >= self.per_user:
            return None
        self._open[user_id] = self._open.get(user_id, 0) + 1
        return Slot(self, user_id)

    def open_for(self, user_id: str) -> int:
        return self._open.get(user_id, 0)

    def _release(self, user_id: str) -> None:
        left = self._open.get(user_id, 0) - 1
        if left > 0:
            self._open[user_id] = left
        else:
            self._open.pop(user_id, None)


class ConnectionListener(Protocol):
    async def attach(self, nc: NATS) -> None:
        """A new connection delivers: subscribe on it."""

    def detached(self) -> None:
        """The connection is lost (messages may be missed until `reattached`)."""

    def reattached(self) -> None:
        """The connection is back with its subscriptions (restored by the client)."""


class LiveHub:
    def __init__(self, url: str | None, *, name: str = "mgov-gateway", max_streams_per_user: int = 5,
                 listeners: Sequence[ConnectionListener] = (), options: dict[str, Any] | None = None) -> None:
        self.url = url
        self.options = options or {}
        self.name = name
        self.listeners = list(listeners)
        self.slots = StreamSlots(max_streams_per_user)
        self.nc: NATS | None = None
        self._task: asyncio.Task[None] | None = None
        self._recheck: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.url and self._task is None:
            self._task = asyncio.create_task(self._connect(), name="gateway-nats-connect")

    async def _connect(self) -> None:
        backoff = Backoff(base=0.2, cap=5.0)
        while True:
            nc = None
            try:
                nc = await nats.connect(nats_servers(self.url), name=self.name, allow_reconnect=True, max_reconnect_attempts=-1,
                                        reconnect_time_wait=0.5, connect_timeout=2,
                                        reconnected_cb=self._on_reconnected,  # type: ignore[arg-type]
                                        disconnected_cb=self._on_disconnected, **self.options)  # type: ignore[arg-type]
                if await self._delivers(nc):
                    for listener in self.listeners:
                        await listener.attach(nc)
                    self.nc = nc
                    log.info("live notifications connected to NATS")
                    return
                log.warning("NATS connection does not deliver yet; reconnecting")
                await nc.close()
            except Exception as exc:  # noqa: BLE001 - keep trying; the stream route answers 503 meanwhile
                log.warning("NATS unavailable for live notifications; retrying", extra={"error": repr(exc)})
                if nc is not None:
                    await nc.close()
            await backoff.sleep()

    @staticmethod
    async def _delivers(nc: NATS) -> bool:
        """A message to ourselves comes back: the server routes this connection's
        subscriptions. A connection made while a NATS server is still starting can be
        accepted before it does (seen under load); such a one is replaced."""
        subject = f"_mgov.gateway.selftest.{uuid.uuid4().hex}"
        sub = await nc.subscribe(subject)
        try:
            await nc.flush(timeout=2)
            await nc.publish(subject, b"ping")
            await sub.next_msg(timeout=2)
            return True
        except (nats.errors.Error, TimeoutError):
            return False
        finally:
            try:
                await sub.unsubscribe()
            except nats.errors.Error:
                pass

    async def _on_disconnected(self) -> None:
        for listener in self.listeners:
            listener.detached()

    async def _on_reconnected(self) -> None:
        # Checked in a task of its own: the client's reconnect logic awaits this callback.
        self._recheck = asyncio.create_task(self._check_after_reconnect(), name="gateway-nats-recheck")

    async def _check_after_reconnect(self) -> None:
        """After NATS came back, check delivery again; if it fails, start over with a new
        connection: open streams end (their clients reconnect and resume from the inbox)."""
        old = self.nc
        if old is None:
            return
        if await self._delivers(old):
            for listener in self.listeners:
                listener.reattached()
            return
        log.warning("NATS reconnected but does not deliver; replacing the connection")
        self.nc = None
        await old.close()
        self._task = asyncio.create_task(self._connect(), name="gateway-nats-connect")

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
        for task in (self._task, self._recheck):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self.nc is not None and not self.nc.is_closed:
            try:
                async with asyncio.timeout(2.0):
                    await self.nc.drain()
            except Exception:  # noqa: BLE001 - closing a lost connection is best effort
                await self.nc.close()
