"""Reading an owner's cursor-paged gRPC listing to its end: the one loop that insight's
listings (adapters/listings.py, adapters/staff.py) share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import grpc


class Page(Protocol):
    next_page_token: str


P = TypeVar("P", bound=Page)


async def pages(fetch: Callable[[str], Awaitable[P]], max_pages: int, *, unknown_is_empty: bool = False) -> AsyncIterator[P]:
    """Each response of the listing: the first asked with no page token, each next with
    the previous one's `next_page_token`, until one has none (at most `max_pages`: a bound
    on one pass). With `unknown_is_empty`, NOT_FOUND (a tenant the owner does not know)
    ends the listing instead of raising."""
    token = ""
    for _ in range(max_pages):
        try:
            resp = await fetch(token)
        except grpc.aio.AioRpcError as exc:
            if unknown_is_empty and exc.code() == grpc.StatusCode.NOT_FOUND:
                return
            raise
        yield resp
        token = resp.next_page_token
        if not token:
            return


def time_of(msg: object, field: str) -> datetime | None:
    """A Timestamp field as an aware datetime, None when unset."""
    return getattr(msg, field).ToDatetime(tzinfo=UTC) if msg.HasField(field) else None  # type: ignore[attr-defined]
