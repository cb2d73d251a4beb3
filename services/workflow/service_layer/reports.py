"""Use cases of 随手拍 reports: report, look, list, move, reopen, rate.

A report is a case (kind "report") on the `public_report` workflow of the tenant whose
boundary holds its place; workflow actions on it (accept, ask, resolve, ...) are the
case's own (`applications.perform`). Each use case is one unit of work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg

from mgov_common import paging
from mgov_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from mgov_common.principal import PHONE, USER, Principal
from services.workflow.domain import access, events
from services.workflow.domain.application import Application, ItemVersion, Transition
from services.workflow.domain.calendar import local_date
from services.workflow.domain.case_number import format_case_number
from services.workflow.domain.geo import LatLng, box_around
from services.workflow.domain.reports import (
    MAX_ADDRESS, MAX_DESCRIPTION, MAX_PHOTOS, REOPEN_DAYS, REPORT, RESOLVED, WORKFLOW_ID, Category, Reporter, ReportFacts,
    check_rating, check_reopen, mask_phone, merge_target,
)
from services.workflow.domain.roles import DISPATCHER, OWNER
from services.workflow.service_layer import applications, report_quota, timers
from services.workflow.service_layer.applications import CITIZEN, MAX_REQUEST_ID, case_prefix, parse_id
from services.workflow.service_layer.context import Context, calendar_for, tree_of
from services.workflow.service_layer.report_places import Photo, categories_for, locate_tenant, public_photo, read_photo

PHOTO_TYPES = ("image/jpeg", "image/png")
# The namespace of the item id a category stands in for (stable per tenant and code).
CATEGORY_NS = uuid.UUID("5d3c6a52-6f0e-4c1b-9d8e-2f7d1c0b7a11")
REPORTER = "reporter"  # the caller reported this problem (first or linked)


@dataclass
class ReportView:
    app: Application
    roles: set[str]
    viewer: str
    timeline: list[Transition] = field(default_factory=list)
    photos: list[asyncpg.Record] = field(default_factory=list)
    linked: bool = False
    available_actions: list[str] = field(default_factory=list)
    now: object = None
    # A reporter without an account: the token that reads this report (given once).
    access_token: str = ""

    @property
    def facts(self) -> ReportFacts:
        assert self.app.report is not None
        return self.app.report


async def next_report_number(uow, prefix: str, now) -> str:  # type: ignore[no-untyped-def]
    """`<prefix>-R-<year>-<serial>`, taken inside the report's transaction: a refused report
    rolls its serial back (no gaps); reports of one prefix take their numbers one at a time."""
    year = local_date(now).year
    serial = await uow.conn.fetchval(
        "INSERT INTO case_counters (prefix, year, last) VALUES ($1, $2, 1)"
        " ON CONFLICT (prefix, year) DO UPDATE SET last = case_counters.last + 1 RETURNING last", f"{prefix}-R", year)
    return format_case_number(f"{prefix}-R", year, serial)


def category_item(cat: Category) -> ItemVersion:
    """The item a report's case refers to: its category (name, department, limit)."""
    return ItemVersion(uuid.uuid5(CATEGORY_NS, f"{cat.tenant_id}/{cat.code}"), 1, cat.tenant_id, dict(cat.name), cat.department,
                       WORKFLOW_ID, {}, cat.time_limit_days, cat.time_limit_days, item_type=REPORT)


