"""行政处罚决定公示: penalty decisions are published when the case is decided.

The penalty case runs in the workflow service. Before deciding it, the case's approver
(or a supervisor) records the decision's facts here (`set_decision`: number, summary,
legal basis, penalty). When the workflow service moves the case into 决定 (`decided`,
its `application.transitioned` event), this service publishes the entry — the subject
as `domain/decisions.py` allows, the facts, the date — in the consumer's transaction;
when the decision is revoked (`revoked`), the entry is retracted. A case decided
without recorded facts is published with the approver's decision comment as its
summary. Anyone may read a tenant's published entries.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import asyncpg

from mgov_common.errors import FailedPrecondition, NotFound
from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.domain import DomainEvent
from mgov_common.events.envelope import CloudEvent
from mgov_common.principal import Principal
from mgov_common.working_days import local_date
from services.enforcement.adapters.uow import UnitOfWork
from services.enforcement.domain.decisions import DecisionFacts, public_subject
from services.enforcement.service_layer.context import SUPERVISORS, Context, visible

log = logging.getLogger(__name__)
# Who records a decision's facts: who decides the case in the workflow service, and supervisors.
DECIDERS = SUPERVISORS | {"approver"}
CASES = ConsumerSpec("enforcement-penalty-decisions", ["mgov.evt.*.workflow.application.transitioned"])
DECIDED, REVOKED = "decided", "revoked"


async def set_decision(ctx: Context, principal: Principal, case_id: str, raw: dict[str, str]) -> asyncpg.Record:
    facts = DecisionFacts.parse(raw)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        insp = await uow.inspections.by_case(case_id[:64])
        if insp is None:
            raise NotFound("no such penalty case", code="not_found")
        await visible(uow, principal, insp.tenant_id, "penalty case", DECIDERS)
        await uow.decisions.ensure(case_id, insp.id, insp.tenant_id, principal.subject, now)
        row = await uow.decisions.get(case_id, for_update=True)
        assert row is not None
        if row["status"] != "draft":
            raise FailedPrecondition("the decision is already published: a revoked decision is retracted, not edited",
                                     code="decision_published")
        await uow.decisions.set_facts(case_id, facts, principal.subject, now)
        out = await uow.decisions.get(case_id)
        await uow.commit()
    assert out is not None
    return out


async def get_decision(ctx: Context, principal: Principal, case_id: str) -> asyncpg.Record:
    async with ctx.uow(begin=False) as uow:
        insp = await uow.inspections.by_case(case_id[:64])
        if insp is None:
            raise NotFound("no such penalty case", code="not_found")
        await visible(uow, principal, insp.tenant_id, "penalty case", DECIDERS)
        row = await uow.decisions.get(case_id)
    if row is None:
        raise NotFound("no decision is recorded for this case yet", code="not_found")
    return row


async def list_public(ctx: Context, tenant_id: str, limit: int, after: tuple[datetime, str] | None) -> list[asyncpg.Record]:
    async with ctx.uow(begin=False) as uow:
        tenants = await uow.tenants.subtree(tenant_id) or [tenant_id]
        return await uow.decisions.published(tenants, limit, after)


def _event(verb: str, row: dict[str, Any]) -> DomainEvent:
    return DomainEvent("penalty_decision", verb, row["tenant_id"], row["case_id"], row)


async def apply_case_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """The consumer's handler: a penalty case of an inspection entering 决定 or revoked."""
    data = event.data if isinstance(event.data, dict) else {}
    status, case_id = str(data.get("status", "")), str(data.get("application_id", ""))
    if status not in (DECIDED, REVOKED) or not case_id:
        return
    uow = UnitOfWork.joining(conn)
    insp = await uow.inspections.by_case(case_id)
    if insp is None or insp.tenant_id != event.tenant:  # not a case opened by an inspection
        return
    await uow.decisions.ensure(case_id, insp.id, insp.tenant_id, "workflow", event.time)
    row = await uow.decisions.get(case_id, for_update=True)
    assert row is not None
    # A revocation seen before its decision (redelivery can reorder) retracts a draft: the
    # late decision then finds it retracted and publishes nothing.
    if status == DECIDED and row["status"] == "draft":
        subject = await uow.registry.subject(insp.subject_id)
        assert subject is not None
        name, code = public_subject(subject["name"], subject["credit_code"])
        summary = row["summary"] or str(data.get("comment", ""))[:2000]
        await uow.decisions.publish(case_id, name, code, summary, local_date(event.time), event.time)
        published = dict(await uow.decisions.get(case_id) or {})
        uow.record(_event("published", {"case_id": case_id, "tenant_id": insp.tenant_id, "subject_name": name, "credit_code": code,
                                        "decision_number": published["decision_number"], "decision_date": published["decision_date"].isoformat()}))
    elif status == REVOKED and row["status"] != "retracted":
        await uow.decisions.retract(case_id, event.time)
        uow.record(_event("retracted", {"case_id": case_id, "tenant_id": insp.tenant_id}))
    else:
        return
    log.info("penalty decision entry changed", extra={"case_id": case_id, "status": status})
    await uow.commit()
