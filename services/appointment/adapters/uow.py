"""The appointment service's unit of work: the shared one (`mgov_common.uow`) with its
repositories; bookings loaded in the unit publish the events they recorded on commit."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from mgov_common.tenants import TenantProjection
from mgov_common.uow import HasEvents
from mgov_common.uow import UnitOfWork as BaseUnitOfWork
from services.appointment.adapters.appointments import AppointmentRepository, BlockRepository
from services.appointment.adapters.halls import CalendarRepository, HallRepository, RulesRepository, SlotRepository


class UnitOfWork(BaseUnitOfWork):
    service = "appointment"
    tenants: TenantProjection
    halls: HallRepository
    slots: SlotRepository
    appointments: AppointmentRepository
    blocks: BlockRepository
    calendars: CalendarRepository
    rules: RulesRepository

    def bind(self, conn: asyncpg.Connection) -> None:
        self.tenants = TenantProjection(conn)
        self.halls = HallRepository(conn)
        self.slots = SlotRepository(conn)
        self.appointments = AppointmentRepository(conn)
        self.blocks = BlockRepository(conn)
        self.calendars = CalendarRepository(conn)
        self.rules = RulesRepository(conn)

    def aggregates(self) -> Iterable[HasEvents]:
        return self.appointments.seen
