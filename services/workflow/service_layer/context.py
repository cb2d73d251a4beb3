"""What every handler needs, built once by the bootstrap (and by tests, with a manual clock)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import asyncpg

from mgov_common.errors import InvalidArgument
from services.workflow.adapters.file_store import FileStore, PgFileStore
from services.workflow.adapters.services import ItemFetcher, StaffDirectory
from services.workflow.adapters.uow import UnitOfWork
from services.workflow.domain.access import TenantTree
from services.workflow.domain.calendar import WorkingCalendar, local_date
from mgov_common.clock import Clock, SystemClock

# Calendar rows loaded around "now": wide enough for any SLA, rectification or re-derivation.
CALENDAR_BEFORE_DAYS = 400
CALENDAR_AFTER_DAYS = 800
DEFAULT_PAGE, MAX_PAGE = 20, 100
# Reference data (tenant tree, calendars, definitions in force, prefixes, item versions)
# is read on every submission; each process keeps it this long. A change made through
# this process clears its cache at once; other replicas see it within this time.
REFERENCE_TTL_S = 5.0
T = TypeVar("T")


class TtlCache:
    def __init__(self, ttl_s: float = REFERENCE_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._data: dict[Any, tuple[float, Any]] = {}

    async def get(self, key: Any, load: Callable[[], Awaitable[T]]) -> T:
        hit = self._data.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
            return hit[1]  # type: ignore[no-any-return]
        value = await load()
        if len(self._data) > 10_000:
            self._data.clear()
        self._data[key] = (time.monotonic(), value)
        return value

    def clear(self) -> None:
        self._data.clear()


@dataclass
class Context:
    pool: asyncpg.Pool
    clock: Clock = field(default_factory=SystemClock)
    files: FileStore = field(default_factory=PgFileStore)
    items: ItemFetcher | None = None
    staff: StaffDirectory | None = None
    cache: TtlCache = field(default_factory=TtlCache)

    def uow(self, *, lazy: bool = False) -> UnitOfWork:
        return UnitOfWork(self.pool, begin=not lazy)


async def tree_of(ctx: Context, uow: UnitOfWork) -> TenantTree:
    async def load() -> TenantTree:
        return TenantTree(await uow.tenants.all())

    return await ctx.cache.get("tree", load)


async def calendar_for(uow: UnitOfWork, tree: TenantTree, tenant: str, ctx: Context) -> WorkingCalendar:
    today = local_date(ctx.clock.now())
    chain = tree.ancestors(tenant)
    return await ctx.cache.get(("calendar", tuple(chain), today), lambda: uow.reference.calendar(
        chain, today - timedelta(days=CALENDAR_BEFORE_DAYS), today + timedelta(days=CALENDAR_AFTER_DAYS)))


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("page_size must not be negative", code="out_of_range", field="page_size")
    return min(requested or DEFAULT_PAGE, MAX_PAGE)


def encode_token(kind: str, values: list[Any]) -> str:
    raw = json.dumps({"k": kind, "v": values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(kind: str, token: str) -> list[Any] | None:
    """The keyset values of a page token made by `encode_token(kind, ...)`; a tampered one is 422."""
    if not token:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if data["k"] != kind or not isinstance(data["v"], list) or len(data["v"]) != 2:
            raise ValueError
        uuid.UUID(str(data["v"][1]))
        return data["v"]  # type: ignore[no-any-return]
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise InvalidArgument("the page token is not one this service gave out", code="invalid_page_token", field="page_token") from None
