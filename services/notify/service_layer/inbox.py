"""The caller's own in-app notifications: list (cursor pages, or everything after an id
for an SSE resume), unread count, mark read. The recipient is always the principal; an
id that is not theirs is NOT_FOUND, like an unknown one, so nobody learns it exists."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mgov_common import paging
from mgov_common.errors import InvalidArgument, NotFound
from mgov_common.principal import Principal
from services.notify.adapters.inbox import Notification
from services.notify.adapters.uow import UnitOfWork
from services.notify.domain.categories import CATEGORIES
from services.notify.service_layer.context import Context


@dataclass(frozen=True)
class ListQuery:
    unread_only: bool = False
    category: str = ""
    since_id: str = ""
    page_size: int = 0
    page_token: str = ""


def _uuid(raw: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (ValueError, TypeError):
        raise InvalidArgument("not a notification id", field=field, code="invalid_id") from None


async def list_notifications(ctx: Context, p: Principal, q: ListQuery) -> tuple[list[Notification], str, int]:
    if q.category and q.category not in CATEGORIES:
        raise InvalidArgument(f"category is one of {', '.join(CATEGORIES)}", field="category", code="unknown_category")
    size = paging.page_size(q.page_size)
    key = paging.fingerprint("inbox", p.subject, q.unread_only, q.category, q.since_id)
    position = ctx.pages.decode(key, q.page_token, (paging.integer,))
    cursor = position[0] if position else None
    async with UnitOfWork(ctx.pool) as uow:
        unread = await uow.inbox.unread_count(p.subject)
        if q.since_id:
            start = cursor if cursor is not None else await uow.inbox.seq_of(p.subject, _uuid(q.since_id, "since_id"))
            if start is None:
                raise InvalidArgument("since_id is not one of your notifications", field="since_id", code="unknown_since_id")
            rows = await uow.inbox.after(p.subject, start, category=q.category, unread_only=q.unread_only, limit=size + 1)
        else:
            rows = await uow.inbox.page(p.subject, unread_only=q.unread_only, category=q.category, before_seq=cursor, limit=size + 1)
    more = len(rows) > size
    rows = rows[:size]
    return rows, ctx.pages.encode(key, [rows[-1].seq]) if more else "", unread


async def unread_count(ctx: Context, p: Principal) -> int:
    async with UnitOfWork(ctx.pool) as uow:
        return await uow.inbox.unread_count(p.subject)


async def mark_read(ctx: Context, p: Principal, ids: list[str], all_: bool) -> int:
    if not ids and not all_:
        raise InvalidArgument("name the notifications, or set all", field="notification_ids", code="required")
    parsed = None if all_ else [_uuid(raw, f"notification_ids[{i}]") for i, raw in enumerate(ids)]
    async with UnitOfWork(ctx.pool) as uow:
        if parsed is not None:
            owned = await uow.inbox.owned(p.subject, parsed)
            if missing := [i for i in parsed if i not in owned]:
                raise NotFound(f"no notification {missing[0]}", field="notification_ids", code="notification_not_found")
        marked = await uow.inbox.mark_read(p.subject, parsed, ctx.clock.now())
        await uow.commit()
    return marked
