"""Tenant administration of notifications: templates (versioned, inherited down the
tree) and the delivery log.

Templates: a tenant_admin saves their tenant's; a province_admin the province's base
templates and any tenant's below. Deliveries: a tenant_admin of the tenant or of an
ancestor, a province_admin, or a platform service (ops) sees the tenant's subtree.
"""

from __future__ import annotations

import re
import uuid

from mgov_common import paging
from mgov_common.errors import InvalidArgument, NotFound, PermissionDenied
from mgov_common.principal import PLATFORM, Principal
from services.notify.adapters.deliveries import Delivery
from services.notify.adapters.uow import UnitOfWork
from services.notify.domain.categories import TEMPLATE_KEYS
from services.notify.domain.templates import Template, require_valid
from services.notify.service_layer.context import Context

TENANT_ADMIN, PROVINCE_ADMIN = "tenant_admin", "province_admin"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_TENANT = re.compile(r"^[a-z][a-z0-9-]{1,30}$")


async def _chain(uow: UnitOfWork, tenant_id: str) -> list[str]:
    chain = [t.id for t in await uow.tenants.chain(tenant_id)] if _TENANT.match(tenant_id or "") else []
    if not chain:
        raise NotFound(f"no tenant {tenant_id!r}", field="tenant_id", code="tenant_not_found")
    return chain


def _administers(p: Principal, chain: list[str]) -> bool:
    return p.has_role(PROVINCE_ADMIN, chain[-1]) or any(p.has_role(TENANT_ADMIN, t) for t in chain)


async def save_template(ctx: Context, p: Principal, tenant_id: str, *, key: str, channel: str, locale: str, title: str, body: str,
                        urgent: bool | None) -> Template:
    async with UnitOfWork(ctx.pool) as uow:
        chain = await _chain(uow, tenant_id)
        # Who may comes first: a caller who may not save templates learns nothing from validation.
        if not (p.has_role(TENANT_ADMIN, tenant_id) or p.has_role(PROVINCE_ADMIN, chain[-1])):
            raise PermissionDenied(f"only {tenant_id}'s admins (or the province's) save its templates", code="forbidden")
        require_valid(key=key, channel=channel, locale=locale or "zh-CN", title=title, body=body)
        spec = TEMPLATE_KEYS[key]
        saved = await uow.templates.add(
            tenant_id=tenant_id, key=key, channel=channel, locale=locale or "zh-CN", category=spec.category, title=title.strip(),
            body=body.strip(), urgent=spec.urgent if urgent is None else urgent, now=ctx.clock.now(),
            created_by={"kind": p.kind, "id": p.subject, "tenant_id": p.tenant},
        )
        await uow.commit()
    ctx.cache.clear()  # after the commit: this process uses the new version at once, other replicas within the cache's TTL
    return saved


async def list_deliveries(ctx: Context, p: Principal, tenant_id: str, *, notification_id: str, recipient_id: str, channel: str,
                          status: str, page_size: int, page_token: str) -> tuple[list[Delivery], str]:
    size = paging.page_size(page_size)
    if recipient_id and not _ID.match(recipient_id):
        raise InvalidArgument("not a user id", field="recipient_id", code="invalid_id")
    key = paging.fingerprint("deliveries", tenant_id, notification_id, recipient_id, channel, status)
    position = ctx.pages.decode(key, page_token, (paging.timestamp, uuid.UUID))
    before = position
    try:
        nid = uuid.UUID(notification_id) if notification_id else None
    except ValueError:
        raise InvalidArgument("not a notification id", field="notification_id", code="invalid_id") from None
    async with UnitOfWork(ctx.pool) as uow:
        chain = await _chain(uow, tenant_id)
        if not (p.kind == PLATFORM or _administers(p, chain)):
            raise PermissionDenied(f"you may not see {tenant_id}'s deliveries", code="forbidden")
        rows = await uow.deliveries.page(await uow.tenants.subtree(tenant_id), notification_id=nid, recipient_id=recipient_id,
                                           channel=channel, status=status, before=before, limit=size + 1)
    more = len(rows) > size
    rows = rows[:size]
    return rows, ctx.pages.encode(key, [rows[-1].created_at.isoformat(), str(rows[-1].id)]) if more else ""
