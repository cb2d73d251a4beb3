"""The insight service reads back when each item was last applied for (`ListItemUse`).

Insight keeps its zombie list from events, and the streams keep 30 days: an item last
applied for longer ago than that would look unused since its first publication to an
insight that was rebuilt or joined late. So insight reads, per tenant, each item with
cases and its newest submission here, as the platform service `insight` (a platform
token that names it); every other caller is refused, people and other platform services
alike: the listing tells how much each item is used, which no tenant's pages need.
"""

from __future__ import annotations

import uuid

from mgov_common import paging
from mgov_common.principal import Principal, require_platform_service
from services.workflow.adapters.item_use import ItemUse, item_use
from services.workflow.service_layer.context import Context

READER = "insight"


async def list_item_use(ctx: Context, principal: Principal | None, *, tenant_id: str, page_size: int,
                        page_token: str) -> tuple[list[ItemUse], str]:
    require_platform_service(READER, "the item use listing", principal)  # who asks first: nobody else learns anything of the tenant
    limit = paging.page_size(page_size)
    scope = paging.fingerprint("item_use", tenant_id)
    position = ctx.pages.decode(scope, page_token, (uuid.UUID,))
    after = position[0] if position else None
    async with ctx.uow(lazy=True) as uow:  # one read, no transaction
        rows = await item_use(uow.conn, tenant_id[:64], after, limit + 1)
    token = ctx.pages.encode(scope, [str(rows[limit - 1].service_id)]) if len(rows) > limit else ""
    return rows[:limit], token
