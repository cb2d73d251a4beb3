"""The unit of work: one connection, one transaction, events into the outbox on commit.

Handlers read `async with uow: ...; await uow.commit()`. Commit gathers the events the
aggregates recorded, writes them to the outbox in the same transaction and commits;
leaving the block without committing rolls everything back.
"""

from __future__ import annotations

from types import TracebackType

import asyncpg
from asyncpg.transaction import Transaction

from mgov_common.events import outbox
from mgov_common.events.envelope import CloudEvent
from services.workflow.adapters.applications import ApplicationRepository
from services.workflow.adapters.definitions import DefinitionRepository
from services.workflow.adapters.reference import ReferenceRepository
from services.workflow.adapters.tasks import MaterialRepository, TaskRepository
from services.workflow.domain.events import DomainEvent

SERVICE = "workflow"


def to_cloud_event(event: DomainEvent) -> CloudEvent:
    return CloudEvent.new(service=SERVICE, entity=event.entity, verb=event.verb, tenant=event.tenant_id, subject=event.subject, data=event.data)


class UnitOfWork:
    conn: asyncpg.Connection
    applications: ApplicationRepository
    definitions: DefinitionRepository
    reference: ReferenceRepository
    tasks: TaskRepository
    materials: MaterialRepository

    def __init__(self, pool: asyncpg.Pool, *, lazy: bool = False) -> None:
        """`lazy`: reads run before the transaction, which starts at `begin()` (fewer round
        trips on the hot path, and a statement of its own in between where needed)."""
        self.pool = pool
        self.lazy = lazy
        self._tx: Transaction | None = None
        self.committed = False

    def _bind(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.definitions = DefinitionRepository(conn)
        self.applications = ApplicationRepository(conn, self.definitions)
        self.reference = ReferenceRepository(conn)
        self.tasks = TaskRepository(conn)
        self.materials = MaterialRepository(conn)

    async def __aenter__(self) -> "UnitOfWork":
        conn = await self.pool.acquire()
        self._bind(conn)
        self.committed = False
        if not self.lazy:
            try:
                await self.begin()
            except BaseException:
                await self.pool.release(conn)
                raise
        return self

    async def begin(self) -> None:
        self._tx = self.conn.transaction()
        await self._tx.start()

    def record(self, *events: DomainEvent) -> None:
        self.tasks.pending.extend(events)

    async def commit(self) -> None:
        assert self._tx is not None, "commit outside the unit of work"
        events = self.applications.collect_events() + self.tasks.collect_events()
        if events:
            await outbox.record(self.conn, *(to_cloud_event(e) for e in events))
        await self._tx.commit()
        self.committed = True

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if self._tx is not None and not self.committed:
                await self._tx.rollback()
        finally:
            await self.pool.release(self.conn)
            self._tx = None


class ConnectionUnitOfWork(UnitOfWork):
    """A unit of work on a connection already inside a transaction (event consumers):
    commit only writes the outbox; the consumer commits."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__(pool=None)  # type: ignore[arg-type]
        self._bind(conn)

    async def __aenter__(self) -> "UnitOfWork":
        return self

    async def commit(self) -> None:
        events = self.applications.collect_events() + self.tasks.collect_events()
        if events:
            await outbox.record(self.conn, *(to_cloud_event(e) for e in events))
        self.committed = True

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        return None
