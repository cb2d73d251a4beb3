"""行政处罚决定公示 against the real PostgreSQL: a penalty case opened by an inspection
has its decision's facts recorded by a supervisor; when the workflow service moves the
case into 决定 the entry is public (an enterprise by name and code, an individual
business by code only, no inspector), once; a revoked decision is retracted, and a
late redelivered decision does not bring it back."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound
from mgov_common.events.envelope import CloudEvent
from mgov_common.working_days import local_date
from services.enforcement.domain.uscc import check_character
from services.enforcement.service_layer import decisions, inspections, registry
from tests.integration.enforcement_support import INSPECTORS, NB_SUPERVISOR, XH_SUPERVISOR, Core, core, feed  # noqa: F401
from tests.integration.test_enforcement_outcomes import FAIL, _complete, _drawn

pytestmark = pytest.mark.asyncio
FACTS = {"decision_number": "杭西市监罚〔2026〕12号", "summary": "冷藏设施温度不符合要求，经责令改正后仍未改正",
         "legal_basis": "《中华人民共和国食品安全法》第一百三十二条", "penalty": "警告，罚款人民币五千元"}


def transitioned(case_id: str, status: str, comment: str = "") -> CloudEvent:
    return CloudEvent.new(service="workflow", entity="application", verb="transitioned", tenant="xihu", subject=case_id,
                          data={"application_id": case_id, "status": status, "comment": comment, "tenant_id": "xihu"})


async def _case(core: Core) -> tuple[str, Any]:
    (iid, a, b), = await _drawn(core)
    await _complete(core, iid, a, b, FAIL, "case")
    got = await inspections.get(core.ctx, a, iid)
    return got["inspection"].case_id, got


async def _public(core: Core, tenant: str = "hangzhou") -> list[Any]:
    return await decisions.list_public(core.ctx, tenant, 50, None)


async def test_a_decided_case_is_published_with_its_facts_and_a_revoked_one_is_retracted(core: Core) -> None:
    case_id, got = await _case(core)
    with pytest.raises(NotFound):  # another city's supervisor, and an inspector, cannot record it
        await decisions.set_decision(core.ctx, NB_SUPERVISOR, case_id, FACTS)
    with pytest.raises(NotFound):
        await decisions.set_decision(core.ctx, INSPECTORS[0], case_id, FACTS)
    with pytest.raises(InvalidArgument):
        await decisions.set_decision(core.ctx, XH_SUPERVISOR, case_id, {**FACTS, "legal_basis": ""})
    with pytest.raises(NotFound):  # nothing recorded yet
        await decisions.get_decision(core.ctx, XH_SUPERVISOR, case_id)
    draft = await decisions.set_decision(core.ctx, XH_SUPERVISOR, case_id, FACTS)
    with pytest.raises(NotFound):
        await decisions.get_decision(core.ctx, NB_SUPERVISOR, case_id)
    assert draft["status"] == "draft" and await _public(core) == []
    await feed(core.pool, decisions.apply_case_event, transitioned(case_id, "notified"))
    assert await _public(core) == []  # not before 决定
    decided = transitioned(case_id, "decided", "决定")
    for _ in range(2):  # redelivered: published once
        await feed(core.pool, decisions.apply_case_event, decided)
    [entry] = await _public(core)  # the city's list covers its county
    subject = got["subject"]
    assert (entry["subject_name"], entry["credit_code"]) == (subject["name"], subject["credit_code"])
    assert (entry["summary"], entry["legal_basis"], entry["penalty"]) == (FACTS["summary"], FACTS["legal_basis"], FACTS["penalty"])
    assert entry["decision_date"] == local_date(decided.time)  # the day the case was decided
    assert not any(c in str(dict(entry)) for c in got["certificates"]) and not any(p.subject in str(dict(entry)) for p in INSPECTORS)
    assert await _public(core, "ningbo") == []
    with pytest.raises(FailedPrecondition):
        await decisions.set_decision(core.ctx, XH_SUPERVISOR, case_id, FACTS)
    await feed(core.pool, decisions.apply_case_event, transitioned(case_id, "revoked", "复议撤销"))
    assert await _public(core) == []
    await feed(core.pool, decisions.apply_case_event, transitioned(case_id, "decided", "决定"))  # late: stays retracted
    assert await _public(core) == []
    kinds = [r["type"] for r in await core.pool.fetch("SELECT type FROM outbox WHERE type LIKE '%penalty_decision%' ORDER BY seq")]
    assert [k.split(".")[-2] for k in kinds] == ["published", "retracted"]


async def test_an_individual_business_is_published_without_its_name_and_unrecorded_facts_take_the_decision_comment(core: Core) -> None:
    body = "92330106MA0000001"
    code = body + check_character(body)
    shop = await registry.save_subject(core.ctx, XH_SUPERVISOR, "xihu", {"name": "西湖区王某某小吃店", "credit_code": code,
                                                                          "category": "market_food", "contact_phone": "13700000001"})
    # Only this subject is eligible now: every other was inspected by the draws above or is left out by count.
    await core.pool.execute("UPDATE subjects SET last_inspected = current_date WHERE id <> $1", shop["id"])
    case_id, got = await _case(core)
    assert got["subject"]["id"] == shop["id"]
    await feed(core.pool, decisions.apply_case_event, transitioned(case_id, "decided", "依法给予警告"))
    [entry] = await _public(core, "xihu")
    assert entry["subject_name"] == "" and entry["credit_code"] == code and entry["summary"] == "依法给予警告"


async def test_a_transition_of_a_case_no_inspection_opened_changes_nothing(core: Core) -> None:
    await feed(core.pool, decisions.apply_case_event, transitioned(str(uuid.uuid4()), "decided", "x"))
    assert await core.pool.fetchval("SELECT count(*) FROM penalty_decisions") == 0
