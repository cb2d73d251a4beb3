"""Enforcement's unit of work: the shared one (`mgov_common.uow`) with its repositories;
inspections loaded in the unit publish the events they recorded on commit."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from mgov_common.calendars import CalendarProjection
from mgov_common.tenants import TenantProjection
from mgov_common.uow import HasEvents
from mgov_common.uow import UnitOfWork as BaseUnitOfWork
from services.enforcement.adapters.decisions import DecisionRepository
from services.enforcement.adapters.inspections import InspectionRepository
from services.enforcement.adapters.positions import TeamPositions
from services.enforcement.adapters.orders import OrderRepository
from services.enforcement.adapters.registry import Registry


class UnitOfWork(BaseUnitOfWork):
    service = "enforcement"
    tenants: TenantProjection
    calendars: CalendarProjection
    registry: Registry
    inspections: InspectionRepository
    positions: TeamPositions
    orders: OrderRepository
    decisions: DecisionRepository

    def bind(self, conn: asyncpg.Connection) -> None:
        self.tenants = TenantProjection(conn)
        self.calendars = CalendarProjection(conn)
        self.registry = Registry(conn)
        self.inspections = InspectionRepository(conn)
        self.positions = TeamPositions(conn)
        self.orders = OrderRepository(conn)
        self.decisions = DecisionRepository(conn)

    def aggregates(self) -> Iterable[HasEvents]:
        return self.inspections.seen
