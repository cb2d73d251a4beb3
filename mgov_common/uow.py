"""The unit of work every service uses: one connection, one transaction, and the domain
events of the change written to the service's outbox in that same transaction.

    async with uow:
        ...change aggregates through uow.<repository>...
        uow.record(event)            # or aggregates collect their own `events`
        await uow.commit()

`commit()` writes the buffered events (and those the loaded aggregates recorded) to the
outbox, runs `before_commit()` (identity appends its audit chain there), then commits.
Leaving the block without `commit()` — normally or by an exception — rolls everything
back, events included: a change and its events exist together or not at all.

A service's own class only says which repositories it has (`bind`) and where its
aggregates are (`aggregates`). Two variants of the same object:

- `begin=False`: the connection is taken but the transaction waits for `await
  uow.begin()`; plain reads before it run as single statements (one round trip each).
  A unit that never begins is a reader, and `commit()` refuses it.
- `Uow.joining(conn)`: on a connection already inside someone else's transaction (an
  event consumer's); `commit()` writes the outbox rows and the owner commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import ClassVar, Protocol, Self

import asyncpg
from asyncpg.transaction import Transaction

from mgov_common.clock import Clock
from mgov_common.events import outbox
from mgov_common.events.domain import DomainEvent
from mgov_common.events.envelope import CloudEvent


class HasEvents(Protocol):
    events: list[DomainEvent]


def to_cloud_event(service: str, event: DomainEvent, clock: Clock | None = None) -> CloudEvent:
    """The one mapping from a domain event to the CloudEvent in the outbox: `time` is the
    event's own when it has one, else the service's clock's (a demo platform's moved clock)
    when it has one, else the system's."""
    return CloudEvent.new(service=service, entity=event.entity, verb=event.verb, tenant=event.tenant_id,
                          subject=event.subject, data=event.data,
                          time=event.time or (clock.now() if clock is not None else None))


class UnitOfWork:
    service: ClassVar[str]  # the CloudEvent source: mgov/<service>

    def __init__(self, pool: asyncpg.Pool | None, *, begin: bool = True, clock: Clock | None = None) -> None:
        self.pool = pool
        # Stamps the events' `time`: the service's own clock (it follows the demo clock in demo mode).
        self.clock = clock
        self._begin_on_enter = begin
        self._conn: asyncpg.Connection | None = None
        self._tx: Transaction | None = None
        self._joined = False
        self._events: list[DomainEvent] = []
        self.committed = False

    @classmethod
    def joining(cls, conn: asyncpg.Connection, *args: object, **kwargs: object) -> Self:
        """A unit of work inside the transaction already open on `conn` (the caller commits)."""
        if not conn.is_in_transaction():
            raise RuntimeError("joining needs a connection inside a transaction")
        uow = cls(None, *args, **kwargs)  # type: ignore[arg-type]
        uow._joined = True
        uow._conn = conn
        uow.bind(conn)
        return uow

    # -- what a service's own class adds
    def bind(self, conn: asyncpg.Connection) -> None:
        """Create the service's repositories on `conn`."""

    def aggregates(self) -> Iterable[HasEvents]:
        """The aggregates loaded in this unit whose recorded `events` commit publishes."""
        return ()

    async def before_commit(self) -> None:
        """Last statements of the transaction (after the outbox rows)."""

    # -- the unit itself
    @property
    def conn(self) -> asyncpg.Connection:
        assert self._conn is not None, "use the unit of work inside `async with`"
        return self._conn

    async def __aenter__(self) -> Self:
        if self._joined:
            return self
        assert self.pool is not None
        conn = await self.pool.acquire()
        self._conn, self._tx, self.committed = conn, None, False
        self._events.clear()
        try:
            self.bind(conn)
            if self._begin_on_enter:
                await self.begin()
        except BaseException:
            await self.pool.release(conn)
            self._conn = None
            raise
        return self

    async def begin(self) -> None:
        """Start the transaction (at entry unless the unit was made with `begin=False`)."""
        if self._joined:
            return
        assert self._tx is None, "the transaction has already begun"
        self._tx = self.conn.transaction()
        await self._tx.start()

    async def lock(self, name: str) -> None:
        """A transaction-scoped advisory lock: concurrent holders of `name` run one after another."""
        assert self._tx is not None or self._joined, "a lock needs the transaction"
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", name)

    def record(self, *events: DomainEvent) -> None:
        """Buffer events that belong to no aggregate; they are written by `commit()`."""
        self._events.extend(events)

    def collect_events(self) -> list[DomainEvent]:
        """The buffered events and those the loaded aggregates recorded (taking them)."""
        events, self._events = self._events, []
        for aggregate in self.aggregates():
            events += aggregate.events
            aggregate.events = []
        return events

    async def commit(self) -> None:
        if self._tx is None and not self._joined:
            raise RuntimeError("commit needs a transaction: this unit of work never began one")
        events = self.collect_events()
        if events:
            await outbox.record(self.conn, *(to_cloud_event(self.service, e, self.clock) for e in events))
        await self.before_commit()
        if self._tx is not None:
            await self._tx.commit()
        self.committed = True

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._joined:
            self._events.clear()  # not committed: the owner's transaction decides the rest
            return
        assert self.pool is not None and self._conn is not None
        try:
            if self._tx is not None and not self.committed:
                await self._tx.rollback()
        finally:
            await self.pool.release(self._conn)
            self._conn = self._tx = None
            self._events.clear()
