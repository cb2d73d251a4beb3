"""The workflow service's unit of work: the shared one (`mgov_common.uow`) with its
repositories.

Handlers read `async with uow: ...; await uow.commit()`. Commit writes the events the
cases and rectifications recorded, and those handed to `uow.record`, to the outbox in
the same transaction; leaving the block without committing rolls everything back.
`begin=False`: reads run before the transaction, which starts at `await uow.begin()`
(fewer round trips on the hot path). A submission never begins one: `commit_new_case`
writes the case, its number, timeline, timers and events in one statement, which is
its own transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

import asyncpg

from mgov_common.tenants import TenantProjection
from mgov_common.uow import HasEvents
from mgov_common.uow import UnitOfWork as BaseUnitOfWork
from mgov_common.uow import to_cloud_event
from services.workflow.adapters.applications import ApplicationRepository
from services.workflow.adapters.definitions import DefinitionRepository
from services.workflow.adapters.reference import ReferenceRepository
from services.workflow.adapters.reports import ReportRepository
from services.workflow.adapters.tasks import MaterialRepository, TaskRepository
from services.workflow.domain.application import Application
from services.workflow.domain.sla import TimerPlan


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
        self._after_commit: list[Callable[[], None]] = []
        self.definitions = DefinitionRepository(conn)
        self.reports = ReportRepository(conn)
        self.applications = ApplicationRepository(conn, self.definitions, self.reports)
        self.reference = ReferenceRepository(conn)
        self.tasks = TaskRepository(conn)
        self.materials = MaterialRepository(conn)
        self.tenants = TenantProjection(conn)

    def aggregates(self) -> Iterable[HasEvents]:
        return [*self.applications.seen, *self.tasks.rectifications]

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run `fn` once this unit committed (metrics of what it wrote); never if it rolls back."""
        self._after_commit.append(fn)

    async def commit(self) -> None:
        await super().commit()
        hooks, self._after_commit = self._after_commit, []
        for fn in hooks:
            fn()

    async def commit_new_case(self, app: Application, *, prefix: str, year: int, placeholder: str, timers: list[TimerPlan],
                              material_ids: list[uuid.UUID], request_id: str | None, request_hash: str | None) -> str | None:
        """Commit a submission in one statement (its own transaction): the case number,
        the case, its first transition, timers and materials, and the events recorded in
        this unit and by `app`. The number, or None when a concurrent repeat of the
        idempotency key won (nothing written)."""
        if self._tx is not None:
            raise RuntimeError("a new case is written in a statement of its own, not inside a transaction")
        events = [to_cloud_event(self.service, e, self.clock) for e in [*self.collect_events(), *app.events]]
        number = await self.applications.create(app, prefix=prefix, year=year, placeholder=placeholder, timers=timers,
                                                material_ids=material_ids, events=events, request_id=request_id,
                                                request_hash=request_hash)
        if number is not None:
            app.events = []
            self.committed = True
        return number
