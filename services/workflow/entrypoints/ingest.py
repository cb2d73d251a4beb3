"""Tenant systems' case and report actions and boundary updates, applied by workflow itself
(docs/tenant-systems.md, docs/reports.md).

A city's back office reports what happened to a case with `mgov.case.status_changed.v1`
(`subject` = the case id, `data` = {action, comment?, expected_version?}). Identity's
admission stores it; this consumer (`mgov_common.ingest_consumer`: checks, refusals,
dedup, the system from the systems projection) takes the action here, as the system,
with the event id as the action's idempotency key, in the transaction that records the
event. One system's events about one case apply in the order it published them.

A city's 12345/城管 back office acts on a 随手拍 report dispatched to it with
`mgov.report.action.v1` (the same shape, plus `result_public`), and a county or city
replaces its boundary with `mgov.tenant.boundary.updated.v1` (`data.geometry`, GeoJSON).
"""

from __future__ import annotations

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from mgov_common import ingest
from mgov_common.events.envelope import CloudEvent
from mgov_common.ingest_consumer import IngestConsumer, subject_of_event
from mgov_common.principal import Principal
from services.workflow.adapters.uow import UnitOfWork
from services.workflow.service_layer import applications, report_places
from services.workflow.service_layer.context import Context

TYPES = (ingest.CASE_STATUS_CHANGED, ingest.REPORT_ACTION, ingest.BOUNDARY_UPDATED)


class CaseActions(IngestConsumer):
    def __init__(self, ctx: Context, js: JetStreamContext, *, max_in_flight: int = 128) -> None:
        super().__init__(ctx.pool, js, "workflow", TYPES, self.apply_event, max_in_flight=max_in_flight)
        self.ctx = ctx

    def order_key(self, msg: Msg) -> str:
        """One system's events about one case, in publication order."""
        return f"{super().order_key(msg)}:{subject_of_event(msg)}"

    async def apply_event(self, conn: asyncpg.Connection, event: CloudEvent, principal: Principal) -> None:
        data = event.data
        if event.type == ingest.BOUNDARY_UPDATED:
            await report_places.set_boundary(self.ctx, principal, event.tenant, data["geometry"], event.time, uow=UnitOfWork.joining(conn, clock=self.ctx.clock))
            return
        report = event.type == ingest.REPORT_ACTION
        # No version named: the case as it is now, read under its row lock (no retry loop).
        await applications.perform(
            self.ctx, principal, application_id=str(event.subject), action=data["action"], comment=data.get("comment", ""),
            expected_version=data.get("expected_version"), material_ids=[], request_id=str(event.id),
            uow=UnitOfWork.joining(conn, clock=self.ctx.clock), result_public=data.get("result_public") if report else None,
            kind="report" if report else "application")
