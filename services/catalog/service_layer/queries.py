"""Read use cases: the effective list with search, one item at a version, its versions.

Reads run without a transaction (`UnitOfWork(pool, begin=False)`): the public list is one
statement, so it costs one round trip. Drafts are shown only to the admins of the
item's tenant.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from mgov_common import paging
from mgov_common.errors import InvalidArgument, NotFound
from mgov_common.ingest import ITEM_UPDATED
from mgov_common.paging import PageTokens
from mgov_common.principal import Principal
from services.catalog.adapters import search_sql
from services.catalog.adapters.uow import UnitOfWork
from services.catalog.domain.item import Version
from services.catalog.domain.permissions import require_admin
from services.catalog.domain.types import CHANNELS, ItemType
from services.catalog.service_layer.items import tenant_chain
from services.catalog.service_layer.views import ItemView, draft_view, row_view, version_view

MAX_QUERY = 100


@dataclass(frozen=True)
class ListQuery:
    tenant_id: str
    q: str = ""
    type: str = ""
    department: str = ""
    channel: str = ""
    include_drafts: bool = False
    page_size: int = 0
    page_token: str = ""


def _criteria(query: ListQuery, pages: PageTokens) -> tuple[search_sql.Criteria, Callable[[], str]]:
    q = " ".join(query.q.split())
    if len(q) > MAX_QUERY:
        raise InvalidArgument(f"the search text is limited to {MAX_QUERY} characters", code="too_long", field="q")
    limit = paging.page_size(query.page_size)
    item_type = ItemType.parse(query.type).slug if query.type else None
    if query.channel and query.channel not in CHANNELS:
        raise InvalidArgument(f"channel is one of {', '.join(CHANNELS)}", code="unknown_value", field="channel")
    department = query.department.strip() or None

    def scope() -> str:
        """The query's key in its page tokens; hashed only when a token is read or made
        (most searches fit one page and come without a token)."""
        return paging.fingerprint("services", query.tenant_id, q.lower(), item_type, department, query.channel, query.include_drafts)

    p = pages.decode(scope(), query.page_token, (paging.integer, paging.integer, paging.text, uuid.UUID)) if query.page_token else None
    after = (p[0], p[1], p[2], str(p[3])) if p else None
    return search_sql.Criteria(query.tenant_id, q, item_type, department, query.channel or None, query.include_drafts, limit, after), scope


async def list_services(uow: UnitOfWork, principal: Principal | None, pages: PageTokens, query: ListQuery) -> tuple[list[ItemView], str]:
    """One page of the effective list of a tenant and the token of the next page ("" at the end)."""
    criteria, scope = _criteria(query, pages)
    async with uow:
        if query.include_drafts:
            require_admin(principal, await tenant_chain(uow, query.tenant_id), ITEM_UPDATED)
        rows = await uow.items.search(criteria)
        if not rows:
            await tenant_chain(uow, query.tenant_id)  # an unknown tenant is 404, not an empty list
    more = len(rows) > criteria.limit
    rows = rows[: criteria.limit]
    token = ""
    if more:
        last = rows[-1]
        token = pages.encode(scope(), [last["score"], last["use_count"], last["code"], str(last["id"])])
    return [row_view(r) for r in rows], token


async def get_service(uow: UnitOfWork, principal: Principal | None, *, item_id: uuid.UUID, version: int, draft: bool) -> ItemView:
    """An item at its latest published version, at `version`, or its draft (admins)."""
    if version < 0:
        raise InvalidArgument("version is 1 or more (0 = the latest)", code="out_of_range", field="version")
    async with uow:
        item = await uow.items.get(item_id)
        if item is None:
            raise NotFound(f"no service item {item_id}", code="item_not_found", field="service_id")
        if draft:
            require_admin(principal, await tenant_chain(uow, item.tenant_id), ITEM_UPDATED)
            if item.draft is None:
                raise NotFound(f"{item.code} has no draft", code="no_draft", field="draft")
            base = await uow.items.get(item.inherited_from) if item.inherited_from else None
            return draft_view(item, base)
        chosen: Version | None = item.latest if version in (0, item.latest_version) else await uow.items.version(item.id, version)
        if chosen is None:
            what = f"no version {version}" if version else "not been published"
            raise NotFound(f"{item.code} has {what}", code="version_not_found", field="version")
        return version_view(item, chosen)


async def list_versions(uow: UnitOfWork, *, item_id: uuid.UUID) -> list[Version]:
    async with uow:
        if await uow.items.get(item_id) is None:
            raise NotFound(f"no service item {item_id}", code="item_not_found", field="service_id")
        return await uow.items.versions(item_id)
