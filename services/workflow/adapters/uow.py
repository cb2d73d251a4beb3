"""The workflow service's unit of work: the shared one (`mgov_common.uow`) with its
repositories.

Handlers read `async with uow: ...; await uow.commit()`. Commit writes the events the
cases and rectifications recorded, and those handed to `uow.record`, to the outbox in
the same transaction; leaving the block without committing rolls everything back.
`begin=False`: reads run before the transaction, which starts at `await uow.begin()`
(fewer round trips on the hot path).
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from mgov_common.tenants import TenantProjection
from mgov_common.uow import HasEvents
from mgov_common.uow import UnitOfWork as BaseUnitOfWork
from services.workflow.adapters.applications import ApplicationRepository
from services.workflow.adapters.definitions import DefinitionRepository
from services.workflow.adapters.reference import ReferenceRepository
from services.workflow.adapters.reports import ReportRepository
from services.workflow.adapters.tasks import MaterialRepository, TaskRepository


class UnitOfWork(BaseUnitOfWork):
    service = "workflow"
    applications: ApplicationRepository
    definitions: DefinitionRepository
    reference: ReferenceRepository
    tasks: TaskRepository
    tenants: TenantProjection
    materials: MaterialRepository
    reports: ReportRepository

    def bind(self, conn: asyncpg.Connection) -> None:
        self.definitions = DefinitionRepository(conn)
        self.reports = ReportRepository(conn)
        self.applications = ApplicationRepository(conn, self.definitions, self.reports)
        self.reference = ReferenceRepository(conn)
        self.tasks = TaskRepository(conn)
        self.materials = MaterialRepository(conn)
        self.tenants = TenantProjection(conn)

    def aggregates(self) -> Iterable[HasEvents]:
        return [*self.applications.seen, *self.tasks.rectifications]
