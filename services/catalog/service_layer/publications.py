"""The insight service reads back what tenants have published (`ListPublications`).

Insight keeps its zombie list from events, and the streams keep 30 days: an item whose
newest version, or a notice that appeared, longer ago than that is unknown to an insight
that was rebuilt or joined late. So insight reads each tenant's items and newest notice
here, as the platform service `insight` (a platform token that names it); every other
caller is refused, people and other platform services alike: the listing carries retired
items and nothing a tenant's own pages need.
"""

from __future__ import annotations

import uuid

from mgov_common import paging
from mgov_common.paging import PageTokens
from mgov_common.principal import Principal, require_platform_service
from services.catalog.adapters.publications import PublishedItem, PublishedNotice, Publications
from services.catalog.adapters.uow import UnitOfWork
from services.catalog.service_layer.items import tenant_chain

READER = "insight"


async def list_publications(uow: UnitOfWork, principal: Principal | None, pages: PageTokens, *, tenant_id: str, page_size: int,
                            page_token: str) -> tuple[list[PublishedItem], PublishedNotice | None, str]:
    require_platform_service(READER, "the publications listing", principal)  # who asks first: nobody else learns which tenants exist
    limit = paging.page_size(page_size)
    scope = paging.fingerprint("publications", tenant_id)
    position = pages.decode(scope, page_token, (uuid.UUID,))
    after = position[0] if position else None
    async with uow:
        await tenant_chain(uow, tenant_id)
        repo = Publications(uow.conn)
        rows = await repo.items(tenant_id, after, limit + 1)
        notice = await repo.newest_notice(tenant_id) if after is None else None
    token = pages.encode(scope, [str(rows[limit - 1].id)]) if len(rows) > limit else ""
    return rows[:limit], notice, token
