"""What the insight use cases share, and who may read a tenant's figures.

A tenant's figures are read by its administrators and supervisors, and by those of any
tenant above it (a city's admin sees its counties; a province admin, everything). Anyone
else, including the staff of a sibling tenant, is told the tenant does not exist
(NOT_FOUND): the figures of a tenant one may not see are not even confirmed to exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from mgov_common.clock import Clock
from mgov_common.errors import NotFound, PermissionDenied
from mgov_common.paging import PageTokens
from mgov_common.principal import Principal
from services.insight.adapters.uow import UnitOfWork

READ_ROLES = frozenset({"tenant_admin", "province_admin", "supervisor"})
ADMIN_ROLES = frozenset({"tenant_admin", "province_admin"})


class Actions(Protocol):
    """The owning services' calls an action makes, with the caller's token."""

    async def retire_item(self, item_id: str, reason: str, token: str | None) -> None: ...

    async def disable_account(self, tenant_id: str, user_id: str, reason: str, token: str | None) -> None: ...

    async def revoke_system(self, tenant_id: str, system_id: str, token: str | None) -> None: ...


@dataclass
class Context:
    pool: asyncpg.Pool
    clock: Clock
    pages: PageTokens
    actions: Any = None

    def uow(self, *, begin: bool = True) -> UnitOfWork:
        return UnitOfWork(self.pool, begin=begin, clock=self.clock)


async def visible_subtree(uow: UnitOfWork, principal: Principal, tenant_id: str, roles: frozenset[str] = READ_ROLES) -> list[str]:
    """The tenant and those below it, when `principal` holds one of `roles` in the tenant
    or a tenant above it; NOT_FOUND otherwise (unknown and invisible look the same)."""
    chain = [t.id for t in await uow.tenants.chain(tenant_id)]
    if not chain or not any(principal.roles_in(t) & roles for t in chain):
        raise NotFound(f"no tenant {tenant_id!r}", code="tenant_not_found")
    return await uow.tenants.subtree(tenant_id)


async def require_admin(uow: UnitOfWork, principal: Principal, tenant_id: str) -> list[str]:
    """As `visible_subtree`, for administrators only (a supervisor who can see is refused)."""
    tree = await visible_subtree(uow, principal, tenant_id)
    chain = [t.id for t in await uow.tenants.chain(tenant_id)]
    if not any(principal.roles_in(t) & ADMIN_ROLES for t in chain):
        raise PermissionDenied(f"only an administrator of {tenant_id} may do this", code="not_tenant_admin")
    return tree
