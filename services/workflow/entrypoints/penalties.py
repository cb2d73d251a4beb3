"""立案 from a field inspection opens an administrative penalty case: the enforcement
service's `inspection.case_opened` event.

The enforcement service writes the event in the transaction that completed the
inspection, naming the case's id (derived from the inspection's). This consumer opens
that case on the tenant's `penalty` definition (立案 → 调查取证 → 告知 → 决定 → 送达 →
执行 → 结案, each state's legal time limit a working-day SLA), in the transaction that
records the event: the case opens once, however often the event arrives. The applicant
is the enforcement service itself; the tenant's handlers find the case in their inbox.
"""

from __future__ import annotations

import logging
import uuid

import asyncpg

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from mgov_common.working_days import local_date
from services.workflow.adapters.uow import UnitOfWork
from services.workflow.domain.access import Actor
from services.workflow.domain.application import Application, ItemVersion
from services.workflow.service_layer.applications import case_prefix
from services.workflow.service_layer.context import Context, calendar_for, tree_of

log = logging.getLogger(__name__)
CASES = ConsumerSpec("workflow-penalties", ["mgov.evt.*.enforcement.inspection.case_opened"])
WORKFLOW_ID = "penalty"
ITEM_NS = uuid.UUID("0b8f3a52-6f64-5a0e-9a55-3f7c4b1e2d90")
DECISION_LIMIT_DAYS = 90  # a penalty decision within 90 days of filing


def handler(ctx: Context):  # type: ignore[no-untyped-def]
    async def apply(conn: asyncpg.Connection, event: CloudEvent) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        case_id, tenant = uuid.UUID(str(data["case_id"])), event.tenant
        uow = UnitOfWork.joining(conn, clock=ctx.clock)
        if await uow.applications.get(case_id) is not None:
            return
        now = ctx.clock.now()
        tree = await tree_of(ctx, uow)
        chain = tree.ancestors(tenant)
        definition = await uow.definitions.effective(chain, WORKFLOW_ID)
        if definition is None:
            log.error("no penalty workflow for the tenant: the case is not opened", extra={"tenant": tenant, "case_id": str(case_id)})
            return
        category = str(data.get("category", ""))
        item = ItemVersion(uuid.uuid5(ITEM_NS, f"{tenant}/{category}"), 1, tenant,
                           {"zh": f"行政处罚：{data.get('subject_name', '')}", "en": "Administrative penalty"}, "", WORKFLOW_ID, {},
                           0, DECISION_LIMIT_DAYS)
        cal = await calendar_for(uow, tree, tenant, ctx)
        form = {"inspection_id": str(data.get("inspection_id", "")), "subject_name": str(data.get("subject_name", "")),
                "credit_code": str(data.get("credit_code", "")), "findings": [str(f) for f in data.get("findings", [])][:100],
                "certificates": [str(c) for c in data.get("certificates", [])][:2]}
        placeholder = f"@case-number-{uuid.uuid4().hex}@"
        app = Application.submit(id=case_id, case_number=placeholder, tenant_id=tenant, item=item,
                                 applicant=Actor("platform", "enforcement", tenant), form=form, definition=definition, cal=cal, now=now)
        await uow.commit_new_case(app, prefix=await case_prefix(uow, tree, tenant, ctx), year=local_date(now).year, placeholder=placeholder,
                                  timers=app.clocks.timers(cal, app.status, app.terminal), material_ids=[], request_id=None,
                                  request_hash=None)

    return apply
