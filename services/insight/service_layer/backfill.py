"""Items, notices and systems from their owners' listings: what the events no longer tell.

Insight's projection is fed by events and the streams keep 30 days (`MGOV_EVENTS`): an
item whose newest version, a notice that appeared, or a system registered longer ago is
unknown to an insight that was rebuilt or that joined a platform already running — and
those are the oldest zombies, the ones the list exists for. So insight reads catalog's
publications listing (each tenant's items, published or retired since, and its newest
notice), identity's systems listing (every tenant's, revoked ones too) and workflow's
item use listing (each tenant's items with cases and their newest submission: an item
last applied for before the streams' 30 days would look unused), as the platform service
`insight`, at start, every `MGOV_INSIGHT_STAFF_SYNC_INTERVAL_S` with
the staff listings (service_layer/staff.py), and within every rebuild (rebuild.py).

Listings and events are merged (adapters/listed.py): the earliest publication or
registration, the latest review and application, retired or revoked once either says so. So the order in
which the two arrive never matters and reading a listing again changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg

from services.insight.adapters import listed
from services.insight.adapters.listings import ListedItem, ListedNotice, ListedSystem, ListedUse, PublicationsPage
from services.insight.service_layer import staff
from services.insight.service_layer.context import Context

log = logging.getLogger(__name__)


class Publications(Protocol):
    def publications(self, tenant_id: str) -> AsyncIterator[PublicationsPage]: ...


class Systems(Protocol):
    def systems(self) -> AsyncIterator[list[ListedSystem]]: ...


class ItemUse(Protocol):
    def item_use(self, tenant_id: str) -> AsyncIterator[list[ListedUse]]: ...


@dataclass(frozen=True)
class Sources:
    """The listings insight reads (each None: not read)."""

    publications: Publications | None = None
    systems: Systems | None = None
    staff: staff.Listings | None = None
    item_use: ItemUse | None = None


@dataclass
class Listed:
    """What the listings said, held to be applied in one transaction (a rebuild's)."""

    items: list[ListedItem] = field(default_factory=list)
    notices: list[ListedNotice] = field(default_factory=list)
    systems: list[ListedSystem] = field(default_factory=list)
    uses: list[ListedUse] = field(default_factory=list)


async def _tenants(ctx: Context) -> list[str]:
    async with ctx.uow(begin=False) as uow:
        return [n.id for n in await uow.tenants.all()]


@dataclass
class Counts:
    items: int = 0
    notices: int = 0
    systems: int = 0
    uses: int = 0


# Each listing as pages of `Listed`, so that reading and merging are written once for all.
async def _publication_pages(ctx: Context, source: Publications) -> AsyncIterator[Listed]:
    for tenant in await _tenants(ctx):
        async for page in source.publications(tenant):
            yield Listed(items=page.items, notices=[page.notice] if page.notice is not None else [])


async def _system_pages(ctx: Context, source: Systems) -> AsyncIterator[Listed]:
    async for systems in source.systems():
        yield Listed(systems=systems)


async def _item_use_pages(ctx: Context, source: ItemUse) -> AsyncIterator[Listed]:
    for tenant in await _tenants(ctx):
        async for uses in source.item_use(tenant):
            yield Listed(uses=uses)


async def _merge(ctx: Context, pages: AsyncIterator[Listed]) -> Counts:
    """Each page merged in, a transaction per page (a failure half-way keeps the pages done)."""
    out = Counts()
    async for page in pages:
        async with ctx.uow() as uow:
            await apply(uow.conn, page)
            await uow.commit()
        out.items += len(page.items)
        out.notices += len(page.notices)
        out.systems += len(page.systems)
        out.uses += len(page.uses)
    return out


async def sync_publications(ctx: Context, source: Publications) -> Counts:
    """Every known tenant's publications merged in."""
    return await _merge(ctx, _publication_pages(ctx, source))


async def sync_systems(ctx: Context, source: Systems) -> Counts:
    return await _merge(ctx, _system_pages(ctx, source))


async def sync_item_use(ctx: Context, source: ItemUse) -> Counts:
    """Every known tenant's item use merged in (after the publications: only known items
    are dated)."""
    return await _merge(ctx, _item_use_pages(ctx, source))


async def read(ctx: Context, sources: Sources) -> Listed:
    """Everything the item and system listings say now, in memory (for a rebuild: read
    before it locks the tables, applied inside its transaction by `apply`)."""
    out = Listed()
    listings: list[tuple[Any, Callable[[Context, Any], AsyncIterator[Listed]]]] = [
        (sources.publications, _publication_pages), (sources.systems, _system_pages), (sources.item_use, _item_use_pages)]
    for source, pages in listings:
        if source is None:
            continue
        async for page in pages(ctx, source):
            out.items += page.items
            out.notices += page.notices
            out.systems += page.systems
            out.uses += page.uses
    return out


async def apply(conn: asyncpg.Connection, what: Listed, chunk: int = 500) -> None:
    """`what` merged in on `conn` (inside the caller's transaction)."""
    for i in range(0, len(what.items), chunk):
        await listed.items_listed(conn, what.items[i:i + chunk])
    for notice in what.notices:
        await listed.notice_listed(conn, notice)
    for i in range(0, len(what.systems), chunk):
        await listed.systems_listed(conn, what.systems[i:i + chunk])
    for i in range(0, len(what.uses), chunk):  # after the items: only known items are dated
        await listed.uses_listed(conn, what.uses[i:i + chunk])


async def sync(ctx: Context, sources: Sources) -> bool:
    """One round of every listing; one that fails (its owner away) does not stop the
    others. Whether every one was read."""
    if not await _tenants(ctx):
        return False  # a fresh insight whose tenant projection is not filled yet: nothing to ask about
    rounds: list[tuple[str, Any, Callable[[Context, Any], Awaitable[object]]]] = [
        ("staff", sources.staff, staff.sync), ("publications", sources.publications, sync_publications),
        ("systems", sources.systems, sync_systems), ("item_use", sources.item_use, sync_item_use)]
    ok = True
    for name, source, read_one in rounds:
        if source is None:
            continue
        try:
            done = await read_one(ctx, source)
            log.info("listings read", extra={"listing": name, **{k: v for k, v in vars(done).items() if isinstance(v, int)}})
        except Exception as exc:  # noqa: BLE001 - the owner away: tried again soon; events still count
            log.warning("listings not read", extra={"listing": name, "error": repr(exc)})
            ok = False
    return ok


async def run(ctx: Context, sources: Sources, every_s: float, retry_s: float = 5.0) -> None:
    """At start and every `every_s`; after a round that missed a listing (an owner still
    starting, or away), again after `retry_s`, doubling up to `every_s`."""
    wait = retry_s
    while True:
        if await sync(ctx, sources):
            wait = retry_s
            await asyncio.sleep(every_s)
        else:
            await asyncio.sleep(min(wait, every_s))
            wait *= 2
