"""The workflow service's use cases against the real PostgreSQL (and JetStream for the outbox)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid


import pytest
from nats.js import JetStreamContext

from mgov_common.errors import AlreadyExists, Conflict, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, StaleVersion
from mgov_common.events.envelope import CloudEvent
from mgov_common.db import create_pool
from mgov_common.events.outbox import OutboxRelay
from services.workflow.adapters.reference import ReferenceRepository
from services.workflow.adapters.submission import SUBMIT_SQL
from services.workflow.domain.case_number import format_case_number
from services.workflow.domain.definition import Action
from services.workflow.service_layer import admin, applications, inbox, materials, ratings
from services.workflow.service_layer.applications import CaseView
from tests import material_samples as samples
from tests.conftest import Servers
from tests.integration.workflow_harness import (
    CITIZEN, HZ_ADMIN, HZ_APPROVER, HZ_CLERK, HZ_CLERK_2, HZ_SUPERVISOR, HZ_SYSTEM, NB_CLERK, NB_SYSTEM, OTHER_CITIZEN, PROVINCE_ADMIN,
    Core, core,
)

__all__ = ["core"]
PDF = samples.PDF
CLEARER_PDF = samples.PDF_OPEN_AT_PAGE


async def submit(c: Core, request_id: str = "", form: dict | None = None, **kw: object) -> CaseView:
    return await applications.submit(c.ctx, kw.pop("who", CITIZEN), service_id=str(c.item_id), service_version=0, tenant_id="",  # type: ignore[arg-type]
                                     form=form or {"name": "张小明"}, material_ids=kw.pop("material_ids", []), request_id=request_id, token=None)  # type: ignore[arg-type]


async def act(c: Core, who, case: CaseView, action: str, comment: str = "", version: int | None = None, **kw) -> CaseView:  # type: ignore[no-untyped-def]
    return await applications.perform(c.ctx, who, application_id=str(case.app.id), action=action, comment=comment,
                                      expected_version=case.app.version if version is None else version,
                                      material_ids=kw.get("material_ids", []), request_id=kw.get("request_id", ""), form=kw.get("form"))


async def test_a_submission_gets_a_case_number_a_timeline_and_one_event_in_the_outbox(core: Core) -> None:
    case = await submit(core)
    assert case.app.case_number == "HZ-2026-000001" and case.app.tenant_id == "hangzhou"
    assert [(t.action, t.to_state, t.actor.id) for t in case.timeline] == [("submit", "submitted", "citizen-1")]
    [event] = await core.outbox("application.submitted")
    assert event["nats_subject"] == "mgov.evt.hangzhou.workflow.application.submitted"
    assert event["tenant"] == "hangzhou" and event["data"]["service_name"]["zh"] == "个体工商户营业执照办理"
    assert set(event["data"]) >= {"application_id", "case_number", "tenant_id", "service_id", "service_version", "applicant_id", "status",
                                  "previous_status", "action", "actor", "comment", "assignee_id", "eligible_roles", "due_at"}
    assert (await submit(core)).app.case_number == "HZ-2026-000002"


async def test_a_repeated_idempotency_key_returns_the_same_case_and_a_different_body_is_refused(core: Core) -> None:
    first = await submit(core, request_id="key-1")
    again = await submit(core, request_id="key-1")
    assert again.app.id == first.app.id and len(await core.outbox("application.submitted")) == 1
    with pytest.raises(AlreadyExists):
        await submit(core, request_id="key-1", form={"name": "李四"})
    both = await asyncio.gather(submit(core, request_id="key-2"), submit(core, request_id="key-2"))
    assert both[0].app.id == both[1].app.id


async def test_a_new_keyed_submission_is_one_statement_on_the_database(core: Core, servers: Servers) -> None:
    # The key is not looked up first: the statement writing the case refuses a taken key.
    schema = await core.pool.fetchval("SELECT current_schema()")
    statements: list[str] = []

    counting = await create_pool(servers.dsn, schema, min_size=1, max_size=1)  # one connection, every query of it logged
    async with counting.acquire() as conn:
        conn.add_query_logger(lambda record: statements.append(record.query))
    try:
        ctx = dataclasses.replace(core.ctx, pool=counting)

        async def keyed(key: str) -> CaseView:
            return await applications.submit(ctx, CITIZEN, service_id=str(core.item_id), service_version=0, tenant_id="",
                                             form={"name": "张小明"}, material_ids=[], request_id=key, token=None)

        await keyed("warm-up")  # the reference data (item, tree, calendar, prefix) cached, the statement prepared
        statements.clear()
        case = await keyed("key-new")
    finally:
        await counting.close()
    assert statements == [SUBMIT_SQL] and case.app.case_number == "HZ-2026-000002"


async def test_a_repeated_key_returns_its_case_even_where_a_new_submission_would_now_be_refused(core: Core) -> None:
    held = await materials.add(core.ctx, CITIZEN, application_id="", material_code="id-card", filename="id.pdf", content=PDF, sha256="")

    async def keyed(form: dict[str, str]) -> CaseView:
        return await applications.submit(core.ctx, CITIZEN, service_id=str(core.item_id), service_version=1, tenant_id="", form=form,
                                         material_ids=[str(held["id"])], request_id="key-1", token=None)

    first = await keyed({"name": "张小明"})
    again = await keyed({"name": "张小明"})  # its material is attached now: a new submission could not use it
    async with core.pool.acquire() as conn:
        await ReferenceRepository(conn).retire_item(core.item_id, core.clock.now())
    core.ctx.cache.clear()
    with pytest.raises(FailedPrecondition):
        await applications.submit(core.ctx, CITIZEN, service_id=str(core.item_id), service_version=1, tenant_id="",
                                  form={"name": "张小明"}, material_ids=[], request_id="key-2", token=None)
    retired = await keyed({"name": "张小明"})  # the item is retired now
    assert first.app.id == again.app.id == retired.app.id and len(await core.outbox("application.submitted")) == 1
    with pytest.raises(AlreadyExists):
        await keyed({"name": "李四"})  # another body under the key, refused whatever else it meets
    assert await core.pool.fetchval("SELECT last FROM case_counters WHERE prefix = 'HZ' AND year = 2026") == 1


async def test_concurrent_submissions_take_unique_gap_free_numbers_with_one_event_and_their_timers_each(core: Core) -> None:
    # Ten fresh submissions and, at the same time, five pairs repeating one key each: a
    # repeat that loses the race must not take a number (no gap), nor write an event.
    keys = [f"race-{i}" for i in range(5)]
    cases = await asyncio.gather(*[submit(core) for _ in range(10)], *[submit(core, request_id=k) for k in keys + keys])
    numbers = sorted({c.app.case_number for c in cases})
    assert numbers == [f"HZ-2026-{n:06d}" for n in range(1, 16)]
    events = await core.outbox("application.submitted")
    assert sorted(e["data"]["case_number"] for e in events) == numbers
    assert sorted(e["data"]["application_id"] for e in events) == sorted({str(c.app.id) for c in cases})
    rows = await core.pool.fetch("SELECT a.case_number, count(t.id) AS timers FROM applications a LEFT JOIN timers t ON t.application_id = a.id"
                                 " GROUP BY a.case_number ORDER BY 1")
    assert [r["case_number"] for r in rows] == numbers and all(r["timers"] > 0 for r in rows)
    assert await core.pool.fetchval("SELECT last FROM case_counters WHERE prefix = 'HZ' AND year = 2026") == 15
    assert await core.pool.fetchval("SELECT count(*) FROM transitions") == 15


async def test_the_case_number_past_six_digits_matches_the_domain_format(core: Core) -> None:
    await core.pool.execute("INSERT INTO case_counters (prefix, year, last) VALUES ('HZ', 2026, 999998)")
    assert [(await submit(core)).app.case_number for _ in range(2)] == [
        format_case_number("HZ", 2026, 999999), format_case_number("HZ", 2026, 1000000)]
    [_, last] = await core.outbox("application.submitted")
    assert last["data"]["case_number"] == "HZ-2026-1000000"


async def test_an_invalid_form_names_its_fields(core: Core) -> None:
    with pytest.raises(InvalidArgument) as info:
        await submit(core, form={"name": "张", "reason": 7})
    assert {(v.field, v.code) for v in info.value.violations} == {("form.name", "minLength"), ("form.reason", "type")}


async def test_the_full_path_to_a_rectification_task_in_the_hangzhou_inbox_and_its_closing(core: Core) -> None:
    case = await submit(core)
    tasks, _ = await inbox.list_tasks(core.ctx, HZ_CLERK, tenant_id="", kind="", assignee="", size=0, token="")
    assert [(t.case_number, t.available_actions) for t in tasks] == [(case.app.case_number, ["accept", "return"])]
    assert (await inbox.list_tasks(core.ctx, HZ_APPROVER, tenant_id="", kind="", assignee="", size=0, token=""))[0] == []
    case = await act(core, HZ_CLERK, case, "accept")
    case = await act(core, HZ_APPROVER, case, "approve", "同意")
    assert case.app.status == "completed" and [t.action for t in case.timeline] == ["submit", "accept", "approve"]
    rating = await ratings.rate(core.ctx, CITIZEN, str(case.app.id), 2, "等待时间太长")
    with pytest.raises(AlreadyExists):
        await ratings.rate(core.ctx, CITIZEN, str(case.app.id), 5, "")
    [task], _ = await inbox.list_tasks(core.ctx, HZ_CLERK, tenant_id="hangzhou", kind="rectification", assignee="", size=0, token="")
    assert task.rectification_id == rating.rectification_id and task.department == "登记注册处"
    assert (await inbox.list_tasks(core.ctx, NB_CLERK, tenant_id="", kind="", assignee="", size=0, token=""))[0] == []
    rect = await ratings.close_rectification(core.ctx, HZ_CLERK, str(task.id), "已电话回访申请人", "优化了窗口排队流程")
    assert rect.status == "closed"
    types = [e["type"].split(".")[2:4] for e in await core.outbox() if e["type"].split(".")[2] != "calendar"]  # the seed's calendar years
    assert types == [["application", "submitted"], ["application", "transitioned"], ["application", "transitioned"],
                     ["application", "completed"], ["rating", "received"], ["rectification", "opened"], ["rectification", "closed"]]
    groups, total = await ratings.stats(core.ctx, HZ_SUPERVISOR, tenant_id="hangzhou", group_by="department", include_subtree=False,
                                        service_id="", department="", start=None, end=None)
    assert [(g.key, g.count, g.negative, g.closed) for g in groups] == [("登记注册处", 1, 1, 1)] and total.average == 2.0
    province, _ = await ratings.stats(core.ctx, PROVINCE_ADMIN, tenant_id="zhejiang", group_by="tenant", include_subtree=True,
                                      service_id="", department="", start=None, end=None)
    assert [(g.key, g.count) for g in province] == [("hangzhou", 1)]
    with pytest.raises(PermissionDenied):
        await ratings.stats(core.ctx, HZ_CLERK, tenant_id="hangzhou", group_by="item", include_subtree=False, service_id="", department="",
                            start=None, end=None)


async def test_staff_and_systems_of_another_city_can_neither_see_nor_act(core: Core) -> None:
    case = await submit(core)
    for who in (NB_CLERK, NB_SYSTEM, OTHER_CITIZEN):
        with pytest.raises(NotFound):
            await applications.get(core.ctx, who, str(case.app.id))
        with pytest.raises(NotFound):
            await act(core, who, case, "accept")
    assert (await applications.get(core.ctx, PROVINCE_ADMIN, str(case.app.id))).app.id == case.app.id


async def test_a_tenant_system_acts_on_a_case_of_its_own_tenant_and_is_the_recorded_actor(core: Core) -> None:
    case = await submit(core)
    moved = await act(core, HZ_SYSTEM, case, "accept", "市办件系统受理", request_id="evt-1")
    again = await act(core, HZ_SYSTEM, moved, "accept", "市办件系统受理", request_id="evt-1")  # a replayed command is applied once
    assert again.app.version == moved.app.version
    last = moved.timeline[-1]
    assert (last.action, last.actor.kind, last.actor.id, last.actor.tenant_id) == ("accept", "system", "hz-case-system", "hangzhou")
    [event] = [e for e in await core.outbox("transitioned")]
    assert event["data"]["actor"] == {"kind": "system", "id": "hz-case-system", "tenant_id": "hangzhou"}
    returned = await act(core, HZ_SYSTEM, moved, "return", "请补充材料")
    with pytest.raises(PermissionDenied):
        await act(core, HZ_SYSTEM, returned, "resubmit", material_ids=[])  # systems never act as the applicant


async def test_two_staff_acting_at_once_one_wins_and_the_other_is_stale(core: Core) -> None:
    case = await submit(core)
    results = await asyncio.gather(act(core, HZ_CLERK, case, "accept"), act(core, HZ_CLERK_2, case, "return", "缺材料"),
                                   return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["CaseView", "StaleVersion"]


async def test_claim_and_assign(core: Core) -> None:
    case = await submit(core)
    task = await inbox.claim(core.ctx, HZ_CLERK, str(case.app.id))
    assert task.assignee_id == "hz-clerk"
    with pytest.raises(Conflict):
        await inbox.claim(core.ctx, HZ_CLERK_2, str(case.app.id))
    mine, _ = await inbox.list_tasks(core.ctx, HZ_CLERK, tenant_id="", kind="case", assignee="me", size=0, token="")
    assert [t.id for t in mine] == [case.app.id]
    assert (await inbox.list_tasks(core.ctx, HZ_CLERK_2, tenant_id="", kind="", assignee="unassigned", size=0, token=""))[0] == []
    with pytest.raises(PermissionDenied):
        await inbox.assign(core.ctx, HZ_CLERK, str(case.app.id), "hz-clerk-2")
    with pytest.raises(NotFound):
        await inbox.claim(core.ctx, NB_CLERK, str(case.app.id))


async def test_send_back_and_resubmit_with_a_new_material(core: Core) -> None:
    held = await materials.add(core.ctx, CITIZEN, application_id="", material_code="id-card", filename="id.pdf", content=PDF, sha256="")
    case = await submit(core, material_ids=[str(held["id"])])
    case = await act(core, HZ_CLERK, case, "return", "身份证复印件不清晰")
    assert case.app.status == "returned" and case.app.clocks.paused and [m["id"] for m in case.materials] == [held["id"]]
    assert (await inbox.list_tasks(core.ctx, HZ_CLERK, tenant_id="", kind="", assignee="", size=0, token=""))[0] == []
    with pytest.raises(InvalidArgument):
        await act(core, CITIZEN, case, "resubmit")
    with pytest.raises(NotFound):
        await materials.add(core.ctx, NB_CLERK, application_id=str(case.app.id), material_code="id-card", filename="x.pdf", content=PDF, sha256="")
    new = await materials.add(core.ctx, CITIZEN, application_id=str(case.app.id), material_code="id-card", filename="id2.pdf",
                              content=CLEARER_PDF, sha256="")
    case = await act(core, CITIZEN, case, "resubmit", material_ids=[str(new["id"])])
    assert case.app.status == "submitted" and not case.app.clocks.paused
    assert case.timeline[-1].material_ids == (new["id"],)
    async with core.pool.acquire() as conn:
        assert await core.ctx.files.get(conn, new["storage_key"]) == CLEARER_PDF


async def test_definitions_are_validated_versioned_and_running_cases_keep_theirs(core: Core) -> None:
    running = await submit(core)
    base = (await admin.get_definition(core.ctx, "hangzhou", "standard", 0)).definition
    assert base.tenant_id == "zhejiang"
    bad = Action("approve", ("under_review",), "completed", ("approver", "mayor"))
    broken = type(base)(base.id, "hangzhou", 0, base.name, base.start_state, base.states, tuple(a if a.name != "approve" else bad for a in base.actions))
    with pytest.raises(InvalidArgument) as info:
        await admin.save_definition(core.ctx, HZ_ADMIN, "hangzhou", broken, 0)
    assert [v.code for v in info.value.violations] == ["unknown_role"] and "mayor" in info.value.violations[0].description
    with pytest.raises(PermissionDenied):
        await admin.save_definition(core.ctx, HZ_CLERK, "hangzhou", base, 0)
    quicker = Action("approve", ("submitted",), "completed", ("clerk",))
    local = type(base)(base.id, "hangzhou", 0, base.name, base.start_state, base.states, base.actions + (quicker,))
    saved = await admin.save_definition(core.ctx, HZ_ADMIN, "hangzhou", local, 0)
    assert (saved.definition.version, saved.definition.inherited_from) == (1, "zhejiang")
    with pytest.raises(StaleVersion):
        await admin.save_definition(core.ctx, HZ_ADMIN, "hangzhou", local, 7)
    fresh = await submit(core)
    assert (fresh.app.definition.tenant_id, fresh.available_actions) == ("hangzhou", [])
    clerk_view = await applications.get(core.ctx, HZ_CLERK, str(fresh.app.id))
    assert clerk_view.available_actions == ["accept", "return", "approve"]
    old_view = await applications.get(core.ctx, HZ_CLERK, str(running.app.id))
    assert old_view.app.definition.tenant_id == "zhejiang" and old_view.available_actions == ["accept", "return"]


async def test_a_new_holiday_moves_the_due_times_of_running_cases(core: Core) -> None:
    case = await submit(core)
    before = case.app.clocks.case_due_at
    await admin.set_calendar(core.ctx, HZ_ADMIN, "hangzhou", 2026, [("2026-03-10", False, "杭州市临时休息日")])
    after = (await applications.get(core.ctx, CITIZEN, str(case.app.id))).app.clocks.case_due_at
    assert before and after and (after - before).days == 1
    cal = await admin.get_calendar(core.ctx, "hangzhou", 2026)
    assert any(str(d) == "2026-03-10" for d, _, _ in cal.days) and any(str(d) == "2026-10-01" for d, _, _ in cal.days)
    with pytest.raises(InvalidArgument):
        await admin.set_calendar(core.ctx, HZ_ADMIN, "hangzhou", 2026, [("2027-01-01", False, "")])


async def test_events_reach_jetstream_on_the_case_tenants_subject(core: Core, js: JetStreamContext) -> None:
    case = await submit(core)
    await OutboxRelay(core.pool, js, "ignored").publish_batch()
    msg = await js.get_last_msg("MGOV_EVENTS", "mgov.evt.hangzhou.workflow.application.submitted")
    event = CloudEvent.parse(msg.data)
    assert event.subject == str(case.app.id) and event.tenant == "hangzhou" and event.data["case_number"] == case.app.case_number


async def test_feedback_items_run_on_their_own_definition_without_special_code(core: Core) -> None:
    from services.workflow.service_layer import projections
    from tests.integration.workflow_harness import _event, item_data

    complaint = uuid.uuid4()
    async with core.pool.acquire() as conn, conn.transaction():
        data = item_data(complaint, workflow="feedback", promised=10) | {"type": "public_service", "name": {"zh": "投诉建议"}}
        await _event(conn, projections.apply_item, "zhejiang", "item", "published", data, "catalog")
    case = await applications.submit(core.ctx, CITIZEN, service_id=str(complaint), service_version=0, tenant_id="",
                                     form={"name": "张小明", "reason": "路灯不亮"}, material_ids=[], request_id="", token=None)
    assert case.app.definition.id == "feedback"
    case = await act(core, HZ_CLERK, case, "accept")
    case = await act(core, HZ_CLERK, case, "reply", "已通知路灯管理所维修")
    assert case.app.status == "replied" and case.app.terminal
    assert [e["type"].split(".")[3] for e in await core.outbox("application.")][-1] == "completed"


async def test_an_idempotency_key_on_a_case_action_is_bound_to_the_caller_and_the_command(core: Core) -> None:
    case = await submit(core)
    accepted = await act(core, HZ_CLERK, case, "accept", "受理", request_id="K")
    again = await act(core, HZ_CLERK, accepted, "accept", "受理", request_id="K")  # the same command again: a repeat
    assert again.app.version == accepted.app.version
    with pytest.raises(AlreadyExists) as err:  # the same key, another comment
        await act(core, HZ_CLERK, accepted, "accept", "另一个意见", request_id="K")
    assert err.value.code == "idempotency_key_reused"
    returned = await act(core, HZ_APPROVER, accepted, "return", "请补充材料", request_id="K2")
    with pytest.raises(AlreadyExists) as err:  # the clerk's key reused by the applicant: refused, not a silent success
        await act(core, CITIZEN, returned, "resubmit", request_id="K2")
    assert err.value.code == "idempotency_key_reused"
    assert (await applications.get(core.ctx, CITIZEN, str(case.app.id))).app.status == returned.app.status


async def _returned_with_a_new_material(c: Core) -> tuple[CaseView, str]:
    case = await act(c, HZ_CLERK, await submit(c), "return", "名称有误，请更正")
    new = await materials.add(c.ctx, CITIZEN, application_id=str(case.app.id), material_code="id-card", filename="id2.pdf",
                              content=CLEARER_PDF, sha256="")
    return case, str(new["id"])


async def test_the_applicant_corrects_the_form_when_resubmitting_a_returned_case(core: Core) -> None:
    case, mid = await _returned_with_a_new_material(core)
    corrected = {"name": "张小明", "reason": "更正后的经营范围"}
    case = await act(core, CITIZEN, case, "resubmit", "已更正", material_ids=[mid], form=corrected, request_id="R1")
    assert case.app.status == "submitted" and case.app.form == corrected
    assert [(t.action, t.from_state, t.to_state) for t in case.timeline[-2:]] == [
        ("correct_form", "returned", "returned"), ("resubmit", "returned", "submitted")]
    assert (await applications.get(core.ctx, HZ_CLERK, str(case.app.id))).app.form == corrected
    again = await act(core, CITIZEN, case, "resubmit", "已更正", version=case.app.version - 2, material_ids=[mid], form=corrected, request_id="R1")
    assert again.app.version == case.app.version  # the same command again: a repeat
    with pytest.raises(AlreadyExists):  # the same key with another form is not a repeat
        await act(core, CITIZEN, case, "resubmit", "已更正", material_ids=[mid], form={"name": "李四"}, request_id="R1")
    [event] = [e for e in await core.outbox("application.transitioned") if e["data"]["action"] == "resubmit"]
    assert "form" not in event["data"]


async def test_an_invalid_corrected_form_is_refused_with_its_field_and_the_case_stays_returned(core: Core) -> None:
    case, mid = await _returned_with_a_new_material(core)
    with pytest.raises(InvalidArgument) as info:
        await act(core, CITIZEN, case, "resubmit", material_ids=[mid], form={"name": "张"})
    assert info.value.code == "validation_failed" and [v.field for v in info.value.violations] == ["form.name"]
    with pytest.raises(StaleVersion):  # the version is checked first, as for any action
        await act(core, CITIZEN, case, "resubmit", version=case.app.version - 1, material_ids=[mid], form={"name": "张"})
    after = await applications.get(core.ctx, CITIZEN, str(case.app.id))
    assert after.app.status == "returned" and after.app.form == {"name": "张小明"}


async def test_staff_cannot_send_a_form_with_an_action(core: Core) -> None:
    case = await submit(core)
    with pytest.raises(PermissionDenied) as err:
        await act(core, HZ_CLERK, case, "accept", form={"name": "王五"})
    assert err.value.code == "form_correction_not_allowed"
    assert (await applications.get(core.ctx, HZ_CLERK, str(case.app.id))).app.form == {"name": "张小明"}


async def test_a_form_goes_only_with_the_action_that_resubmits_a_returned_case(core: Core) -> None:
    case = await submit(core)
    with pytest.raises(InvalidArgument) as err:  # the applicant, but a staff action on a submitted case
        await act(core, CITIZEN, case, "accept", form={"name": "王五"})
    assert err.value.code == "form_not_allowed"
