"""Use cases of cases: apply, look, list, act. Each is one unit of work (one transaction,
its events in the outbox)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from mgov_common import paging
from mgov_common.errors import AlreadyExists, DomainError, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from mgov_common.principal import USER, Principal
from services.workflow.adapters.reference import item_from_data
from services.workflow.adapters.uow import UnitOfWork
from services.workflow.domain import access, forms
from services.workflow.domain.application import Application, ItemVersion, Transition
from services.workflow.domain.case_number import default_prefix
from services.workflow.domain.calendar import local_date
from services.workflow.domain.rating import Rating
from services.workflow.service_layer.context import Context, calendar_for, tree_of
from services.workflow.service_layer import timers

CITIZEN = "citizen"
MAX_REQUEST_ID = 200


@dataclass
class CaseView:
    app: Application
    timeline: list[Transition] = field(default_factory=list)
    materials: list[asyncpg.Record] = field(default_factory=list)
    rating: Rating | None = None
    available_actions: list[str] = field(default_factory=list)


def parse_id(raw: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (ValueError, TypeError):
        raise InvalidArgument(f"{name} is not a valid id", code="invalid_id", field=name) from None


def _canonical_sha256(value: Any) -> str:
    """The SHA-256 of `value` as canonical JSON (sorted keys, no spaces): equal content, equal hash."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _request_hash(service_id: str, version: int, tenant: str, form: dict[str, Any], material_ids: list[str]) -> str:
    return _canonical_sha256([service_id, version, tenant, form, sorted(material_ids)])


async def view(uow: UnitOfWork, app: Application, roles: set[str]) -> CaseView:
    return CaseView(app, await uow.applications.timeline(app.id), list(await uow.materials.of_application(app.id)),
                    await uow.tasks.rating(app.id), app.available_actions(roles))


async def resolve_item(ctx: Context, uow: UnitOfWork, service_id: uuid.UUID, version: int, token: str | None,
                       new_case: bool = True) -> ItemVersion:
    """The item version from the projection, fetched from catalog (and kept) on a miss.
    A given version is immutable and cached; "the current one" (0) for a few seconds.
    A retired item takes no new case (`new_case`), but its open cases are still corrected."""

    async def load() -> ItemVersion | None:
        item = await uow.reference.item(service_id, version)
        if item is None and ctx.items is not None:
            data = await ctx.items.fetch(service_id, version, token)
            if data is not None:
                item = item_from_data(data)
                await uow.reference.put_item(data)  # outside any transaction: kept at once
        elif item is not None and version and new_case and await uow.reference.is_retired(service_id):
            raise FailedPrecondition("the item is retired: it takes no new applications", code="item_retired", field="service_id")
        return item

    item = await ctx.cache.get(("item", service_id, version, new_case), load)
    if item is None:
        raise NotFound("no published version of this item", code="service_not_found", field="service_id")
    return item


async def case_prefix(uow: UnitOfWork, tree: access.TenantTree, tenant: str, ctx: Context | None = None) -> str:
    if ctx is not None:
        return await ctx.cache.get(("prefix", tenant), lambda: case_prefix(uow, tree, tenant))
    chain = tree.ancestors(tenant)
    settings = await uow.reference.settings_chain(chain)
    for t in chain:
        if settings.get(t, {}).get("case_prefix"):
            return str(settings[t]["case_prefix"])
    city = tree.city_of(tenant)
    return default_prefix(city.division_code if city else None, city.id if city else tenant)


def handling_tenant(tree: access.TenantTree, item: ItemVersion, principal: Principal, requested: str) -> str:
    """The tenant that handles the case: as asked, else the applicant's own tenant when the
    item reaches it (inherited items are handled locally), else the item's tenant."""
    if requested:
        if requested != item.tenant_id and item.tenant_id not in tree.ancestors(requested):
            raise InvalidArgument(f"{requested} does not offer this item (it belongs to {item.tenant_id})", code="tenant_mismatch", field="tenant_id")
        return requested
    if item.tenant_id in tree.ancestors(principal.tenant):
        return principal.tenant
    return item.tenant_id


