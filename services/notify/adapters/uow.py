"""The unit of work: one connection, one transaction, the repositories on it, and the
service's own events written to the outbox in that transaction.

`async with UnitOfWork(pool) as repos:` commits when the block ends normally and rolls
back on an exception. Event handlers run inside the consumer's transaction and use
`Repos(conn)` directly (the consumer commits).
"""

from __future__ import annotations

from types import TracebackType

import asyncpg
from asyncpg.transaction import Transaction

from mgov_common.events import outbox
from mgov_common.events.envelope import CloudEvent
from services.notify.adapters.deliveries import DeliveryRepository
from services.notify.adapters.devices import DeviceRepository
from services.notify.adapters.inbox import InboxRepository
from services.notify.adapters.invitations import InvitationRepository
from services.notify.adapters.preferences import PreferenceRepository
from services.notify.adapters.templates import TemplateRepository
from services.notify.adapters.tenants import TenantRepository
from services.notify.domain.events import DeliveryEvent

SERVICE = "notify"


def to_cloud_event(event: DeliveryEvent) -> CloudEvent:
    return CloudEvent.new(service=SERVICE, entity="notification", verb=event.verb, tenant=event.tenant_id, subject=event.subject,
                          data=event.data)


class Repos:
    """Every repository over one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.tenants = TenantRepository(conn)
        self.templates = TemplateRepository(conn)
        self.preferences = PreferenceRepository(conn)
        self.inbox = InboxRepository(conn)
        self.deliveries = DeliveryRepository(conn)
        self.devices = DeviceRepository(conn)
        self.invitations = InvitationRepository(conn)
        self.events: list[DeliveryEvent] = []

    def record(self, *events: DeliveryEvent) -> None:
        self.events.extend(events)

    async def flush_events(self) -> None:
        """Write the recorded events to the outbox (inside the caller's transaction)."""
        if self.events:
            await outbox.record(self.conn, *(to_cloud_event(e) for e in self.events))
            self.events.clear()


class UnitOfWork:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._conn: asyncpg.Connection | None = None
        self._tx: Transaction | None = None
        self.repos: Repos
        self.committed = False

    async def __aenter__(self) -> Repos:
        conn = await self.pool.acquire()
        try:
            self._tx = conn.transaction()
            await self._tx.start()
        except BaseException:
            await self.pool.release(conn)
            raise
        self._conn = conn
        self.repos = Repos(conn)
        return self.repos

    async def commit(self) -> None:
        assert self._tx is not None
        await self.repos.flush_events()
        await self._tx.commit()
        self.committed = True

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._conn is not None and self._tx is not None
        try:
            if exc_type is None and not self.committed:
                await self.commit()
            elif not self.committed:
                await self._tx.rollback()
        finally:
            await self.pool.release(self._conn)
            self._conn = self._tx = None
