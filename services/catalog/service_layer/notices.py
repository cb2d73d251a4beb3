"""Notices (信息公开): a tenant admin publishes; a tenant reads its own and its ancestors'."""

from __future__ import annotations

import uuid
from datetime import datetime

from mgov_common import paging
from mgov_common.errors import AlreadyExists, InvalidArgument
from mgov_common.ingest import NOTICE_PUBLISHED
from mgov_common.paging import PageTokens, fingerprint
from mgov_common.principal import Principal
from services.catalog.adapters.uow import UnitOfWork
from services.catalog.domain.notice import Notice
from services.catalog.domain.permissions import actor_of, require_admin
from services.catalog.domain.types import NOTICE_CATEGORIES
from services.catalog.service_layer.items import tenant_chain


async def publish_notice(
    uow: UnitOfWork, principal: Principal | None, *, tenant_id: str, title: dict[str, str], body: dict[str, str],
    category: str, publish_time: datetime | None, request_id: str, now: datetime,
) -> Notice:
    async with uow:
        actor = actor_of(require_admin(principal, await tenant_chain(uow, tenant_id), NOTICE_PUBLISHED))
        # The key is bound to the caller and the body: anyone or anything else reusing it is refused.
        scope = f"notice:{tenant_id}"
        print_ = fingerprint(actor["kind"], actor["id"], title, body, category, publish_time.isoformat() if publish_time else None)
        if request_id:
            seen = await uow.keys.find(scope, request_id)
            if seen is not None:
                if seen["fingerprint"] != print_:
                    raise AlreadyExists("this Idempotency-Key was used with another notice", code="idempotency_key_reused", field="request_id")
                existing = await uow.notices.get(uuid.UUID(seen["result_id"]))
                assert existing is not None
                return existing
        notice = Notice.publish(tenant_id=tenant_id, title=title, body=body, category=category, publish_time=publish_time, actor=actor, now=now)
        await uow.notices.add(notice)
        if request_id:
            await uow.keys.remember(scope, request_id, print_, str(notice.id))
        await uow.commit()
        return notice


async def list_notices(
    uow: UnitOfWork, pages: PageTokens, *, tenant_id: str, category: str, own_only: bool, page_size: int, page_token: str,
) -> tuple[list[Notice], str]:
    limit = paging.page_size(page_size)
    if category and category not in NOTICE_CATEGORIES:
        raise InvalidArgument(f"category is one of {', '.join(NOTICE_CATEGORIES)}", code="unknown_value", field="category")
    scope = paging.fingerprint("notices", tenant_id, category, own_only)
    p = pages.decode(scope, page_token, (paging.timestamp, uuid.UUID))
    after = p
    async with uow:
        await tenant_chain(uow, tenant_id)
        rows = await uow.notices.list(tenant_id, own_only=own_only, category=category or None, after=after, limit=limit + 1)
    token = ""
    if len(rows) > limit:
        rows = rows[:limit]
        token = pages.encode(scope, [rows[-1].publish_time.isoformat(), str(rows[-1].id)])
    return rows, token

