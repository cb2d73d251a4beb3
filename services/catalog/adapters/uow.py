"""The catalogue's unit of work: the shared one (`mgov_common.uow`) with its repositories.

Handlers read as `async with uow: ...; await uow.commit()`; commit writes the events the
items and notices recorded to the outbox in the same transaction. `begin=False` takes
no transaction for plain reads (one statement each), which keeps the public list at
one round trip; such a unit cannot commit.
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from mgov_common.tenants import TenantProjection
from mgov_common.uow import HasEvents
from mgov_common.uow import UnitOfWork as BaseUnitOfWork
from services.catalog.adapters.items import ItemRepository
from services.catalog.adapters.notices import IdempotencyRepository, NoticeRepository, OptOutRepository


class UnitOfWork(BaseUnitOfWork):
    service = "catalog"
    items: ItemRepository
    tenants: TenantProjection
    notices: NoticeRepository
    opt_outs: OptOutRepository
    keys: IdempotencyRepository

    def bind(self, conn: asyncpg.Connection) -> None:
        self.items, self.tenants = ItemRepository(conn), TenantProjection(conn)
        self.notices, self.opt_outs, self.keys = NoticeRepository(conn), OptOutRepository(conn), IdempotencyRepository(conn)

    def aggregates(self) -> Iterable[HasEvents]:
        return [*self.items.seen.values(), *self.notices.seen]
