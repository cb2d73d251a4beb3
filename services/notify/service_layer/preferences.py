"""The caller's own preferences (no row = the defaults)."""

from __future__ import annotations

from mgov_common.errors import FieldViolation, InvalidArgument
from mgov_common.principal import Principal
from services.notify.adapters.uow import UnitOfWork
from services.notify.domain import preferences as domain
from services.notify.service_layer.context import Context


async def get(ctx: Context, p: Principal) -> domain.Preferences:
    async with UnitOfWork(ctx.pool) as uow:
        return await uow.preferences.get(p.subject)


async def replace(ctx: Context, p: Principal, *, channels: list[tuple[str, str, bool]], quiet_enabled: bool, quiet_start: str,
                  quiet_end: str, locale: str, time_zone: str, notice_tenants: list[str]) -> domain.Preferences:
    prefs = domain.build(p.subject, channels=channels, quiet_enabled=quiet_enabled, quiet_start=quiet_start, quiet_end=quiet_end,
                         locale=locale, time_zone=time_zone, notice_tenants=notice_tenants)
    async with UnitOfWork(ctx.pool) as uow:
        unknown = [i for i, t in enumerate(prefs.notice_tenants) if not await uow.tenants.chain(t)]
        if unknown:
            raise InvalidArgument("unknown tenant", code="unknown_tenant",
                                  violations=[FieldViolation(f"notice_tenant_ids[{i}]", "unknown_tenant", "no such tenant") for i in unknown])
        await uow.preferences.put(prefs, ctx.clock.now())
        await uow.commit()
    return prefs
