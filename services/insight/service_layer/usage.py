"""Guide views and started application forms, as the app reports them.

They are written as insight's own events (`mgov.insight.usage.recorded.v1`, outbox), so
the consumer counts them like every other event and a rebuild counts them again. Only
published items known here are counted: a made-up id is refused, not stored.
"""

from __future__ import annotations

import uuid

from mgov_common.errors import InvalidArgument, NotFound
from mgov_common.events.domain import DomainEvent
from services.insight.domain.facts import USAGE_KINDS
from services.insight.service_layer.context import Context


async def record(ctx: Context, item_id: str, kind: str) -> None:
    if kind not in USAGE_KINDS:
        raise InvalidArgument(f"kind is one of {', '.join(USAGE_KINDS)}", field="kind", code="invalid_kind")
    try:
        iid = uuid.UUID(item_id)
    except ValueError:
        raise InvalidArgument("item_id must be a UUID", field="item_id", code="invalid_id") from None
    async with ctx.uow() as uow:
        tenant = await uow.conn.fetchval("SELECT tenant_id FROM items WHERE id = $1 AND status = 'published'", iid)
        if tenant is None:
            raise NotFound(f"no published item {item_id}", code="item_not_found")
        uow.record(DomainEvent("usage", "recorded", tenant, str(iid), {"item_id": str(iid), "kind": kind, "tenant_id": tenant}))
        await uow.commit()
