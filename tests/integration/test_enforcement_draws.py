"""双随机 draws against the real PostgreSQL: a quarter of forty subjects, pairs of
inspectors holding the category and never conflicted, a log that re-runs to the same
result from its recorded seed and detects a changed input, redraws on record."""

from __future__ import annotations

import pytest

from mgov_common.errors import InvalidArgument, NotFound, PermissionDenied
from services.enforcement.service_layer import inspections, plans, registry
from tests.integration.enforcement_support import INSPECTORS, NB_INSPECTOR, NB_SUPERVISOR, XH_SUPERVISOR, Core, core  # noqa: F401

pytestmark = pytest.mark.asyncio
PLAN = {"name": "2026 年第四季度食品经营双随机抽查", "category": "market_food", "ratio_percent": 25,
        "start_date": "2026-12-01", "end_date": "2026-12-31", "exclude_days": 90}


async def test_a_draw_over_forty_subjects_at_25_percent_picks_ten_with_two_unconflicted_inspectors_each(core: Core) -> None:
    plan = await plans.create_plan(core.ctx, XH_SUPERVISOR, "xihu", PLAN)
    result = await plans.draw(core.ctx, XH_SUPERVISOR, str(plan["id"]))
    assert result["eligible"] == 40 and len(result["picks"]) == 10
    conflicts = {(r["user_id"], str(r["subject_id"])) for r in await core.pool.fetch("SELECT user_id, subject_id FROM conflicts")}
    categories = {r["user_id"]: r["categories"] for r in await core.pool.fetch("SELECT user_id, categories FROM inspectors")}
    for pick in result["picks"]:
        a, b = pick["inspector_ids"]
        assert a != b
        for who in (a, b):
            assert (who, pick["subject_id"]) not in conflicts and "market_food" in categories[who]
    # the pair has the task in 待办
    first = result["picks"][0]
    me = next(p for p in INSPECTORS if p.subject == first["inspector_ids"][0])
    tasks = await inspections.my_tasks(core.ctx, me, True, 50)
    assert first["subject_id"] in {str(t["inspection"].subject_id) for t in tasks}

    report = await plans.verify(core.ctx, None, str(plan["id"]))
    assert report["ok"], report
    # a changed input after the draw: one subject left out of the recorded inputs
    await core.pool.execute("UPDATE draws SET entry = jsonb_set(entry, '{inputs,subjects}', (entry->'inputs'->'subjects') - 0)"
                            " WHERE plan_id = $1", plan["id"])
    changed = await plans.verify(core.ctx, None, str(plan["id"]))
    assert not changed["ok"] and not changed["draws"][0]["ok"] and changed["log_breaks"] == ["entry 1: its content was changed (its hash does not match)"]


async def test_a_redraw_needs_a_supervisor_and_a_reason_and_both_draws_stay_on_record(core: Core) -> None:
    plan = await plans.create_plan(core.ctx, XH_SUPERVISOR, "xihu", {**PLAN, "ratio_percent": 0, "count": 3})
    first = await plans.draw(core.ctx, XH_SUPERVISOR, str(plan["id"]))
    with pytest.raises(InvalidArgument):
        await plans.draw(core.ctx, XH_SUPERVISOR, str(plan["id"]))
    with pytest.raises(PermissionDenied):
        await plans.draw(core.ctx, INSPECTORS[0], str(plan["id"]), "抽中对象已注销")
    second = await plans.draw(core.ctx, XH_SUPERVISOR, str(plan["id"]), "抽中对象已注销，重新抽取")
    assert second["kind"] == "redraw" and second["seed"] != first["seed"]
    report = await plans.verify(core.ctx, XH_SUPERVISOR, str(plan["id"]))
    assert report["ok"] and [d["kind"] for d in report["draws"]] == ["draw", "redraw"]
    assert [d["current"] for d in report["draws"]] == [False, True]
    statuses = sorted(r["status"] for r in await core.pool.fetch("SELECT status FROM inspections WHERE plan_id = $1", plan["id"]))
    assert statuses == ["assigned"] * 3 + ["cancelled"] * 3


async def test_a_ningbo_inspector_sees_none_of_xihus_plans_subjects_or_inspections(core: Core) -> None:
    plan = await plans.create_plan(core.ctx, XH_SUPERVISOR, "xihu", {**PLAN, "ratio_percent": 0, "count": 1})
    drawn = await plans.draw(core.ctx, XH_SUPERVISOR, str(plan["id"]))
    insp_id = await core.pool.fetchval("SELECT id FROM inspections WHERE plan_id = $1", plan["id"])
    for who in (NB_INSPECTOR, NB_SUPERVISOR):
        for call in (plans.get_plan(core.ctx, who, str(plan["id"])), plans.verify(core.ctx, who, str(plan["id"])),
                     registry.get_subject(core.ctx, who, drawn["picks"][0]["subject_id"]),
                     inspections.get(core.ctx, who, str(insp_id)), inspections.list_evidence(core.ctx, who, str(insp_id)),
                     registry.search_subjects(core.ctx, who, "hangzhou", "", "", 10, None)):
            with pytest.raises(NotFound):
                await call
    assert await registry.search_subjects(core.ctx, NB_SUPERVISOR, "ningbo", "西湖", "", 10, None) == []
    found = await registry.search_subjects(core.ctx, XH_SUPERVISOR, "xihu", "西湖区第1", "", 50, None)
    assert {s["name"] for s in found} == {"西湖区第1食品店"} | {f"西湖区第1{n}食品店" for n in range(10)}
