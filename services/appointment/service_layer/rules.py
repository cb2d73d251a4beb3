"""A tenant's no-show rules: its own numbers (None inherits) and those in force."""

from __future__ import annotations

from dataclasses import dataclass

from mgov_common.errors import FieldViolation, InvalidArgument, NotFound
from mgov_common.principal import Principal
from services.appointment.domain.rules import NoShowRules
from services.appointment.service_layer.context import Context, require_admin

LIMITS = {"no_show_limit": (1, 100), "window_days": (1, 366), "block_days": (1, 366)}


@dataclass(frozen=True)
class RulesView:
    tenant_id: str
    own: dict[str, int | None]
    effective: NoShowRules


async def get_rules(ctx: Context, tenant_id: str) -> RulesView:
    async with ctx.uow(begin=False) as uow:
        chain = [t.id for t in await uow.tenants.chain(tenant_id)]
        if not chain:
            raise NotFound(f"no tenant {tenant_id!r}", code="tenant_not_found")
        rows = await uow.rules.chain(chain)
    own = next((r for r in rows if r["tenant_id"] == tenant_id), {})
    return RulesView(tenant_id, {k: own.get(k) for k in LIMITS}, NoShowRules.resolve(rows))


async def set_rules(ctx: Context, principal: Principal, tenant_id: str, values: dict[str, int]) -> RulesView:
    """`values`: 0 inherits; anything else must be within its range."""
    bad = [FieldViolation(f"rules.{k}", "out_of_range", f"0 (inherit) or {lo}..{hi}")
           for k, (lo, hi) in LIMITS.items() if values.get(k, 0) and not lo <= values[k] <= hi]
    if bad:
        raise InvalidArgument(f"invalid rules: {bad[0].field}", code="invalid_rules", violations=bad)
    async with ctx.uow() as uow:
        if not await uow.tenants.chain(tenant_id):
            raise NotFound(f"no tenant {tenant_id!r}", code="tenant_not_found")
        await require_admin(uow, principal, tenant_id)
        await uow.rules.put(tenant_id, *(values.get(k) or None for k in LIMITS))
        await uow.commit()
    return await get_rules(ctx, tenant_id)
