"""好差评 and 整改: rate a closed case once, close rectification tasks, statistics."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from mgov_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from mgov_common.principal import Principal
from services.workflow.domain import access, rating
from services.workflow.domain.rating import Rating, Rectification
from services.workflow.domain.roles import STATS_ROLES
from services.workflow.service_layer.applications import parse_id
from services.workflow.service_layer.context import Context, calendar_for, tree_of

GROUPS = ("item", "department", "tenant")


@dataclass
class Stats:
    key: str
    label: str
    count: int
    average: float
    score_counts: list[int]
    negative: int
    open: int
    closed: int


async def rate(ctx: Context, principal: Principal, application_id: str, score: int, comment: str) -> Rating:
    app_id = parse_id(application_id, "application_id")
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        app = await uow.applications.get(app_id)
        roles = access.roles_on_case(principal, app.tenant_id, app.applicant_id, tree) if app else set()
        if app is None or not roles:
            raise NotFound("no such case", code="application_not_found")
        if app.report is not None:  # each reporter rates a report for themselves (RateReport)
            raise FailedPrecondition("a report is rated with its own rating (POST /v1/reports/{id}/rating)", code="rate_the_report")
        cal = await calendar_for(uow, tree, app.tenant_id, ctx)
        days = await rectification_days(uow, tree, app.tenant_id)
        result, rect, events = rating.rate(app, roles=roles, score=score, comment=comment, now=ctx.clock.now(),
                                           already_rated=await uow.tasks.rating(app.id) is not None, cal=cal, rectification_days=days)
        if not await uow.tasks.add_rating(result, tenant_id=app.tenant_id, service_id=app.service_id, service_name=app.service_name,
                                          department=app.department, applicant_id=app.applicant_id):
            raise AlreadyExists("this case has already been rated", code="already_rated")
        if rect is not None:
            await uow.tasks.add_rectification(rect)
        uow.record(*events)
        await uow.commit()
    return result


async def rectification_days(uow, tree: access.TenantTree, tenant: str) -> int:  # type: ignore[no-untyped-def]
    chain = tree.ancestors(tenant)
    settings = await uow.reference.settings_chain(chain)
    for t in chain:
        if settings.get(t, {}).get("rectification_days"):
            return int(settings[t]["rectification_days"])
    return rating.DEFAULT_RECTIFICATION_DAYS


async def close_rectification(ctx: Context, principal: Principal, rectification_id: str, callback: str, outcome: str) -> Rectification:
    rid = parse_id(rectification_id, "rectification_id")
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        rect = await uow.tasks.rectification(rid, for_update=True)
        roles = access.staff_roles_in(principal, rect.tenant_id, tree) if rect else set()
        if rect is None or not roles:
            raise NotFound("no such rectification", code="rectification_not_found")
        rect.close(actor=access.actor_of(principal), roles=roles, callback=callback, outcome=outcome, now=ctx.clock.now())
        await uow.tasks.save_rectification(rect)
        await uow.commit()
    return rect


async def get_rectification(ctx: Context, principal: Principal, rectification_id: str) -> Rectification:
    rid = parse_id(rectification_id, "rectification_id")
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        rect = await uow.tasks.rectification(rid)
        if rect is None or not access.staff_roles_in(principal, rect.tenant_id, tree):
            raise NotFound("no such rectification", code="rectification_not_found")
        return rect


async def stats(ctx: Context, principal: Principal, *, tenant_id: str, group_by: str, include_subtree: bool, service_id: str,
                department: str, start: datetime | None, end: datetime | None) -> tuple[list[Stats], Stats]:
    if group_by not in GROUPS:
        raise InvalidArgument(f"group_by is one of {', '.join(GROUPS)}", code="unknown_value", field="group_by")
    if start and end and end <= start:
        raise InvalidArgument("end_time must be after start_time", code="invalid_range", field="end_time")
    tenant = tenant_id or principal.tenant
    sid = parse_id(service_id, "service_id") if service_id else None
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        allowed = bool(access.staff_roles_in(principal, tenant, tree) & STATS_ROLES)
        if not allowed:
            raise PermissionDenied(f"rating statistics of {tenant} need the supervisor or admin role there", code="role_not_allowed")
        tenants = tree.subtree(tenant) if include_subtree else [tenant]
        rows = await uow.tasks.stats(tenants, group_by, sid, department, start, end)
    groups = [Stats(r["key"] or "", r["label"] or "", r["count"], r["average"] or 0.0, list(r["score_counts"]), r["negative"], r["open"],
                    r["closed"]) for r in rows]
    counts = [sum(g.score_counts[i] for g in groups) for i in range(5)]
    n = sum(counts)
    total = Stats("", "total", n, (sum((i + 1) * c for i, c in enumerate(counts)) / n) if n else 0.0, counts,
                  counts[0] + counts[1], sum(g.open for g in groups), sum(g.closed for g in groups))
    return groups, total


