"""Tenant administration of the workflow service: definitions, holiday calendars, settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from mgov_common.errors import Conflict, FieldViolation, InvalidArgument, NotFound, PermissionDenied, StaleVersion
from mgov_common.principal import Principal
from services.workflow.adapters.uow import UnitOfWork
from services.workflow.domain import access, definition
from services.workflow.domain.application import Actor
from services.workflow.domain.case_number import PREFIX_RE
from services.workflow.domain.definition import Definition
from services.workflow.domain.events import calendar_event
from services.workflow.domain.roles import ADMIN_ROLES
from services.workflow.service_layer import timers
from services.workflow.service_layer.context import Context, calendar_for, tree_of


@dataclass
class DefinitionView:
    definition: Definition
    created_at: datetime | None
    created_by: Actor | None


@dataclass
class CalendarView:
    tenant_id: str
    year: int
    days: list[tuple[date, bool, str]]
    updated_at: datetime | None


@dataclass
class SettingsView:
    tenant_id: str
    case_prefix: str | None
    rectification_days: int | None
    effective_case_prefix: str
    effective_rectification_days: int
    phone_reports_per_day: int | None = None
    effective_phone_reports_per_day: int = 0


def _require_admin(principal: Principal, tenant: str, tree: access.TenantTree) -> None:
    if not access.staff_roles_in(principal, tenant, tree) & ADMIN_ROLES:
        raise PermissionDenied(f"this needs the tenant_admin role of {tenant} (or province_admin)", code="role_not_allowed")


async def save_definition(ctx: Context, principal: Principal, tenant_id: str, draft: Definition, expected_version: int) -> DefinitionView:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        _require_admin(principal, tenant_id, tree)
        definition.validate(draft)
        latest = await uow.definitions.latest_version(tenant_id, draft.id)
        if expected_version == 0 and latest:
            raise Conflict(f"workflow {draft.id!r} already exists (version {latest}); send the version you are replacing (If-Match)",
                           code="definition_exists")
        if expected_version and expected_version != latest:
            raise StaleVersion(f"workflow {draft.id!r} is at version {latest}, not {expected_version}", code="stale_version")
        ancestors = tree.ancestors(tenant_id)[1:]
        parent = await uow.definitions.effective(ancestors, draft.id) if ancestors else None
        saved = Definition(draft.id, tenant_id, latest + 1, draft.name, draft.start_state, draft.states, draft.actions,
                           parent.tenant_id if parent else "")
        actor = access.actor_of(principal)
        try:
            await uow.definitions.add(saved, actor, now)
        except asyncpg.UniqueViolationError:
            raise StaleVersion(f"workflow {draft.id!r} was saved concurrently; reload it", code="stale_version") from None
        await uow.commit()
    ctx.cache.clear()
    return DefinitionView(saved, now, actor)


async def get_definition(ctx: Context, tenant_id: str, definition_id: str, version: int) -> DefinitionView:
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        found = await uow.definitions.effective(tree.ancestors(tenant_id), definition_id)
        if found is None:
            raise NotFound(f"no workflow {definition_id!r} for {tenant_id}", code="definition_not_found")
        if version and version != found.version:
            found = await uow.definitions.get(found.tenant_id, definition_id, version)
        meta = await uow.definitions.created(found.tenant_id, definition_id, found.version)
    return DefinitionView(found, *(meta or (None, None)))


async def set_calendar(ctx: Context, principal: Principal, tenant_id: str, year: int, days: list[tuple[str, bool, str]]) -> CalendarView:
    if not 2000 <= year <= 2100:
        raise InvalidArgument("year is between 2000 and 2100", code="out_of_range", field="year")
    parsed: list[tuple[date, bool, str]] = []
    seen: set[date] = set()
    bad: list[FieldViolation] = []
    for i, (raw, working, name) in enumerate(days):
        try:
            d = date.fromisoformat(raw)
        except ValueError:
            bad.append(FieldViolation(f"days[{i}].date", "format", "a date is YYYY-MM-DD"))
            continue
        if d.year != year:
            bad.append(FieldViolation(f"days[{i}].date", "outside_year", f"{raw} is not in {year}"))
        elif d in seen:
            bad.append(FieldViolation(f"days[{i}].date", "duplicate", f"{raw} is listed twice"))
        seen.add(d)
        parsed.append((d, working, (name or "")[:100]))
    if bad:
        raise InvalidArgument(f"invalid calendar: {bad[0].description}", code="invalid_calendar", violations=bad)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        _require_admin(principal, tenant_id, tree)
        await uow.reference.replace_year(tenant_id, year, parsed, now)
        uow.record(calendar_event(tenant_id, year, parsed, now))
        ctx.cache.clear()
        await rederive_open_cases(ctx, uow, tree, tree.subtree(tenant_id))
        await uow.commit()
    ctx.cache.clear()
    return await get_calendar(ctx, tenant_id, year)


async def rederive_open_cases(ctx: Context, uow: UnitOfWork, tree: access.TenantTree, tenants: list[str]) -> int:
    """Due times and timers of running cases follow a changed calendar (same budgets)."""
    ids = await uow.applications.open_in(tenants)
    for app_id in ids:
        app = await uow.applications.get(app_id, for_update=True)
        if app is None or app.terminal:
            continue
        await timers.fire_overdue(uow, app.id, ctx.clock.now())  # due under the calendar in force until now
        cal = await calendar_for(uow, tree, app.tenant_id, ctx)
        app.rederive(cal)
        await uow.applications.save(app, app.version)
        await uow.applications.sync_timers(app.id, app.clocks.timers(cal, app.status, app.terminal))
    return len(ids)


async def get_calendar(ctx: Context, tenant_id: str, year: int) -> CalendarView:
    if not 2000 <= year <= 2100:
        raise InvalidArgument("year is between 2000 and 2100", code="out_of_range", field="year")
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        chain = tree.ancestors(tenant_id)
        rows = await uow.reference.calendar_days(chain, year)
        updated = None
        for t in chain:
            updated = updated or await uow.reference.year_updated(t, year)
    rank = {t: i for i, t in enumerate(chain)}
    best: dict[date, tuple[int, bool, str]] = {}
    for tenant, d, working, name in rows:
        if d not in best or rank[tenant] < best[d][0]:
            best[d] = (rank[tenant], working, name)
    return CalendarView(tenant_id, year, sorted((d, w, n) for d, (_, w, n) in best.items()), updated)


async def get_settings(ctx: Context, tenant_id: str) -> SettingsView:
    from services.workflow.service_layer.applications import case_prefix
    from services.workflow.service_layer.ratings import rectification_days
    from services.workflow.service_layer.report_quota import daily_limit

    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        own = (await uow.reference.settings_chain([tenant_id])).get(tenant_id, {})
        return SettingsView(tenant_id, own.get("case_prefix"), own.get("rectification_days"),
                            await case_prefix(uow, tree, tenant_id), await rectification_days(uow, tree, tenant_id),
                            own.get("phone_reports_per_day"), await daily_limit(uow, tree.ancestors(tenant_id)))


async def put_settings(ctx: Context, principal: Principal, tenant_id: str, case_prefix: str | None, rectification_days: int | None,
                       phone_reports_per_day: int | None = None) -> SettingsView:
    if case_prefix is not None and not PREFIX_RE.fullmatch(case_prefix):
        raise InvalidArgument("a case-number prefix is 1 to 6 capital letters", code="pattern", field="case_number_prefix")
    if rectification_days is not None and not 1 <= rectification_days <= 60:
        raise InvalidArgument("a rectification deadline is 1 to 60 working days", code="out_of_range", field="rectification_days")
    if phone_reports_per_day is not None and not 1 <= phone_reports_per_day <= 1000:
        raise InvalidArgument("reports per phone a day are 1 to 1000", code="out_of_range", field="phone_reports_per_day")
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        _require_admin(principal, tenant_id, tree)
        await uow.reference.put_settings(tenant_id, case_prefix, rectification_days, ctx.clock.now(), phone_reports_per_day)
        await uow.commit()
    ctx.cache.clear()
    return await get_settings(ctx, tenant_id)
