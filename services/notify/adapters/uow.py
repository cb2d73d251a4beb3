"""Notify's unit of work: the shared one (`mgov_common.uow`) with notify's repositories.

    async with UnitOfWork(pool) as uow:
        ...; uow.record(delivery_event(...))
        await uow.commit()

Leaving the block without `commit()` rolls back. Event handlers run inside the
consumer's transaction and use `UnitOfWork.joining(conn)`: their commit writes the
recorded events to the outbox, and the consumer commits.
"""

from __future__ import annotations

import asyncpg

from mgov_common.tenants import TenantProjection
from mgov_common.uow import UnitOfWork as BaseUnitOfWork
from services.notify.adapters.deliveries import DeliveryRepository
from services.notify.adapters.devices import DeviceRepository
from services.notify.adapters.inbox import InboxRepository
from services.notify.adapters.invitations import InvitationRepository
from services.notify.adapters.preferences import PreferenceRepository
from services.notify.adapters.templates import TemplateRepository


class UnitOfWork(BaseUnitOfWork):
    service = "notify"
    tenants: TenantProjection
    templates: TemplateRepository
    preferences: PreferenceRepository
    inbox: InboxRepository
    deliveries: DeliveryRepository
    devices: DeviceRepository
    invitations: InvitationRepository

    def bind(self, conn: asyncpg.Connection) -> None:
        self.tenants = TenantProjection(conn)
        self.templates = TemplateRepository(conn)
        self.preferences = PreferenceRepository(conn)
        self.inbox = InboxRepository(conn)
        self.deliveries = DeliveryRepository(conn)
        self.devices = DeviceRepository(conn)
        self.invitations = InvitationRepository(conn)