async def submit(ctx: Context, principal: Principal, *, service_id: str, service_version: int, tenant_id: str, form: dict[str, Any],
                 material_ids: list[str], request_id: str, token: str | None) -> CaseView:
    """A new case. An idempotency key is not looked up first: the statement that writes
    the case refuses a key already used (the unique key of applicant and key), so a new
    submission, keyed or not, is one statement. What a repeat meets instead (a refusal:
    say the item retired or its materials attached since, or that unique key) sends it
    to the case its key made, or to `idempotency_key_reused` for another body."""
    if principal.kind != USER or not principal.tenants_with(CITIZEN):
        raise PermissionDenied("applying needs a citizen account", code="not_a_citizen")
    if len(request_id) > MAX_REQUEST_ID:
        raise InvalidArgument("the idempotency key is too long", code="too_long", field="request_id")
    sid = parse_id(service_id, "service_id")
    mids = [parse_id(m, "material_ids") for m in material_ids]
    req_hash = _request_hash(str(sid), service_version, tenant_id, form, [str(m) for m in mids]) if request_id else None
    async with ctx.uow(lazy=True) as uow:
        try:
            view = await _new_case(ctx, uow, principal, sid, service_version, tenant_id, form, mids, request_id, req_hash, token)
        except DomainError:
            if not request_id:
                raise
            view = await _repeat(uow, principal, request_id, req_hash)
            if view is None:
                raise
        if view is None:  # the key's case was written meanwhile (a concurrent repeat won)
            view = await _repeat(uow, principal, request_id, req_hash)
            assert view is not None
    return view


async def _new_case(ctx: Context, uow: UnitOfWork, principal: Principal, sid: uuid.UUID, service_version: int, tenant_id: str,
                    form: dict[str, Any], mids: list[uuid.UUID], request_id: str, req_hash: str | None, token: str | None) -> CaseView | None:
    """The case written in one statement; None when its idempotency key is taken already."""
    item = await resolve_item(ctx, uow, sid, service_version, token)
    if principal.identity_level < item.required_identity_level:
        raise PermissionDenied("this item needs a real-name identity: add your national ID number", code="identity_level_required")
    forms.validate_form(item.form_schema, form, key=(item.service_id, item.version))
    now = ctx.clock.now()
    tree = await tree_of(ctx, uow)
    tenant = handling_tenant(tree, item, principal, tenant_id)
    chain = tree.ancestors(tenant)
    definition = await ctx.cache.get(("definition", tuple(chain), item.workflow_id),
                                     lambda: uow.definitions.effective(chain, item.workflow_id))
    if definition is None:
        raise FailedPrecondition(f"no workflow {item.workflow_id!r} is defined for {tenant}", code="workflow_not_found")
    cal = await calendar_for(uow, tree, tenant, ctx)
    prefix = await case_prefix(uow, tree, tenant, ctx)
    held = await _check_materials(uow, principal, mids, None)
    # The number is taken by the statement that writes the case (gap-free); until
    # then the case and its event carry a placeholder no form can guess.
    placeholder = f"@case-number-{uuid.uuid4().hex}@"
    app = Application.submit(id=uuid.uuid4(), case_number=placeholder, tenant_id=tenant, item=item, applicant=access.actor_of(principal),
                             form=form, definition=definition, cal=cal, now=now, material_ids=tuple(mids), request_id=request_id or None)
    timeline = list(app.new_transitions)
    if await uow.commit_new_case(app, prefix=prefix, year=local_date(now).year, placeholder=placeholder,
                                 timers=app.clocks.timers(cal, app.status, app.terminal), material_ids=mids,
                                 request_id=request_id or None, request_hash=req_hash) is None:
        return None
    return CaseView(app, timeline, [dict(r) | {"application_id": app.id} for r in held], None, app.available_actions({"owner"}))


async def _repeat(uow: UnitOfWork, principal: Principal, request_id: str, req_hash: str | None) -> CaseView | None:
    found = await uow.applications.by_request(principal.subject, request_id)
    if found is None:
        return None
    app, stored_hash = found
    if stored_hash != req_hash:
        raise AlreadyExists("this Idempotency-Key was used for a different application", code="idempotency_key_reused", field="request_id")
    return await view(uow, app, {"owner"})


async def _check_materials(uow: UnitOfWork, principal: Principal, mids: list[uuid.UUID], app_id: uuid.UUID | None) -> list[asyncpg.Record]:
    if not mids:
        return []
    rows = {r["id"]: r for r in await uow.materials.get_many(mids)}
    for m in mids:
        r = rows.get(m)
        ok = r is not None and (r["application_id"] == app_id and app_id is not None
                                or (r["application_id"] is None and r["owner_id"] == principal.subject))
        if not ok:
            raise InvalidArgument(f"material {m} is not one of yours for this case", code="unknown_material", field="material_ids")
    return list(rows.values())


