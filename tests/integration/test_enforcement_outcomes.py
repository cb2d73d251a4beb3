"""Outcomes against the real PostgreSQL on a manual clock: 责令限期整改 makes its follow-up
inspection on its date (once); 立案 records the penalty case for the workflow service;
the plan's results notice falls due within its working days and names no inspector."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from mgov_common.events.envelope import CloudEvent
from mgov_common.working_days import day_start
from services.enforcement.domain.outcomes import case_id_of
from services.catalog.entrypoints import results
from services.catalog.service_layer import notices
from services.enforcement.service_layer import inspections, plans, sweeps
from tests.catalog_support import CODEC, catalog_pool, reader  # noqa: F401
from tests.integration.enforcement_support import INSPECTORS, XH_SUPERVISOR, Core, core  # noqa: F401

pytestmark = pytest.mark.asyncio
PASS = {"licence": {"result": "pass"}, "health": {"result": "pass"}, "cold": {"result": "pass"}}
FAIL = {**PASS, "cold": {"result": "fail", "note": "冷藏柜 12℃，超过 8℃"}}


async def _drawn(core: Core, count: int = 1) -> list[tuple[str, Any, Any]]:
    plan = await plans.create_plan(core.ctx, XH_SUPERVISOR, "xihu", {"name": "第四季度食品抽查", "category": "market_food", "count": count,
                                                                    "start_date": "2026-12-01", "end_date": "2026-12-31"})
    picks = (await plans.draw(core.ctx, XH_SUPERVISOR, str(plan["id"])))["picks"]
    out = []
    for pick in picks:
        a, b = (next(p for p in INSPECTORS if p.subject == i) for i in pick["inspector_ids"])
        iid = str(await core.pool.fetchval("SELECT id FROM inspections WHERE plan_id = $1 AND subject_id = $2", plan["id"],
                                           uuid.UUID(pick["subject_id"])))
        out.append((iid, a, b))
    return out


async def _complete(core: Core, iid: str, a: Any, b: Any, answers: dict[str, Any], outcome: str, due: date | None = None) -> None:
    await inspections.start(core.ctx, a, iid)
    await inspections.submit(core.ctx, a, iid, answers, outcome, due, "", f"record-{iid}")
    await inspections.confirm(core.ctx, a, iid)
    await inspections.confirm(core.ctx, b, iid)


async def _events(core: Core, suffix: str) -> list[CloudEvent]:
    rows = await core.pool.fetch("SELECT payload FROM outbox WHERE type LIKE $1 ORDER BY seq", f"%{suffix}%")
    return [CloudEvent.parse(r["payload"]) for r in rows]


async def test_an_order_to_correct_creates_its_follow_up_inspection_on_its_date_once(core: Core) -> None:
    (iid, a, b), = await _drawn(core)
    await _complete(core, iid, a, b, FAIL, "rectify", date(2026, 12, 10))
    assert await sweeps.follow_ups(core.ctx) == 0  # not yet
    core.clock.set(day_start(date(2026, 12, 10)) + timedelta(hours=1))
    assert await sweeps.follow_ups(core.ctx) == 1
    assert await sweeps.follow_ups(core.ctx) == 0  # never twice
    follow = await core.pool.fetchrow("SELECT * FROM inspections WHERE follow_up_of = $1", uuid.UUID(iid))
    assert follow["status"] == "assigned" and sorted(follow["inspector_ids"]) == sorted([a.subject, b.subject])
    assert follow["due_date"] == date(2026, 12, 17)  # five working days after Thursday 12-10
    tasks = await inspections.my_tasks(core.ctx, a, True, 50)
    assert str(follow["id"]) in {str(t["inspection"].id) for t in tasks}


async def test_a_case_outcome_records_the_penalty_case_with_certificates_not_names(core: Core) -> None:
    (iid, a, b), = await _drawn(core)
    await _complete(core, iid, a, b, FAIL, "case")
    got = await inspections.get(core.ctx, a, iid)
    assert got["inspection"].case_id == str(case_id_of(uuid.UUID(iid)))
    event, = await _events(core, "inspection.case_opened")
    assert event.data["case_id"] == got["inspection"].case_id and event.data["findings"] == ["冷藏冷冻设施温度：冷藏柜 12℃，超过 8℃"]
    assert a.subject not in str(event.data) and sorted(event.data["certificates"]) == sorted(got["certificates"])


async def test_the_results_notice_falls_due_within_its_working_days_and_names_no_inspector(core: Core, catalog_pool: Any) -> None:
    drawn = await _drawn(core, count=2)
    await _complete(core, *drawn[0], PASS, "pass")
    assert (await core.pool.fetchval("SELECT notice_due_time FROM plans")) is None  # one inspection still open
    await _complete(core, *drawn[1], FAIL, "rectify", date(2026, 12, 20))
    due = await core.pool.fetchval("SELECT notice_due_time FROM plans")
    assert due.date() == date(2026, 12, 28)  # 20 working days after Monday 11-30
    core.clock.set(due - timedelta(minutes=1))
    assert await sweeps.results_notices(core.ctx) == 0
    core.clock.set(due)
    assert await sweeps.results_notices(core.ctx) == 1 and await sweeps.results_notices(core.ctx) == 0
    notice, = await _events(core, "plan.results_published")
    body = notice.data["body"]["zh"]
    assert "合格" in body and "责令限期整改" in body
    for _, a, b in drawn:
        assert a.subject not in body and b.subject not in body
    certs = [r["certificate"] for r in await core.pool.fetch("SELECT certificate FROM inspectors i JOIN inspections x"
                                                               " ON i.user_id = ANY(x.inspector_ids)")]
    assert all(c in body for c in certs)
    # The catalogue publishes it as the tenant's notice, once however often the event arrives.
    for _ in range(2):
        async with catalog_pool.acquire() as conn, conn.transaction():
            await results.handler(lambda: due)(conn, notice)
    listed, _ = await notices.list_notices(reader(catalog_pool), CODEC, tenant_id="xihu", category="", own_only=True, page_size=10,
                                           page_token="")
    assert [n.title["zh"] for n in listed] == ["第四季度食品抽查结果公示"] and listed[0].body["zh"] == body