def _text(value: str, name: str, limit: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidArgument(f"{name} is required", code="required", field=name)
    if len(value) > limit:
        raise InvalidArgument(f"{name} has at most {limit} characters", code="too_long", field=name)
    return value


async def _view(uow, app: Application, roles: set[str], viewer: str, now, linked: bool = False) -> ReportView:  # type: ignore[no-untyped-def]
    return ReportView(app, roles, viewer, await uow.applications.timeline(app.id), list(await uow.materials.of_application(app.id)),
                      linked, app.available_actions(roles), now)


async def submit(ctx: Context, principal: Principal, *, category: str, description: str, lat: float, lng: float, address: str,
                 photo_ids: list[str], anonymous: bool, request_id: str, token: str | None, phone_masked: str | None = None) -> ReportView:
    """`phone_masked`: the caller is a phone proven without an account (report_access)."""
    by_phone = principal.kind == PHONE and phone_masked is not None
    if not by_phone and (principal.kind != USER or not principal.tenants_with(CITIZEN)):
        raise PermissionDenied("reporting needs a citizen account", code="not_a_citizen")
    if len(request_id) > MAX_REQUEST_ID:
        raise InvalidArgument("the idempotency key is too long", code="too_long", field="request_id")
    description = _text(description, "description", MAX_DESCRIPTION, True)
    address = _text(address, "address", MAX_ADDRESS, False)
    if not 1 <= len(photo_ids) <= MAX_PHOTOS:
        raise InvalidArgument(f"a report has 1 to {MAX_PHOTOS} photos", code="photos_required", field="photo_ids")
    mids = list(dict.fromkeys(parse_id(m, "photo_ids") for m in photo_ids))
    point = LatLng.checked(lat, lng)
    now = ctx.clock.now()
    if by_phone:
        phone, anonymous = phone_masked or "", True  # without an account a report is anonymous: handlers see the masked phone
    else:
        phone = mask_phone(await ctx.staff.phone_of(principal.subject, token) if ctx.staff is not None else "")
    if request_id:
        async with ctx.uow() as uow:
            found = await uow.applications.by_request(principal.subject, request_id)
            if found is not None:
                return await _view(uow, found[0], {OWNER, REPORTER}, principal.subject, now)
    async with ctx.uow(lazy=True) as uow:
        tree = await tree_of(ctx, uow)
        tenant = await locate_tenant(ctx, uow, tree, point)
        chain = tree.ancestors(tenant)
        cat = (await categories_for(ctx, uow, chain)).get(category)
        if cat is None:
            raise InvalidArgument(f"{tenant} has no report category {category!r}", code="unknown_category", field="category")
        if anonymous and not cat.anonymous_allowed:
            raise InvalidArgument("this category takes no anonymous reports" + ("; sign in to report it" if by_phone else ""),
                                  code="anonymous_not_allowed", field="category" if by_phone else "anonymous")
        definition = await ctx.cache.get(("definition", tuple(chain), WORKFLOW_ID), lambda: uow.definitions.effective(chain, WORKFLOW_ID))
        if definition is None:
            raise FailedPrecondition(f"no workflow {WORKFLOW_ID!r} is defined for {tenant}", code="workflow_not_found")
        cal = await calendar_for(uow, tree, tenant, ctx)
        await uow.begin()
        if by_phone:  # a phone without an account files at most so many reports a day
            await report_quota.charge(uow, chain, principal.subject, now)
        # One submission at a time per (tenant, category): two reports of one problem cannot both open a case.
        await uow.conn.execute("SELECT pg_advisory_xact_lock(hashtext('mgov-report:' || $1 || ':' || $2))", tenant, cat.code)
        photos = await _check_photos(uow, principal, mids)
        me = Reporter(principal.subject, phone, now)
        target = merge_target(cat, point, now, await uow.reports.open_near(
            tenant, cat.code, box_around(point, cat.merge_radius_m), now - timedelta(hours=cat.merge_window_h)))
        if target is not None:
            app = await uow.applications.get(target.id, for_update=True)
            assert app is not None and app.report is not None
            if await uow.reports.add_reporter(app.id, me):
                app.report.reporters.append(me)
                loaded = app.version
                app.link(actor=access.actor_of(principal), now=now)
                await uow.materials.attach([p["id"] for p in photos], app.id)
                await uow.applications.save(app, loaded)
            result = await _view(uow, app, {REPORTER} | ({OWNER} if app.applicant_id == principal.subject else set()), principal.subject, now,
                                 linked=True)
            await uow.commit()
            return result
        number = await next_report_number(uow, await case_prefix(uow, tree, tenant, ctx), now)
        facts = ReportFacts(cat.code, cat.tenant_id, point, address, description, anonymous, [me], result_public=cat.public_results)
        app = Application.submit(id=uuid.uuid4(), case_number=number, tenant_id=tenant, item=category_item(cat),
                                 applicant=access.actor_of(principal), form={}, definition=definition, cal=cal, now=now,
                                 material_ids=tuple(mids), request_id=request_id or None, report=facts)
        if not await uow.applications.add(app, request_id or None, None):
            raise AlreadyExists("this Idempotency-Key is being used by another report", code="idempotency_key_reused", field="request_id")
        await uow.materials.attach(mids, app.id)
        await uow.applications.sync_timers(app.id, app.clocks.timers(cal, app.status, app.terminal))
        result = await _view(uow, app, {OWNER, REPORTER}, principal.subject, now)
        await uow.commit()
    return result


async def _check_photos(uow, principal: Principal, mids: list[uuid.UUID]) -> list[asyncpg.Record]:  # type: ignore[no-untyped-def]
    rows = await applications._check_materials(uow, principal, mids, None)
    if any(r["content_type"] not in PHOTO_TYPES for r in rows):
        raise InvalidArgument("photos are JPEG or PNG images", code="not_a_photo", field="photo_ids")
    return rows


async def _load(ctx: Context, uow, principal: Principal, report_id: str, *, for_update: bool = False):  # type: ignore[no-untyped-def]
    """The report and the caller's roles on it; NOT_FOUND for anyone who may not see it."""
    rid = parse_id(report_id, "report_id")
    tree = await tree_of(ctx, uow)
    app = await uow.applications.get(rid, for_update=for_update)
    if app is None or app.report is None:
        raise NotFound("no such report", code="report_not_found")
    roles = access.roles_on_case(principal, app.tenant_id, app.applicant_id, tree, REPORT)
    if principal.kind in (USER, PHONE) and app.report.reporter(principal.subject):  # PHONE: by the report's token (report_access)
        roles.add(REPORTER)
    if not roles:
        raise NotFound("no such report", code="report_not_found")
    return app, roles, tree


async def get(ctx: Context, principal: Principal, report_id: str) -> ReportView:
    async with ctx.uow() as uow:
        app, roles, _ = await _load(ctx, uow, principal, report_id)
        return await _view(uow, app, roles, principal.subject, ctx.clock.now())


async def list_mine(ctx: Context, principal: Principal, *, size: int, token: str) -> tuple[list[ReportView], str]:
    limit = paging.page_size(size)
    query = paging.fingerprint("reports", principal.subject)
    after = ctx.pages.decode(query, token, (paging.timestamp, uuid.UUID))
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        rows = await uow.reports.of_reporter(principal.subject, after, limit + 1)
        views = []
        for _, app_id in rows[:limit]:
            app = await uow.applications.get(app_id)
            assert app is not None
            views.append(ReportView(app, {REPORTER}, principal.subject, now=now))
    more = len(rows) > limit
    return views, ctx.pages.encode(query, [rows[limit - 1][0].isoformat(), str(rows[limit - 1][1])]) if more else ""


async def act(ctx: Context, principal: Principal, *, report_id: str, action: str, comment: str, expected_version: int,
              material_ids: list[str], request_id: str, result_public: bool | None) -> ReportView:
    async with ctx.uow() as uow:
        await _load(ctx, uow, principal, report_id)  # 404 before anything else for those who may not see it
    await applications.perform(ctx, principal, application_id=report_id, action=action, comment=comment, expected_version=expected_version,
                               material_ids=material_ids, request_id=request_id, result_public=result_public)
    return await get(ctx, principal, report_id)


async def move(ctx: Context, principal: Principal, *, report_id: str, tenant_id: str, department: str, reason: str,
               expected_version: int) -> ReportView:
    department = _text(department, "department", 100, True)
    async with ctx.uow() as uow:
        app, roles, tree = await _load(ctx, uow, principal, report_id, for_update=True)
        if DISPATCHER not in roles or principal.kind != USER:
            raise PermissionDenied("moving a report needs the dispatcher role", code="role_not_allowed")
        to_tenant = tenant_id or app.tenant_id
        if to_tenant not in tree or tree.level(to_tenant) not in ("city", "county") or tree.ancestors(app.tenant_id)[-1] != tree.ancestors(to_tenant)[-1]:
            raise InvalidArgument(f"{to_tenant} is not a city or county of this province", code="unknown_tenant", field="tenant_id")
        departments = {c.department for c in (await categories_for(ctx, uow, tree.ancestors(to_tenant))).values()}
        if department not in departments:
            raise InvalidArgument(f"no report category of {to_tenant} is handled by {department!r}", code="unknown_department", field="department")
        cal = await calendar_for(uow, tree, to_tenant, ctx)
        loaded = app.version
        await timers.fire_overdue(uow, app.id, ctx.clock.now())
        app.move(actor=access.actor_of(principal), to_tenant=to_tenant, to_department=department, reason=reason,
                 expected_version=expected_version, now=ctx.clock.now(), cal=cal)
        await uow.applications.save(app, loaded)
        await uow.applications.sync_timers(app.id, app.clocks.timers(cal, app.status, app.terminal))
        roles = access.roles_on_case(principal, app.tenant_id, app.applicant_id, tree, REPORT) | ({REPORTER} & roles)
        result = await _view(uow, app, roles, principal.subject, ctx.clock.now())
        await uow.commit()
    return result


async def reopen(ctx: Context, principal: Principal, *, report_id: str, comment: str, expected_version: int) -> ReportView:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        app, roles, tree = await _load(ctx, uow, principal, report_id, for_update=True)
        assert app.report is not None
        check_reopen(app.report, app.status, principal.subject, now)
        cal = await calendar_for(uow, tree, app.tenant_id, ctx)
        loaded = app.version
        await timers.fire_overdue(uow, app.id, now)
        app.reopen(actor=access.actor_of(principal), comment=comment, expected_version=expected_version, now=now, cal=cal)
        await uow.applications.save(app, loaded)
        await uow.applications.sync_timers(app.id, app.clocks.timers(cal, app.status, app.terminal))
        result = await _view(uow, app, roles, principal.subject, now)
        await uow.commit()
    return result


async def rate(ctx: Context, principal: Principal, *, report_id: str, score: int, comment: str) -> ReportView:
    now = ctx.clock.now()
    comment = (comment or "").strip()
    async with ctx.uow() as uow:
        app, roles, _ = await _load(ctx, uow, principal, report_id, for_update=True)
        assert app.report is not None
        who = check_rating(app.report, app.status, principal.subject, score, comment)
        who.score, who.comment, who.rated_at = score, comment, now
        await uow.reports.rate(app.id, principal.subject, score, comment, now)
        uow.record(events.application_event(app, "rated", "rate", app.status, access.actor_of(principal), comment,
                                            extra={"score": score, "rater_id": principal.subject}))
        result = await _view(uow, app, roles, principal.subject, now)
        await uow.commit()
    return result


def can_reopen(view: ReportView) -> bool:
    f, me = view.facts, view.facts.reporter(view.viewer)
    return bool(me and me.score is None and view.app.status == RESOLVED and f.resolved_at is not None and view.now is not None
                and view.now - f.resolved_at <= timedelta(days=REOPEN_DAYS))  # type: ignore[operator]


def can_rate(view: ReportView) -> bool:
    me = view.facts.reporter(view.viewer)
    return bool(me and me.score is None and view.app.status == RESOLVED)


async def photo(ctx: Context, principal: Principal | None, *, report_id: str, photo_id: str, public_tenant_id: str) -> Photo:
    """A photo of a report: anyone may see a public result photo through a tenant's map
    feed; otherwise those who may see the report see its photos."""
    rid, pid = parse_id(report_id, "report_id"), parse_id(photo_id, "photo_id")
    if public_tenant_id:
        return await public_photo(ctx, public_tenant_id, rid, pid)
    if principal is None:
        raise NotFound("no such photo", code="photo_not_found")
    async with ctx.uow() as uow:
        await _load(ctx, uow, principal, report_id)
        return await read_photo(ctx, uow, rid, pid)
