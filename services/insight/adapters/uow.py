"""Insight's unit of work: the shared one (`mgov_common.uow`) with the tenant projection
(for subtree scoping); its events are the usage records it writes itself."""

from __future__ import annotations

import asyncpg

from mgov_common.tenants import TenantProjection
from mgov_common.uow import UnitOfWork as BaseUnitOfWork


class UnitOfWork(BaseUnitOfWork):
    service = "insight"
    tenants: TenantProjection

    def bind(self, conn: asyncpg.Connection) -> None:
        self.tenants = TenantProjection(conn)
