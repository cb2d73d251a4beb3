"""Where reports go and what the public and supervisors see of them: tenant boundaries,
report categories, the public map feed and the figures per department and category."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mgov_common import paging
from mgov_common.errors import InvalidArgument, NotFound, PermissionDenied
from mgov_common.ingest import BOUNDARY_UPDATED
from mgov_common.principal import SYSTEM, Principal
from services.workflow.adapters.uow import UnitOfWork
from services.workflow.domain import access
from services.workflow.domain.access import TenantTree
from services.workflow.domain.geo import Boundary, LatLng, locate, parse_boundary
from services.workflow.domain.reports import Category, effective_categories
from services.workflow.domain.roles import ADMIN_ROLES, STATS_ROLES
from services.workflow.service_layer.context import Context, tree_of


async def boundaries(ctx: Context, uow: UnitOfWork, tree: TenantTree) -> list[Boundary]:
    async def load() -> list[Boundary]:
        return [Boundary(r["tenant_id"], len(tree.ancestors(r["tenant_id"])), parse_boundary(r["geometry"]))
                for r in await uow.reports.boundaries() if r["tenant_id"] in tree]

    return await ctx.cache.get("boundaries", load)


async def locate_tenant(ctx: Context, uow: UnitOfWork, tree: TenantTree, point: LatLng) -> str:
    tenant = locate(point, await boundaries(ctx, uow, tree))
    if tenant is None:
        raise InvalidArgument("this place is outside every city and county the platform serves", code="outside_service_area",
                              field="location")
    return tenant


async def categories_for(ctx: Context, uow: UnitOfWork, chain: list[str]) -> dict[str, Category]:
    async def load() -> dict[str, Category]:
        return effective_categories(chain, await uow.reports.categories(chain))

    return await ctx.cache.get(("report-categories", tuple(chain)), load)


async def list_categories(ctx: Context, tenant_id: str, point: LatLng | None) -> tuple[str, list[Category]]:
    async with ctx.uow(lazy=True) as uow:
        tree = await tree_of(ctx, uow)
        tenant = await locate_tenant(ctx, uow, tree, point) if point is not None else tenant_id
        if tenant not in tree:
            raise NotFound("no such tenant", code="tenant_not_found", field="tenant_id")
        cats = await categories_for(ctx, uow, tree.ancestors(tenant))
    return tenant, sorted(cats.values(), key=lambda c: c.code)


def _require(principal: Principal, tenant: str, tree: TenantTree, wanted: frozenset[str], what: str) -> None:
    if tenant not in tree:
        raise NotFound("no such tenant", code="tenant_not_found", field="tenant_id")
    if not access.staff_roles_in(principal, tenant, tree) & wanted:
        raise PermissionDenied(f"{what} needs one of the roles {', '.join(sorted(wanted))} of {tenant}", code="role_not_allowed")


async def save_category(ctx: Context, principal: Principal, tenant_id: str, raw: dict[str, Any]) -> Category:
    cat = Category.from_dict(raw, tenant_id)
    async with ctx.uow() as uow:
        _require(principal, tenant_id, await tree_of(ctx, uow), ADMIN_ROLES, "defining report categories")
        await uow.reports.put_category(cat, ctx.clock.now())
        await uow.commit()
    ctx.cache.clear()
    return cat


@dataclass
class BoundaryView:
    tenant_id: str
    geometry: dict[str, Any]
    source: str
    update_time: datetime
    applied: bool


async def set_boundary(ctx: Context, principal: Principal, tenant_id: str, geometry: dict[str, Any], event_time: datetime | None,
                       uow: UnitOfWork | None = None) -> BoundaryView:
    """By an administrator, or by the tenant's own system (`mgov.tenant.boundary.updated.v1`;
    `uow` joins the ingest consumer's transaction). Who may is checked before the geometry."""
    when = event_time or ctx.clock.now()
    async with (uow or ctx.uow()) as uow:
        tree = await tree_of(ctx, uow)
        if principal.kind == SYSTEM:
            if not principal.system_may(BOUNDARY_UPDATED, tenant_id):
                raise NotFound("no such tenant", code="tenant_not_found", field="tenant_id")
            source = f"system:{principal.subject}"
        else:
            _require(principal, tenant_id, tree, ADMIN_ROLES, "setting a boundary")
            source = f"user:{principal.subject}"
        if tree.level(tenant_id) not in ("city", "county"):
            raise InvalidArgument("boundaries are those of cities and counties", code="not_a_city_or_county", field="tenant_id")
        parse_boundary(geometry)
        applied = await uow.reports.put_boundary(tenant_id, geometry, source, when)
        row = await uow.reports.boundary(tenant_id)
        await uow.commit()
    ctx.cache.clear()
    assert row is not None
    return BoundaryView(tenant_id, row["geometry"], row["source"], row["event_time"], applied)


