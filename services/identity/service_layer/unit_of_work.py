"""Identity's unit of work: the shared one (`mgov_common.uow`) with identity's
repositories, and its audit entries appended to the hash chain in the same transaction.

    async with uow_factory() as uow:
        ...change entities through uow.tenants / uow.users / ...
        uow.audit(entry)
        await uow.commit()

Commit writes the events of the tenants seen in this unit (and those given to `record`,
e.g. about sign-in attempts) to the outbox, appends the
buffered audit entries, then commits: the state change, its events and its audit rows
exist together or not at all. Leaving the block without committing rolls all back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from mgov_common.uow import HasEvents
from mgov_common.uow import UnitOfWork as BaseUnitOfWork
from services.identity.adapters.audit_log import AuditLog
from services.identity.adapters.crypto import FieldCipher, Lookup
from services.identity.adapters.invitation_repository import InvitationRepository
from services.identity.adapters.registration_repository import RegistrationRepository
from services.identity.adapters.session_repository import LockoutRepository, SessionRepository
from services.identity.adapters.signing_keys import SigningKeyRepository
from services.identity.adapters.system_repository import SystemRepository
from services.identity.adapters.tenant_repository import TenantRepository
from services.identity.adapters.user_repository import UserRepository
from services.identity.domain.audit import AuditEntry


@dataclass(frozen=True)
class Crypto:
    cipher: FieldCipher
    lookup: Lookup
    audit_key: bytes


class UnitOfWork(BaseUnitOfWork):
    service = "identity"
    tenants: TenantRepository
    users: UserRepository
    sessions: SessionRepository
    lockouts: LockoutRepository
    keys: SigningKeyRepository
    systems: SystemRepository
    registrations: RegistrationRepository
    invitations: InvitationRepository

    def __init__(self, pool: asyncpg.Pool, crypto: Crypto, clock: Callable[[], datetime]) -> None:
        super().__init__(pool)
        self._crypto = crypto
        self._clock = clock
        self._audit: list[tuple[datetime, AuditEntry]] = []

    def bind(self, conn: asyncpg.Connection) -> None:
        c = self._crypto
        self._audit = []
        self.tenants = TenantRepository(conn)
        self.users = UserRepository(conn, c.cipher, c.lookup)
        self.sessions = SessionRepository(conn)
        self.lockouts = LockoutRepository(conn)
        self.keys = SigningKeyRepository(conn, c.cipher)
        self.systems = SystemRepository(conn)
        self.registrations = RegistrationRepository(conn, c.cipher, c.lookup)
        self.invitations = InvitationRepository(conn)

    def aggregates(self) -> Iterable[HasEvents]:
        return self.tenants.seen

    def audit(self, entry: AuditEntry) -> None:
        """Buffer a security event; it is chained and written by `commit()`."""
        self._audit.append((self._clock(), entry))

    async def before_commit(self) -> None:
        # Last before COMMIT: the chain's lock is held only for these statements.
        await AuditLog(self.conn, self._crypto.audit_key).append(self._audit)
        self._audit.clear()


UowFactory = Callable[[], UnitOfWork]
