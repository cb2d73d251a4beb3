"""What every handler needs, built once by the bootstrap (and by tests, with a manual clock)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import asyncpg

from mgov_common.auth import TokenVerifier
from mgov_common.clock import Clock, SystemClock
from mgov_common.paging import PageTokens
from services.workflow.adapters.file_store import FileStore, PgFileStore
from services.workflow.adapters.services import ItemFetcher, StaffDirectory
from services.workflow.adapters.uow import UnitOfWork
from services.workflow.domain.access import TenantTree
from services.workflow.domain.calendar import WorkingCalendar, local_date

# Calendar rows loaded around "now": wide enough for any SLA, rectification or re-derivation.
CALENDAR_BEFORE_DAYS = 400
CALENDAR_AFTER_DAYS = 800
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
    # Signs the page tokens of every list (the platform's page-token secret).
    pages: PageTokens = field(default_factory=PageTokens.ephemeral)
    # Verifies identity's phone tokens (audience mgov-phone): reporters without an account.
    phone_tokens: TokenVerifier | None = None

    def uow(self, *, lazy: bool = False) -> UnitOfWork:
        return UnitOfWork(self.pool, begin=not lazy, clock=self.clock)


async def tree_of(ctx: Context, uow: UnitOfWork) -> TenantTree:
    async def load() -> TenantTree:
        return TenantTree(await uow.tenants.all())

    return await ctx.cache.get("tree", load)


async def calendar_for(uow: UnitOfWork, tree: TenantTree, tenant: str, ctx: Context) -> WorkingCalendar:
    today = local_date(ctx.clock.now())
    chain = tree.ancestors(tenant)
    return await ctx.cache.get(("calendar", tuple(chain), today), lambda: uow.reference.calendar(
        chain, today - timedelta(days=CALENDAR_BEFORE_DAYS), today + timedelta(days=CALENDAR_AFTER_DAYS)))
