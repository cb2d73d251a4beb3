"""The unit of work: one connection, one transaction, the repositories on it.

    async with uow_factory() as uow:
        ...change entities through uow.tenants / uow.users / ...
        uow.audit(entry)
        await uow.commit()

`commit()` turns the events recorded by tenants seen in this unit into CloudEvents in
the outbox, appends the buffered audit entries to the hash chain, then commits, so the
state change, its events and its audit rows exist together or not at all. Leaving the
block without committing rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

import asyncpg

from mgov_common.events import outbox
from mgov_common.events.envelope import CloudEvent
from services.identity.adapters.audit_log import AuditLog
from services.identity.adapters.crypto import FieldCipher, Lookup
from services.identity.adapters.registration_repository import RegistrationRepository
from services.identity.adapters.session_repository import LockoutRepository, SessionRepository
from services.identity.adapters.signing_keys import SigningKeyRepository
from services.identity.adapters.system_repository import SystemRepository
from services.identity.adapters.tenant_repository import TenantRepository
from services.identity.adapters.user_repository import UserRepository
from services.identity.domain.audit import AuditEntry
from services.identity.domain.events import DomainEvent

SERVICE = "identity"


def to_cloud_event(event: DomainEvent) -> CloudEvent:
    return CloudEvent.new(service=SERVICE, entity="tenant", verb=event.verb, tenant=event.tenant_id,
                          subject=event.tenant_id, data=event.data)


@dataclass(frozen=True)
class Crypto:
    cipher: FieldCipher
    lookup: Lookup
    audit_key: bytes


class UnitOfWork:
    tenants: TenantRepository
    users: UserRepository
    sessions: SessionRepository
    lockouts: LockoutRepository
    keys: SigningKeyRepository
    systems: SystemRepository
    registrations: RegistrationRepository

    def __init__(self, pool: asyncpg.Pool, crypto: Crypto, clock: Callable[[], datetime]) -> None:
        self._pool = pool
        self._crypto = crypto
        self._clock = clock
        self._conn: asyncpg.Connection | None = None
        self._tx: asyncpg.transaction.Transaction | None = None
        self._audit: list[tuple[datetime, AuditEntry]] = []
        self.committed = False

    @property
    def conn(self) -> asyncpg.Connection:
        assert self._conn is not None, "use the unit of work inside `async with`"
        return self._conn

    async def __aenter__(self) -> "UnitOfWork":
        self._conn = await self._pool.acquire()
        try:
            self._tx = self._conn.transaction()
            await self._tx.start()
        except BaseException:
            await self._pool.release(self._conn)
            raise
        c = self._crypto
        self.tenants = TenantRepository(self._conn)
        self.users = UserRepository(self._conn, c.cipher, c.lookup)
        self.sessions = SessionRepository(self._conn)
        self.lockouts = LockoutRepository(self._conn)
        self.keys = SigningKeyRepository(self._conn, c.cipher)
        self.systems = SystemRepository(self._conn)
        self.registrations = RegistrationRepository(self._conn, c.cipher, c.lookup)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._conn is not None and self._tx is not None
        try:
            if not self.committed:
                await self._tx.rollback()
        finally:
            await self._pool.release(self._conn)
            self._conn = None

    def audit(self, entry: AuditEntry) -> None:
        """Buffer a security event; it is chained and written by `commit()`."""
        self._audit.append((self._clock(), entry))

    def collect_events(self) -> list[DomainEvent]:
        events: list[DomainEvent] = []
        for tenant in self.tenants.seen:
            events.extend(tenant.events)
            tenant.events.clear()
        return events

    async def commit(self) -> None:
        assert self._tx is not None
        events = self.collect_events()
        if events:
            await outbox.record(self.conn, *(to_cloud_event(e) for e in events))
        # Last before COMMIT: the chain's lock is held only for these statements.
        await AuditLog(self.conn, self._crypto.audit_key).append(self._audit)
        self._audit.clear()
        await self._tx.commit()
        self.committed = True


UowFactory = Callable[[], UnitOfWork]