async def get(ctx: Context, principal: Principal, application_id: str) -> CaseView:
    app_id = parse_id(application_id, "application_id")
    async with ctx.uow() as uow:
        tree = await tree_of(ctx, uow)
        app = await uow.applications.get(app_id)
        roles = access.roles_on_case(principal, app.tenant_id, app.applicant_id, tree, app.kind) if app else set()
        if app is None or not roles:
            raise NotFound("no such case", code="application_not_found")
        return await view(uow, app, roles)


async def list_own(ctx: Context, principal: Principal, *, status: str, service_id: str, size: int, token: str) -> tuple[list[Application], str]:
    limit = paging.page_size(size)
    query = paging.fingerprint("applications", principal.subject, status, service_id)
    after = ctx.pages.decode(query, token, (paging.timestamp, uuid.UUID))
    sid = parse_id(service_id, "service_id") if service_id else None
    async with ctx.uow() as uow:
        apps = await uow.applications.list_for_applicant(
            principal.subject, status=status, service_id=sid, after=after, limit=limit + 1)
    more = len(apps) > limit
    apps = apps[:limit]
    return apps, ctx.pages.encode(query, [apps[-1].submitted_at.isoformat(), str(apps[-1].id)]) if more else ""


def _form_hash(form: dict[str, Any] | None) -> str | None:
    return None if form is None else _canonical_sha256(form)


async def perform(ctx: Context, principal: Principal, *, application_id: str, action: str, comment: str, expected_version: int | None,
                  material_ids: list[str], request_id: str, form: dict[str, Any] | None = None, token: str | None = None,
                  uow: UnitOfWork | None = None, result_public: bool | None = None, kind: str | None = None) -> CaseView:
    """`form`, when given, is the applicant's corrected form (补正) sent with the resubmitting
    action; it is checked against the case's pinned item version like a submission.

    `expected_version` None acts on the case as it is now (read under its row lock): a
    tenant system's event may name no version. `uow` joins a transaction already open
    (the ingest consumer's, which records the event id in it)."""
    app_id = parse_id(application_id, "application_id")
    mids = [parse_id(m, "material_ids") for m in material_ids]
    form_sha256 = _form_hash(form)
    async with (uow or ctx.uow()) as uow:
        tree = await tree_of(ctx, uow)
        app = await uow.applications.get(app_id, for_update=True)
        roles = access.roles_on_case(principal, app.tenant_id, app.applicant_id, tree, app.kind) if app else set()
        if app is None or not roles or (kind is not None and app.kind != kind):  # `kind`: a report action names a report
            raise NotFound("no such case", code="application_not_found")
        if expected_version is None:
            expected_version = app.version
        if request_id and (done := await uow.applications.transition_by_request(app.id, request_id)):
            # The key is bound to who sent it and what they sent: only the same command again is a repeat.
            if not done.repeats(actor=access.actor_of(principal), action=action, comment=comment, material_ids=tuple(mids),
                                form_sha256=form_sha256):
                raise AlreadyExists("this Idempotency-Key was used on this case by another caller or for another action",
                                    code="idempotency_key_reused", field="request_id")
            return await view(uow, app, roles)  # a repeated command: already applied
        await _check_materials(uow, principal, mids, app.id)
        if form is not None:
            app.check_correction(action, roles, expected_version)
            item = await resolve_item(ctx, uow, app.service_id, app.service_version, token, new_case=False)
            forms.validate_form(item.form_schema, form, key=(item.service_id, item.version))
        cal = await calendar_for(uow, tree, app.tenant_id, ctx)
        loaded = app.version
        await timers.fire_overdue(uow, app.id, ctx.clock.now())
        app.perform(action, actor=access.actor_of(principal), roles=roles, comment=comment, expected_version=expected_version,
                    now=ctx.clock.now(), cal=cal, material_ids=tuple(mids), request_id=request_id or None, form=form,
                    form_sha256=form_sha256)
        if mids:
            await uow.materials.attach(mids, app.id)
        if app.report is not None and result_public is not None:
            app.report.result_public = result_public  # the handler's say on the result photos (public map)
        if app.report is not None and mids and app.status == "resolved" and app.report.result_public:
            # A resolution marked public (or by its category's default) marks its photos; each can be taken back.
            await uow.reports.mark_public(app.id, mids, True, access.actor_of(principal).to_dict(), ctx.clock.now())
            app.report.public_photos |= set(mids)
        await uow.applications.save(app, loaded)
        await uow.applications.sync_timers(app.id, app.clocks.timers(cal, app.status, app.terminal))
        result = await view(uow, app, roles)
        await uow.commit()
    return result
