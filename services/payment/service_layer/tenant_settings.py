"""Payment settings per tenant (merchant account, refunds), inherited down the tenant
tree, and who may see a tenant's money matters: its finance staff, or those of a tenant
above it (a city's finance staff see their counties')."""

from __future__ import annotations

from collections.abc import Sequence

from mgov_common.errors import NotFound
from mgov_common.principal import Principal
from services.payment.adapters.uow import UnitOfWork
from services.payment.domain import tenant_settings
from services.payment.domain.tenant_settings import PaymentSettings
from services.payment.service_layer.context import Context

FINANCE = "finance"


async def chain_ids(uow: UnitOfWork, tenant_id: str) -> list[str]:
    """The tenant and its ancestors, nearest first (just the tenant when not projected yet)."""
    return [n.id for n in await uow.tenants.chain(tenant_id)] or [tenant_id]


async def settings_for(ctx: Context, uow: UnitOfWork, tenant_id: str) -> PaymentSettings:
    ids = await chain_ids(uow, tenant_id)
    rows = await uow.orders.tenant_rows(ids)
    return tenant_settings.resolve([rows.get(t) for t in ids], ctx.default_merchant, ctx.refund_on)


async def configure(ctx: Context, tenant_id: str, merchant: str, refund_on: Sequence[str] | None) -> PaymentSettings:
    """Sets a tenant's merchant account and (unless None: inherited) its refund outcomes."""
    tenant_settings.check_merchant(merchant)
    outcomes = tenant_settings.check_refund_on(refund_on) if refund_on is not None else None
    async with ctx.uow() as uow:
        await uow.orders.put_tenant_settings(tenant_id, merchant, outcomes, ctx.clock.now())
        resolved = await settings_for(ctx, uow, tenant_id)
        await uow.commit()
    return resolved


async def require_finance(uow: UnitOfWork, principal: Principal, tenant_id: str) -> None:
    """NOT_FOUND unless the caller is finance staff of the tenant or of one above it: a
    tenant that is not the caller's is not told apart from one that does not exist."""
    held = principal.tenants_with(FINANCE)
    if not held or not held & set(await chain_ids(uow, tenant_id)):
        raise NotFound("no such tenant among yours", code="tenant_not_found")
