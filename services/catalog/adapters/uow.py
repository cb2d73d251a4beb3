"""The unit of work: one connection, one transaction, events into the outbox on commit.

Handlers read as `async with uow: ...; await uow.commit()`. Commit gathers the domain
events the aggregates recorded, writes them to the outbox in the same transaction
(`mgov_common.events.outbox.record`) and commits; leaving the block without committing
rolls everything back. `read_only=True` skips the transaction for plain reads (one
statement each), which keeps the public list at one round trip.
"""

from __future__ import annotations

from types import TracebackType

import asyncpg
from asyncpg.transaction import Transaction

from mgov_common.events import outbox
from mgov_common.events.envelope import CloudEvent
from services.catalog.adapters.items import ItemRepository
from services.catalog.adapters.notices import IdempotencyRepository, NoticeRepository, OptOutRepository
from services.catalog.adapters.tenants import TenantRepository
from services.catalog.domain.events import DomainEvent

SERVICE = "catalog"


def to_cloud_event(event: DomainEvent) -> CloudEvent:
    return CloudEvent.new(service=SERVICE, entity=event.entity, verb=event.verb, tenant=event.tenant_id, subject=event.subject, data=event.data)


class UnitOfWork:
    items: ItemRepository
    tenants: TenantRepository
    notices: NoticeRepository
    opt_outs: OptOutRepository
    keys: IdempotencyRepository

    def __init__(self, pool: asyncpg.Pool, *, read_only: bool = False) -> None:
        self.pool = pool
        self.read_only = read_only
        self._conn: asyncpg.Connection | None = None
        self._tx: Transaction | None = None
        self.committed = False

    async def __aenter__(self) -> "UnitOfWork":
        conn = await self.pool.acquire()
        try:
            if not self.read_only:
                self._tx = conn.transaction()
                await self._tx.start()
        except BaseException:
            await self.pool.release(conn)
            raise
        self._conn = conn
        self.items, self.tenants = ItemRepository(conn), TenantRepository(conn)
        self.notices, self.opt_outs, self.keys = NoticeRepository(conn), OptOutRepository(conn), IdempotencyRepository(conn)
        self.committed = False
        return self

    async def lock(self, name: str) -> None:
        """A transaction-scoped advisory lock: concurrent holders of `name` run one after another."""
        assert self._conn is not None and self._tx is not None
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", name)

    async def commit(self) -> None:
        assert self._conn is not None and self._tx is not None, "commit needs a writing unit of work"
        events = self.items.collect_events() + self.notices.collect_events()
        if events:
            await outbox.record(self._conn, *(to_cloud_event(e) for e in events))
        await self._tx.commit()
        self.committed = True

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._conn is not None
        try:
            if self._tx is not None and not self.committed:
                await self._tx.rollback()
        finally:
            await self.pool.release(self._conn)
            self._conn = self._tx = None
