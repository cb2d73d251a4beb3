"""Payment's unit of work: the shared one (`mgov_common.uow`) with the order repository;
the orders loaded in the unit are the aggregates whose events commit writes."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from mgov_common.uow import HasEvents
from mgov_common.uow import UnitOfWork as BaseUnitOfWork
from mgov_common.tenants import TenantProjection
from services.payment.adapters.orders import OrderRepository


class UnitOfWork(BaseUnitOfWork):
    service = "payment"
    orders: OrderRepository
    tenants: TenantProjection

    def bind(self, conn: asyncpg.Connection) -> None:
        self.orders = OrderRepository(conn)
        self.tenants = TenantProjection(conn)

    def aggregates(self) -> Iterable[HasEvents]:
        return self.orders.seen
