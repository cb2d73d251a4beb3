"""Funnel and quality figures per item and department, and the rankings of a tenant's
children. Reads only: a unit of work that never begins (each query its own statement)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mgov_common.errors import InvalidArgument, NotFound
from mgov_common.paging import fingerprint, integer, page_size, text
from mgov_common.principal import Principal
from mgov_common.working_days import local_date
from services.insight.adapters.queries import Figures
from services.insight.adapters.uow import UnitOfWork
from services.insight.domain import zombies as z
from services.insight.domain.quality import Quality, quality, score
from services.insight.service_layer.context import Context, visible_subtree

DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_DEPARTMENT = 100


@dataclass(frozen=True)
class Range:
    first: date
    last: date


def date_range(ctx: Context, from_date: str, to_date: str) -> Range:
    """Inclusive China dates; empty: the 30 days up to today."""
    try:
        last = date.fromisoformat(to_date) if to_date else local_date(ctx.clock.now())
    except ValueError:
        raise InvalidArgument("to_date must be YYYY-MM-DD", field="to_date", code="invalid_date") from None
    try:
        first = date.fromisoformat(from_date) if from_date else last - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise InvalidArgument("from_date must be YYYY-MM-DD", field="from_date", code="invalid_date") from None
    if first > last or (last - first).days >= MAX_DAYS:
        raise InvalidArgument(f"from_date must be on or before to_date, at most {MAX_DAYS} days apart", field="from_date",
                              code="invalid_range")
    return Range(first, last)


@dataclass(frozen=True)
class ItemRow:
    item_id: uuid.UUID
    tenant_id: str
    code: str
    name: dict[str, str]
    department: str
    quality: Quality


@dataclass(frozen=True)
class DepartmentRow:
    tenant_id: str
    department: str
    quality: Quality
    staffing: z.Staffing


@dataclass(frozen=True)
class DailyRow:
    day: date
    quality: Quality


@dataclass(frozen=True)
class RankingRow:
    rank: int
    tenant_id: str
    name: dict[str, str]
    level: str
    score: float
    quality: Quality


async def _scope(ctx: Context, principal: Principal, tenant_id: str, own_only: bool) -> list[str]:
    async with ctx.uow(begin=False) as uow:
        tree = await visible_subtree(uow, principal, tenant_id)
    return [tenant_id] if own_only else tree


def _department(name: str) -> str:
    if len(name) > MAX_DEPARTMENT:
        raise InvalidArgument(f"department is at most {MAX_DEPARTMENT} characters", field="department", code="invalid_department")
    return name


async def _item_rows(ctx: Context, figures: Figures, page: list[Any], r: Range) -> list[ItemRow]:
    ids = [x["id"] for x in page]
    sums = await figures.item_sums(ids, r.first, r.last)
    durations = await figures.item_durations(ids, r.first, r.last)
    rects = await figures.item_rectifications(ids, ctx.clock.now())
    return [ItemRow(x["id"], x["tenant_id"], x["code"], dict(x["name"]), x["department"],
                    quality(sums.get(x["id"], {}), durations.get(x["id"], []), *rects.get(x["id"], (0, 0)))) for x in page]


async def list_items(ctx: Context, principal: Principal, tenant_id: str, r: Range, size: int, token: str,
                     own_only: bool = False, department: str = "") -> tuple[list[ItemRow], str]:
    limit = page_size(size)
    department = _department(department)
    tenants = await _scope(ctx, principal, tenant_id, own_only)
    query = fingerprint("insight.items", tenant_id, r.first, r.last, own_only, department, principal.subject)
    pos = ctx.pages.decode(query, token, (text, uuid.UUID))
    async with ctx.uow(begin=False) as uow:
        figures = Figures(uow.conn)
        rows = await figures.items_page(tenants, pos, limit + 1, department)  # type: ignore[arg-type]
        page = rows[:limit]
        out = await _item_rows(ctx, figures, page, r)
    nxt = ctx.pages.encode(query, [page[-1]["tenant_id"], str(page[-1]["id"])]) if len(rows) > limit else ""
    return out, nxt


async def _department_rows(ctx: Context, uow: UnitOfWork, keys: list[tuple[str, str]], r: Range) -> list[DepartmentRow]:
    figures = Figures(uow.conn)
    sums = await figures.department_sums(keys, r.first, r.last)
    durations = await figures.department_durations(keys, r.first, r.last)
    rects = await figures.department_rectifications(keys, ctx.clock.now())
    staffing = await _staffing(uow, figures, keys)
    return [DepartmentRow(k[0], k[1], quality(sums.get(k, {}), durations.get(k, []), *rects.get(k, (0, 0))), staffing[k]) for k in keys]


async def _staffing(uow: UnitOfWork, figures: Figures, keys: list[tuple[str, str]]) -> dict[tuple[str, str], z.Staffing]:
    """Open cases and staff of each department, with the reach workflow gives a role (the
    case's tenant, or the province above it)."""
    if not keys:
        return {}
    nodes = await uow.tenants.all()  # one read, however many tenants the page spans
    parents = {n.id: n.parent_id for n in nodes}
    provinces = frozenset(n.id for n in nodes if n.level == "province")
    chains = {tenant: z.chain(tenant, parents) for tenant in {k[0] for k in keys}}
    bindings = sorted({f"{t}:{role}" for chain in chains.values() for t in chain[:1] + [p for p in chain if p in provinces]
                       for role in z.CASE_STAFF_ROLES})
    staff = await figures.staff_bindings(bindings) if bindings else []
    cases = await figures.open_cases(keys)
    return {k: z.staffing(cases.get(k, []), chains[k[0]], provinces, staff) for k in keys}


async def list_departments(ctx: Context, principal: Principal, tenant_id: str, r: Range, size: int, token: str,
                           own_only: bool = False, department: str = "") -> tuple[list[DepartmentRow], str]:
    limit = page_size(size)
    department = _department(department)
    tenants = await _scope(ctx, principal, tenant_id, own_only)
    query = fingerprint("insight.departments", tenant_id, r.first, r.last, own_only, department, principal.subject)
    pos = ctx.pages.decode(query, token, (text, text))
    async with ctx.uow(begin=False) as uow:
        figures = Figures(uow.conn)
        rows = await figures.departments_page(tenants, pos, limit + 1, department)  # type: ignore[arg-type]
        page = rows[:limit]
        keys = [(x["tenant_id"], x["department"]) for x in page]
        out = await _department_rows(ctx, uow, keys, r)
    nxt = ctx.pages.encode(query, list(keys[-1])) if len(rows) > limit else ""
    return out, nxt


async def get_department(ctx: Context, principal: Principal, tenant_id: str, department: str, r: Range) -> DepartmentRow:
    """A department of the tenant itself; NOT_FOUND when the tenant has no item in it."""
    if not department:
        raise InvalidArgument("department is required", field="department", code="invalid_department")
    rows, _ = await list_departments(ctx, principal, tenant_id, r, 1, "", own_only=True, department=department)
    if not rows:
        raise NotFound(f"no department {department!r} in {tenant_id}", code="department_not_found")
    return rows[0]


async def get_item(ctx: Context, principal: Principal, tenant_id: str, item_id: str, r: Range) -> ItemRow:
    """An item of the tenant's subtree; NOT_FOUND otherwise (another subtree's looks the same as none)."""
    try:
        key = uuid.UUID(item_id)
    except ValueError:
        raise InvalidArgument("item_id must be a UUID", field="item_id", code="invalid_item_id") from None
    tenants = await _scope(ctx, principal, tenant_id, False)
    async with ctx.uow(begin=False) as uow:
        figures = Figures(uow.conn)
        row = await figures.item(tenants, key)
        if row is None:
            raise NotFound(f"no item {item_id} under {tenant_id}", code="item_not_found")
        return (await _item_rows(ctx, figures, [row], r))[0]


async def rankings(ctx: Context, principal: Principal, tenant_id: str, r: Range, size: int, token: str) -> tuple[list[RankingRow], str]:
    """The tenant's direct children, each over its own subtree, best score first."""
    limit = page_size(size)
    query = fingerprint("insight.rankings", tenant_id, r.first, r.last, principal.subject)
    pos = ctx.pages.decode(query, token, (integer,))
    async with ctx.uow(begin=False) as uow:
        await visible_subtree(uow, principal, tenant_id)
        children = [n for n in await uow.tenants.all() if n.parent_id == tenant_id]
        figures = Figures(uow.conn)
        scored: list[tuple[float, str, object, Quality]] = []
        for child in children:
            tree = await uow.tenants.subtree(child.id)
            q = quality(await figures.tenants_sums(tree, r.first, r.last), await figures.tenants_durations(tree, r.first, r.last),
                        *await figures.tenants_rectifications(tree, ctx.clock.now()))
            scored.append((score(q), child.id, child, q))
    scored.sort(key=lambda s: (-s[0], s[1]))
    start = pos[0] if pos else 0
    rows = [RankingRow(i + 1, c.id, dict(c.name), c.level, s, q) for i, (s, _, c, q) in enumerate(scored)][start:start + limit]  # type: ignore[attr-defined]
    nxt = ctx.pages.encode(query, [start + limit]) if start + limit < len(scored) else ""
    return rows, nxt


async def daily(ctx: Context, principal: Principal, tenant_id: str, r: Range, own_only: bool = False) -> list[DailyRow]:
    """Each day of the range, oldest first (days without activity too: a trend has no gaps)."""
    tenants = await _scope(ctx, principal, tenant_id, own_only)
    async with ctx.uow(begin=False) as uow:
        figures = Figures(uow.conn)
        sums = await figures.daily_sums(tenants, r.first, r.last)
        durations = await figures.daily_durations(tenants, r.first, r.last)
    days = [r.first + timedelta(days=i) for i in range((r.last - r.first).days + 1)]
    return [DailyRow(d, quality(sums.get(d, {}), durations.get(d, []))) for d in days]
