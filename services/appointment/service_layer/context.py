"""What the use cases need, built once by `bootstrap` (or by a test with its own clock)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg

from mgov_common.clock import Clock
from mgov_common.errors import PermissionDenied
from mgov_common.principal import Principal
from services.appointment.adapters.uow import UnitOfWork

# Who works a hall's desk (check-in, calling tickets): staff of the hall's own tenant.
DESK_ROLES = frozenset({"clerk", "supervisor", "tenant_admin"})
# Who maintains halls and slots: the tenant's administrators, or those of a tenant above.
ADMIN_ROLES = frozenset({"tenant_admin", "province_admin"})


class QueueUpdates(Protocol):
    async def publish(self, updates: list[dict[str, Any]]) -> None: ...


class Cases(Protocol):
    async def applicant_of(self, case_id: str, token: str | None) -> str | None: ...


class _NoCases:
    """Without the workflow service no case can be shown to be the caller's: links are refused."""

    async def applicant_of(self, case_id: str, token: str | None) -> str | None:
        return None


class _NoLive:
    async def publish(self, updates: list[dict[str, Any]]) -> None:
        return None


@dataclass
class Context:
    pool: asyncpg.Pool
    clock: Clock
    live: QueueUpdates = field(default_factory=_NoLive)
    cases: Cases = field(default_factory=_NoCases)

    def uow(self, *, begin: bool = True) -> UnitOfWork:
        return UnitOfWork(self.pool, begin=begin)


async def require_admin(uow: UnitOfWork, principal: Principal, tenant_id: str) -> None:
    chain = [t.id for t in await uow.tenants.chain(tenant_id)] or [tenant_id]
    if not any(principal.roles_in(t) & ADMIN_ROLES for t in chain):
        raise PermissionDenied(f"only an administrator of {tenant_id} may change its halls", code="not_hall_admin")


def person(principal: Principal) -> Principal:
    """Bookings belong to people: a tenant system or platform service is refused."""
    if not principal.is_person:
        raise PermissionDenied("only a signed-in person may book, not a system or service", code="user_only")
    return principal


def require_desk(principal: Principal, tenant_id: str) -> None:
    """Staff of the hall's own tenant: another tenant's staff never touch its bookings."""
    if not principal.roles_in(tenant_id) & DESK_ROLES:
        raise PermissionDenied(f"only staff of {tenant_id} work this hall's desk", code="not_hall_staff")