@dataclass
class PublicItem:
    id: uuid.UUID
    tenant_id: str
    category: str
    name: dict[str, str]
    status: str
    label: dict[str, str]
    point: LatLng
    create_time: datetime
    update_time: datetime
    photo_ids: list[str]


async def public_feed(ctx: Context, tenant_id: str, size: int, token: str) -> tuple[list[PublicItem], str]:
    """No reporter, no phone, no description or address (either may name a person), and
    the place rounded to about 100 m."""
    limit = paging.page_size(size)
    query = paging.fingerprint("public-reports", tenant_id)
    after = ctx.pages.decode(query, token, (paging.timestamp, uuid.UUID))
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        if tenant_id not in tree:
            raise NotFound("no such tenant", code="tenant_not_found", field="tenant_id")
        rows = await uow.reports.public(tree.subtree(tenant_id), after, limit + 1)
        items = []
        for r in rows[:limit]:
            app = await uow.applications.get(r["id"])
            assert app is not None
            photos: list[str] = []
            if r["status"] == "resolved" and app.report is not None:
                photos = sorted(str(m) for m in _result_photo_ids(await uow.applications.timeline(app.id)) & app.report.public_photos)
            label = dict(app.definition.state(app.status).label)
            items.append(PublicItem(r["id"], r["tenant_id"], r["category"], dict(r["service_name"]), r["status"], label,
                                    LatLng(r["lat"], r["lng"]).rounded(), r["submitted_at"], r["updated_at"], photos))
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return items, ctx.pages.encode(query, [last["updated_at"].isoformat(), str(last["id"])]) if last else ""


@dataclass
class StatsRow:
    department: str
    category: str
    name: dict[str, str]
    received: int
    resolved: int
    on_time: int
    overdue: int
    hours: float
    score: float
    reopened: int


async def stats(ctx: Context, principal: Principal, tenant_id: str, include_subtree: bool, start: datetime | None,
                end: datetime | None) -> list[StatsRow]:
    if start and end and start >= end:
        raise InvalidArgument("start_time must be before end_time", code="invalid_range", field="start_time")
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        _require(principal, tenant_id, tree, STATS_ROLES, "report figures")
        tenants = tree.subtree(tenant_id) if include_subtree else [tenant_id]
        rows = await uow.reports.stats(tenants, start, end, ctx.clock.now())

    return [StatsRow(r["department"], r["category"], json.loads(r["name"]) if isinstance(r["name"], str) else dict(r["name"]),
                     r["received"], r["resolved"], r["on_time"], r["overdue"], float(r["hours"] or 0), float(r["score"] or 0),
                     r["reopened"]) for r in rows]


@dataclass
class Photo:
    id: uuid.UUID
    filename: str
    content_type: str
    sha256: str
    content: bytes


def _result_photo_ids(timeline: list[Any]) -> set[uuid.UUID]:
    resolved = [t for t in timeline if t.to_state == "resolved"]
    return set(resolved[-1].material_ids) if resolved else set()


async def public_photo(ctx: Context, tenant_id: str, report_id: uuid.UUID, photo_id: uuid.UUID) -> Photo:
    """A result photo (of the last resolution) of a resolved report that the department marked public, listed in
    `tenant_id`'s feed; NOT_FOUND for anything else (a reporter's own photos never)."""
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        app = await uow.applications.get(report_id)
        ok = (app is not None and app.report is not None and app.status == "resolved" and photo_id in app.report.public_photos
              and tenant_id in tree and app.tenant_id in tree.subtree(tenant_id)
              and photo_id in _result_photo_ids(await uow.applications.timeline(report_id)))
        if not ok:
            raise NotFound("no such photo", code="photo_not_found")
        return await read_photo(ctx, uow, report_id, photo_id)


async def read_photo(ctx: Context, uow: UnitOfWork, report_id: uuid.UUID, photo_id: uuid.UUID) -> Photo:
    rows = [r for r in await uow.materials.get_many([photo_id]) if r["application_id"] == report_id]
    content = await ctx.files.get(uow.conn, rows[0]["storage_key"]) if rows else None
    if not rows or content is None:
        raise NotFound("no such photo", code="photo_not_found")
    r = rows[0]
    return Photo(r["id"], r["filename"], r["content_type"], r["sha256"], content)
