"""Subjects, inspectors, conflicts of interest and checklists: the registry the draw reads."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from mgov_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from mgov_common.events.domain import DomainEvent
from mgov_common.principal import Principal
from services.enforcement.adapters.uow import UnitOfWork
from services.enforcement.domain.checklist import parse_items
from services.enforcement.domain.subjects import InspectorFields, SubjectFields, check_category
from services.enforcement.service_layer.context import INSPECTOR, Context, chain_ids, require_supervisor, scope, visible


def parse_id(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError):
        raise NotFound(f"no such {what}", code="not_found") from None


def subject_view(r: Any) -> dict[str, Any]:
    return {k: r[k] for k in ("id", "tenant_id", "name", "credit_code", "address", "latitude", "longitude", "category", "risk_level",
                              "contact_phone", "last_inspected", "create_time", "update_time")}


async def upsert_subject(uow: UnitOfWork, tenant_id: str, raw: dict[str, Any], now: Any) -> dict[str, Any]:
    """Create or update (by credit code) a subject of `tenant_id`; the caller checked who may."""
    if not await uow.tenants.chain(tenant_id):
        raise NotFound("no such tenant", code="not_found")
    return subject_view(await uow.registry.upsert_subject(tenant_id, SubjectFields.parse(raw), now))


async def save_subject(ctx: Context, principal: Principal, tenant_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    fields = SubjectFields.parse(raw)  # a bad body is refused before anything is read
    async with ctx.uow() as uow:
        await require_supervisor(uow, principal, tenant_id)
        view = subject_view(await uow.registry.upsert_subject(tenant_id, fields, ctx.clock.now()))
        uow.record(subject_event(view))
        await uow.commit()
    return view


def subject_event(view: dict[str, Any]) -> DomainEvent:
    return DomainEvent("subject", "upserted", view["tenant_id"], str(view["id"]),
                       {"subject_id": str(view["id"]), "credit_code": view["credit_code"], "category": view["category"]})


async def get_subject(ctx: Context, principal: Principal, subject_id: str) -> dict[str, Any]:
    async with ctx.uow(begin=False) as uow:
        r = await uow.registry.subject(parse_id(subject_id, "subject"))
        if r is None:
            raise NotFound("no such subject", code="not_found")
        await visible(uow, principal, r["tenant_id"], "subject")
        return subject_view(r)


async def search_subjects(ctx: Context, principal: Principal, tenant_id: str, query: str, category: str, page_size: int,
                          after: tuple[str, uuid.UUID] | None) -> list[dict[str, Any]]:
    if len(query) > 100:
        raise InvalidArgument("a search is at most 100 characters", field="q", code="too_long")
    if category:
        check_category(category)
    async with ctx.uow(begin=False) as uow:
        tenants = await scope(uow, principal, tenant_id)
        return [subject_view(r) for r in await uow.registry.search_subjects(tenants, query.strip(), category, after, page_size)]


async def set_inspector(ctx: Context, principal: Principal, tenant_id: str, user_id: str, certificate: str,
                        categories: list[str]) -> dict[str, Any]:
    """A supervisor records an inspector's enforcement certificate and categories."""
    fields = InspectorFields.parse(certificate, categories)
    if not user_id or len(user_id) > 64:
        raise InvalidArgument("user_id names the inspector's account", field="user_id", code="required")
    async with ctx.uow() as uow:
        await require_supervisor(uow, principal, tenant_id)
        try:
            await uow.registry.set_inspector(tenant_id, user_id, fields.certificate, sorted(fields.categories), ctx.clock.now())
        except asyncpg.UniqueViolationError:
            raise AlreadyExists("another inspector holds this certificate number", field="certificate",
                                code="certificate_taken") from None
        await uow.commit()
    return {"tenant_id": tenant_id, "user_id": user_id, "certificate": fields.certificate, "categories": sorted(fields.categories),
            "conflicts": []}


async def list_inspectors(ctx: Context, principal: Principal, tenant_id: str) -> list[dict[str, Any]]:
    async with ctx.uow(begin=False) as uow:
        await require_supervisor(uow, principal, tenant_id)
        tenants = await uow.tenants.subtree(tenant_id) or [tenant_id]
        return [dict(r) for r in await uow.registry.inspectors(tenants)]


async def declare_conflict(ctx: Context, principal: Principal, subject_id: str, reason: str) -> None:
    """An inspector declares a subject they must not inspect (kin, former employer, ...)."""
    if not 1 <= len(reason.strip()) <= 500:
        raise InvalidArgument("say why, in at most 500 characters", field="reason", code="reason_required")
    async with ctx.uow() as uow:
        r = await uow.registry.subject(parse_id(subject_id, "subject"))
        if r is None:
            raise NotFound("no such subject", code="not_found")
        await visible(uow, principal, r["tenant_id"], "subject")
        if not principal.tenants_with(INSPECTOR):
            raise PermissionDenied("conflicts of interest are declared by inspectors", code="not_inspector")
        await uow.registry.add_conflict(r["tenant_id"], principal.subject, r["id"], reason.strip(), ctx.clock.now())
        await uow.commit()


async def publish_checklist(ctx: Context, principal: Principal, tenant_id: str, category: str, items: Any) -> dict[str, Any]:
    """A new version of a category's checklist; published versions are never changed."""
    check_category(category)
    parsed = parse_items(items)
    async with ctx.uow() as uow:
        await require_supervisor(uow, principal, tenant_id)
        await uow.lock(f"checklist:{tenant_id}:{category}")
        version = await uow.registry.publish_checklist(tenant_id, category, parsed, principal.subject, ctx.clock.now())
        await uow.commit()
    return {"tenant_id": tenant_id, "category": category, "version": version, "items": parsed}


async def effective_checklist(uow: UnitOfWork, tenant_id: str, category: str) -> tuple[str, int, list[dict[str, str]]]:
    found = await uow.registry.checklist(await chain_ids(uow, tenant_id), category)
    if found is None:
        raise FailedPrecondition(f"no checklist for {category} in {tenant_id} or above it: publish one first", code="no_checklist")
    return found


async def get_checklist(ctx: Context, principal: Principal, tenant_id: str, category: str) -> dict[str, Any]:
    check_category(category)
    async with ctx.uow(begin=False) as uow:
        await visible(uow, principal, tenant_id, "tenant")
        owner, version, items = await effective_checklist(uow, tenant_id, category)
    return {"tenant_id": owner, "category": category, "version": version, "items": items}
