"""What the enforcement use cases need, built once by `bootstrap` (or by a test with its
own clock and fakes of the other services), and who may see what.

Visibility follows the tenant tree: a tenant's data is seen by enforcement staff of that
tenant or of a tenant above it (a city sees its counties'). Anyone else gets NOT_FOUND,
never a hint that the plan, subject or inspection exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from mgov_common.clock import Clock
from mgov_common.errors import NotFound, PermissionDenied
from mgov_common.principal import Principal
from mgov_common.working_days import WorkingCalendar, local_date
from services.enforcement.adapters.orders import CorrectionSms
from services.enforcement.adapters.uow import UnitOfWork

INSPECTOR = "inspector"
# Who plans and draws, redraws, and watches progress.
SUPERVISORS = frozenset({"supervisor", "tenant_admin", "province_admin"})
# Who sees a tenant's enforcement data at all.
ENFORCEMENT_STAFF = SUPERVISORS | {INSPECTOR}


@dataclass
class Context:
    pool: asyncpg.Pool
    clock: Clock
    # 一公开: a plan's results are published within this many working days of its last inspection.
    publish_within_days: int = 20
    # The way to a subject's phone for orders to correct (notify); None: they wait unsent.
    sms: CorrectionSms | None = None

    def uow(self, *, begin: bool = True) -> UnitOfWork:
        return UnitOfWork(self.pool, begin=begin)

    def today(self) -> date:
        return local_date(self.clock.now())


async def calendar_of(ctx: Context, uow: UnitOfWork, tenant_id: str) -> WorkingCalendar:
    """The tenant's working calendar (holidays and 调休, from the workflow service's
    calendars, inherited up the tenant tree) around today: every deadline counted in
    working days uses it."""
    return await uow.calendars.of_tenant(tenant_id, ctx.today())


async def chain_ids(uow: UnitOfWork, tenant_id: str) -> list[str]:
    return [t.id for t in await uow.tenants.chain(tenant_id)] or [tenant_id]


async def visible(uow: UnitOfWork, principal: Principal, tenant_id: str, what: str, roles: frozenset[str] = ENFORCEMENT_STAFF) -> None:
    """NOT_FOUND unless `principal` holds one of `roles` in `tenant_id` or a tenant above it."""
    if not principal.is_person or not any(principal.roles_in(t) & roles for t in await chain_ids(uow, tenant_id)):
        raise NotFound(f"no such {what}", code="not_found")


async def require_supervisor(uow: UnitOfWork, principal: Principal, tenant_id: str) -> None:
    await visible(uow, principal, tenant_id, "tenant")
    if not any(principal.roles_in(t) & SUPERVISORS for t in await chain_ids(uow, tenant_id)):
        raise PermissionDenied(f"only a supervisor or administrator of {tenant_id} may do this", code="not_supervisor")


async def scope(uow: UnitOfWork, principal: Principal, tenant_id: str) -> list[str]:
    """The tenants a listing of `tenant_id` covers: it and every tenant below it."""
    await visible(uow, principal, tenant_id, "tenant")
    return await uow.tenants.subtree(tenant_id) or [tenant_id]
