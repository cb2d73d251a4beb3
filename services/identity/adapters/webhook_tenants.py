"""Which tenants have a system with a webhook: the webhook fan-out's shortcut.

Every platform event reaches identity's fan-out consumer, and most tenants have no
webhook system: for those the consumer acknowledges without a transaction (nothing to
do is done exactly once). The set is read in one statement and kept until a system
changes: a trigger on `systems` notifies `mgov_systems_<schema>` at commit, and every
replica listening drops its copy. The copy is trusted only while this process listens
(after a lost connection it is read again, and until the listener is back every event
takes the full path), a load that raced with a change is not kept (generation count),
and it is read again after `max_age_s` in any case.
"""

from __future__ import annotations

import asyncio
import logging
import time

import asyncpg

log = logging.getLogger(__name__)


class WebhookTenants:
    def __init__(self, pool: asyncpg.Pool, *, max_age_s: float = 60.0) -> None:
        self.pool = pool
        self.channel = ""
        self.max_age_s = max_age_s
        self._tenants: frozenset[str] | None = None
        self._loaded_at = 0.0
        self._generation = 0
        self._listener: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self.loads = 0

    @property
    def generation(self) -> int:
        """How many times the copy was dropped (a change was announced, or listening began)."""
        return self._generation

    def invalidate(self, *_: object) -> None:
        self._generation += 1
        self._tenants = None
        self._changed.set()

    async def changed_since(self, generation: int, timeout: float = 10.0) -> None:
        """Until a change after `generation` has been announced (for tests)."""
        async with asyncio.timeout(timeout):
            while self._generation <= generation:
                self._changed.clear()
                await self._changed.wait()

    def _listening(self) -> bool:
        conn = self._listener
        try:
            return conn is not None and not conn.is_closed()
        except asyncpg.InterfaceError:  # the pool took it back when the connection was lost
            return False

    async def _listen(self) -> None:
        if self._listener is not None:
            conn, self._listener = self._listener, None
            try:
                await self.pool.release(conn)
            except asyncpg.InterfaceError:
                pass
        conn = await self.pool.acquire()
        try:
            self.channel = f"mgov_systems_{await conn.fetchval('SELECT current_schema()')}"
            await conn.add_listener(self.channel, self.invalidate)
        except BaseException:
            await self.pool.release(conn)
            raise
        self._listener = conn
        self.invalidate()  # whatever changed while nobody listened

    async def has_webhooks(self, tenant: str) -> bool:
        """Whether `tenant` may have a webhook system (True whenever unsure)."""
        async with self._lock:
            if not self._listening():
                try:
                    await self._listen()
                except Exception as exc:  # noqa: BLE001 - unsure: every event takes the full path meanwhile
                    log.warning("cannot listen for system changes; fanning out every event", extra={"error": repr(exc)})
                    return True
            if self._tenants is None or time.monotonic() - self._loaded_at > self.max_age_s:
                generation = self._generation
                try:
                    rows = await self.pool.fetch(
                        "SELECT DISTINCT tenant_id FROM systems WHERE status = 'active' AND webhook_url IS NOT NULL")
                except Exception:  # noqa: BLE001 - unsure: the full path (which waits out a database that is away)
                    return True
                self.loads += 1
                tenants = frozenset(r["tenant_id"] for r in rows)
                if generation != self._generation:
                    return True  # a change arrived meanwhile: this copy may be old
                self._tenants, self._loaded_at = tenants, time.monotonic()
            return tenant in self._tenants

    async def close(self) -> None:
        if self._listener is not None:
            conn, self._listener = self._listener, None
            try:
                await conn.remove_listener(self.channel, self.invalidate)
                await self.pool.release(conn)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                pass
