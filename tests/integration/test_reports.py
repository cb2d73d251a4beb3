"""随手拍 reports: routing by place and category, handling, merging, moves, reopening,
ratings, privacy and figures, against the real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from mgov_common.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from mgov_common.events.envelope import CloudEvent
from mgov_common.ingest import BOUNDARY_UPDATED, REPORT_ACTION
from mgov_common.principal import SYSTEM, Principal
from mgov_common.tenants import apply_tenant_event
from services.workflow.domain.geo import LatLng, distance_m
from services.workflow.service_layer import materials, ratings, report_places, reports
from services.workflow.service_layer.reports import ReportView
from tests import material_samples as samples
from tests.integration.workflow_harness import CITIZEN, OTHER_CITIZEN, Core, core, user

__all__ = ["core", "reporting"]
# West Lake (西湖区) and Liangzhu (余杭区); Shanghai is outside Zhejiang.
XIHU = (30.2590, 120.1300)
YUHANG = (30.4000, 120.0000)
SHANGHAI = (31.2304, 121.4737)
XH_CLERK = user("xh-clerk", "xihu", "clerk")
XH_DISPATCHER = user("xh-dispatcher", "xihu", "dispatcher")
XH_SUPERVISOR = user("xh-supervisor", "xihu", "supervisor")
YH_CLERK = user("yh-clerk", "yuhang", "clerk")
THIRD_CITIZEN = user("citizen-3", "hangzhou", "citizen")
XH_SYSTEM = Principal(subject="xh-city-system", tenant="xihu", kind=SYSTEM, grants=frozenset({REPORT_ACTION, BOUNDARY_UPDATED}))


class Phones:
    """Identity's answer to "my phone number" (the masking is the workflow service's)."""

    async def roles_of(self, user_id: str, token: str | None) -> None:
        return None

    async def phone_of(self, user_id: str, token: str | None) -> str:
        return {"citizen-1": "13900000100", "citizen-2": "13900000101", "citizen-3": "13900000102"}.get(user_id, "")


@pytest.fixture
async def reporting(core: Core) -> AsyncIterator[Core]:
    async with core.pool.acquire() as conn, conn.transaction():
        await apply_tenant_event(conn, CloudEvent.new(service="identity", entity="tenant", verb="created", tenant="yuhang", subject="yuhang", data={
            "id": "yuhang", "parent_id": "hangzhou", "division_code": "330110", "level": "county", "name": {"zh": "余杭区", "en": "Yuhang"},
            "status": "active"}))
    core.ctx.staff = Phones()  # type: ignore[assignment]
    core.ctx.cache.clear()
    yield core


async def photo(c: Core, who: Principal = CITIZEN, content: bytes = samples.PNG) -> str:
    row = await materials.add(c.ctx, who, application_id="", material_code="photo", filename="scene.png", content=content, sha256="")
    return str(row["id"])


async def report(c: Core, who: Principal = CITIZEN, at: tuple[float, float] = XIHU, category: str = "rubbish_overflow",
                 **kw: object) -> ReportView:
    photos = kw.pop("photo_ids", None) or [await photo(c, who)]
    return await reports.submit(c.ctx, who, category=category, description=str(kw.pop("description", "垃圾桶满了，垃圾散落一地")),
                                lat=at[0], lng=at[1], address=str(kw.pop("address", "")), photo_ids=photos,  # type: ignore[arg-type]
                                anonymous=bool(kw.pop("anonymous", False)), request_id=str(kw.pop("request_id", "")), token=None)


async def act(c: Core, who: Principal, v: ReportView, action: str, comment: str = "", **kw: object) -> ReportView:
    current = await reports.get(c.ctx, who, str(v.app.id))
    return await reports.act(c.ctx, who, report_id=str(v.app.id), action=action, comment=comment, expected_version=current.app.version,
                             material_ids=kw.get("material_ids", []), request_id="", result_public=kw.get("result_public"))  # type: ignore[arg-type]


def offset(point: tuple[float, float], north_m: float) -> tuple[float, float]:
    return point[0] + north_m / 111_195.0, point[1]


async def test_a_report_in_xihu_reaches_xihus_sanitation_department_and_is_resolved_with_a_photo_and_rated(reporting: Core) -> None:
    r = await report(reporting)
    assert r.app.tenant_id == "xihu" and r.app.department == "环境卫生管理处" and r.app.status == "dispatched"
    assert r.app.case_number == "HZ-R-2026-000001" and len(r.photos) == 1
    [event] = await reporting.outbox("report.dispatched")
    assert event["nats_subject"] == "mgov.evt.xihu.workflow.report.dispatched"
    assert event["data"]["reporter_ids"] == ["citizen-1"] and event["data"]["reporter_phone_masked"] == "139****0100"
    assert not await reporting.outbox("application.")  # a report is not announced as an application
    r = await act(reporting, XH_CLERK, r, "accept")
    result = await photo(reporting, XH_CLERK)
    r = await act(reporting, XH_CLERK, r, "resolve", "已清运，垃圾桶已更换", material_ids=[result])
    assert r.app.status == "resolved" and r.facts.resolved_at == reporting.clock.now()
    mine = await reports.get(reporting.ctx, CITIZEN, str(r.app.id))
    assert mine.timeline[-1].comment == "已清运，垃圾桶已更换" and [str(m) for m in mine.timeline[-1].material_ids] == [result]
    assert reports.can_rate(mine) and reports.can_reopen(mine)
    rated = await reports.rate(reporting.ctx, CITIZEN, report_id=str(r.app.id), score=5, comment="很快")
    assert rated.facts.reporter("citizen-1").score == 5  # type: ignore[union-attr]
    [resolved] = await reporting.outbox("report.resolved")
    assert resolved["data"]["reporter_ids"] == ["citizen-1"]
    with pytest.raises(Conflict):
        await reports.rate(reporting.ctx, CITIZEN, report_id=str(r.app.id), score=4, comment="")
    with pytest.raises(FailedPrecondition):  # not a second time through the cases' 好差评
        await ratings.rate(reporting.ctx, CITIZEN, str(r.app.id), 1, "")


async def test_a_point_in_yuhang_goes_to_yuhang_and_a_point_outside_zhejiang_is_refused_on_the_location_field(reporting: Core) -> None:
    r = await report(reporting, at=YUHANG)
    assert r.app.tenant_id == "yuhang"
    with pytest.raises(InvalidArgument) as refused:
        await report(reporting, at=SHANGHAI)
    assert refused.value.violations[0].field == "location" and refused.value.code == "outside_service_area"
    with pytest.raises(InvalidArgument) as bad:
        await report(reporting, at=(91.0, 120.0))
    assert bad.value.violations[0].field == "location"


async def test_a_county_category_is_inherited_and_its_own_ones_are_added(reporting: Core) -> None:
    tenant, cats = await report_places.list_categories(reporting.ctx, "", LatLng(*XIHU))
    assert tenant == "xihu" and {"rubbish_overflow", "lake_litter"} <= {c.code for c in cats}
    _, yuhang = await report_places.list_categories(reporting.ctx, "yuhang", None)
    assert "lake_litter" not in {c.code for c in yuhang} and "rubbish_overflow" in {c.code for c in yuhang}
    with pytest.raises(InvalidArgument):
        await report(reporting, at=YUHANG, category="lake_litter")


async def test_a_dispatcher_moves_a_report_with_a_reason_and_the_state_clock_starts_again(reporting: Core) -> None:
    r = await report(reporting)
    first_due = r.app.clocks.state_due_at
    case_due = r.app.clocks.case_due_at
    reporting.clock.advance(hours=3)
    with pytest.raises(PermissionDenied):
        await reports.move(reporting.ctx, XH_CLERK, report_id=str(r.app.id), tenant_id="", department="市政设施管理处", reason="不是环卫",
                           expected_version=r.app.version)
    with pytest.raises(InvalidArgument):
        await reports.move(reporting.ctx, XH_DISPATCHER, report_id=str(r.app.id), tenant_id="", department="市政设施管理处", reason="",
                           expected_version=r.app.version)
    moved = await reports.move(reporting.ctx, XH_DISPATCHER, report_id=str(r.app.id), tenant_id="", department="市政设施管理处",
                               reason="路面塌陷，属市政", expected_version=r.app.version)
    assert moved.app.department == "市政设施管理处" and moved.app.status == "dispatched"
    assert [(t.action, t.comment) for t in moved.timeline][-1] == ("move", "路面塌陷，属市政")
    assert moved.app.clocks.state_due_at is not None and first_due is not None and moved.app.clocks.state_due_at >= first_due
    assert moved.app.clocks.case_due_at == case_due  # the case clock runs on
    [gone] = await reporting.outbox("report.moved")
    assert gone["data"]["moved_from"] == {"tenant_id": "xihu", "department": "环境卫生管理处"}
    to_yuhang = await reports.move(reporting.ctx, XH_DISPATCHER, report_id=str(r.app.id), tenant_id="yuhang", department="市政设施管理处",
                                   reason="在余杭境内", expected_version=moved.app.version)
    assert to_yuhang.app.tenant_id == "yuhang"
    assert (await reports.get(reporting.ctx, YH_CLERK, str(r.app.id))).app.tenant_id == "yuhang"
    with pytest.raises(NotFound):  # it left Xihu: Xihu's dispatcher no longer sees it
        await reports.get(reporting.ctx, XH_DISPATCHER, str(r.app.id))
    with pytest.raises(InvalidArgument):
        await reports.move(reporting.ctx, user("yh-dispatcher", "yuhang", "dispatcher"), report_id=str(r.app.id), tenant_id="",
                           department="不存在的部门", reason="x", expected_version=to_yuhang.app.version)


async def test_another_tenants_staff_and_other_citizens_cannot_see_a_report(reporting: Core) -> None:
    r = await report(reporting)
    for who in (YH_CLERK, OTHER_CITIZEN, user("nb-clerk", "ningbo", "clerk")):
        with pytest.raises(NotFound):
            await reports.get(reporting.ctx, who, str(r.app.id))
        with pytest.raises(NotFound):
            await reports.act(reporting.ctx, who, report_id=str(r.app.id), action="accept", comment="", expected_version=r.app.version,
                              material_ids=[], request_id="", result_public=None)


async def test_a_second_report_20_m_away_within_an_hour_is_linked_a_third_200_m_away_is_not_and_both_linked_reporters_hear_of_the_result(
        reporting: Core) -> None:
    first = await report(reporting)
    reporting.clock.advance(minutes=40)
    near = offset(XIHU, 20)
    assert 19 < distance_m(LatLng(*XIHU), LatLng(*near)) < 21
    second = await report(reporting, OTHER_CITIZEN, at=near)
    assert second.linked and second.app.id == first.app.id and second.facts.reporter_ids == ["citizen-1", "citizen-2"]
    assert len(second.photos) == 2 and second.timeline[-1].action == "link"
    third = await report(reporting, THIRD_CITIZEN, at=offset(XIHU, 200))
    assert not third.linked and third.app.id != first.app.id
    other_kind = await report(reporting, THIRD_CITIZEN, at=near, category="streetlight")
    assert not other_kind.linked
    assert [v.app.id for v in (await reports.list_mine(reporting.ctx, OTHER_CITIZEN, size=10, token=""))[0]] == [first.app.id]
    await act(reporting, XH_CLERK, first, "accept")
    await act(reporting, XH_CLERK, first, "resolve", "已清理")
    [resolved] = await reporting.outbox("report.resolved")
    assert sorted(resolved["data"]["reporter_ids"]) == ["citizen-1", "citizen-2"]
    assert (await reports.rate(reporting.ctx, OTHER_CITIZEN, report_id=str(first.app.id), score=4, comment="")).facts.reporters[1].score == 4


async def test_reports_older_than_the_window_do_not_merge(reporting: Core) -> None:
    first = await report(reporting)
    reporting.clock.advance(hours=25)
    assert not (await report(reporting, OTHER_CITIZEN, at=offset(XIHU, 10))).linked
    assert first.app.id


async def test_reopen_within_7_days_works_and_after_it_is_refused(reporting: Core) -> None:
    r = await report(reporting)
    await act(reporting, XH_CLERK, r, "accept")
    done = await act(reporting, XH_CLERK, r, "resolve", "已处理")
    reporting.clock.advance(days=6)
    again = await reports.reopen(reporting.ctx, CITIZEN, report_id=str(r.app.id), comment="还是满的", expected_version=done.app.version)
    assert again.app.status == "handling" and not again.app.terminal and again.facts.reopen_count == 1
    assert again.app.clocks.case_due_at is not None
    assert await reporting.outbox("report.reopened")
    with pytest.raises(NotFound):  # not a reporter: the report is not theirs to see
        await reports.reopen(reporting.ctx, OTHER_CITIZEN, report_id=str(r.app.id), comment="x", expected_version=again.app.version)
    done = await act(reporting, XH_CLERK, r, "resolve", "再次处理")
    reporting.clock.advance(days=7, seconds=1)
    with pytest.raises(Conflict) as late:
        await reports.reopen(reporting.ctx, CITIZEN, report_id=str(r.app.id), comment="又满了", expected_version=done.app.version)
    assert late.value.code == "reopen_window_closed"


async def test_the_reporter_is_asked_for_information_and_answers(reporting: Core) -> None:
    r = await report(reporting)
    await act(reporting, XH_CLERK, r, "accept")
    asked = await act(reporting, XH_CLERK, r, "ask", "请说明具体是哪个垃圾桶")
    assert asked.app.status == "needs_info" and asked.app.clocks.paused
    [event] = [e for e in await reporting.outbox("report.transitioned") if e["data"]["action"] == "ask"]
    assert event["data"]["reporter_ids"] == ["citizen-1"]
    answered = await act(reporting, CITIZEN, r, "supplement", "小区北门第二个")
    assert answered.app.status == "handling"


async def test_handlers_see_the_masked_phone_only_and_a_reporter_sees_only_their_own_entry(reporting: Core) -> None:
    from services.workflow.entrypoints.report_convert import report as to_pb

    r = await report(reporting)
    await report(reporting, OTHER_CITIZEN, at=offset(XIHU, 5))
    staff = to_pb(await reports.get(reporting.ctx, XH_CLERK, str(r.app.id)))
    assert [p.phone_masked for p in staff.reporters] == ["139****0100", "139****0101"]
    assert "13900000100" not in str(staff)
    mine = to_pb(await reports.get(reporting.ctx, OTHER_CITIZEN, str(r.app.id)))
    assert [p.user_id for p in mine.reporters] == ["citizen-2"]
    assert {t.actor.id for t in mine.timeline} <= {"citizen-2", ""}


async def test_the_public_feed_has_no_personal_data_and_rounds_the_place_to_about_100_m(reporting: Core) -> None:
    from services.workflow.entrypoints.report_convert import public as to_pb

    precise = (30.259123, 120.130987)
    r = await report(reporting, at=precise, address="西湖区某小区3幢", description="张三家门口垃圾满了，电话13900000100")
    await act(reporting, XH_CLERK, r, "accept")
    result = await photo(reporting, XH_CLERK)
    await act(reporting, XH_CLERK, r, "resolve", "已处理", material_ids=[result])
    items, _ = await report_places.public_feed(reporting.ctx, "hangzhou", 20, "")
    [item] = items
    assert (item.point.lat, item.point.lng) == (30.259, 120.131) and item.tenant_id == "xihu" and item.photo_ids == [result]
    text = str(to_pb(item))
    for secret in ("13900000100", "citizen-1", "张三", "3幢", "30.259123", "120.130987"):
        assert secret not in text


async def test_a_tenant_system_resolves_a_report_and_replaces_its_boundary_the_newer_one_winning(reporting: Core) -> None:
    r = await report(reporting)
    await reports.act(reporting.ctx, XH_SYSTEM, report_id=str(r.app.id), action="accept", comment="", expected_version=r.app.version,
                      material_ids=[], request_id="evt-1", result_public=None)
    v = await reports.get(reporting.ctx, XH_SYSTEM, str(r.app.id))
    await reports.act(reporting.ctx, XH_SYSTEM, report_id=str(r.app.id), action="resolve", comment="城管已处理", expected_version=v.app.version,
                      material_ids=[], request_id="evt-2", result_public=False)
    done = await reports.get(reporting.ctx, CITIZEN, str(r.app.id))
    assert done.app.status == "resolved" and done.timeline[-1].actor.kind == "system" and not done.facts.result_public
    # A smaller Xihu: the West Lake point falls to Hangzhou itself.
    square = {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.05, 30.0], [120.05, 30.05], [120.0, 30.05], [120.0, 30.0]]]}
    now = reporting.clock.now()
    applied = await report_places.set_boundary(reporting.ctx, XH_SYSTEM, "xihu", square, now)
    assert applied.applied and applied.source == "system:xh-city-system"
    assert (await report(reporting, at=offset(XIHU, 500))).app.tenant_id == "hangzhou"
    older = await report_places.set_boundary(reporting.ctx, XH_SYSTEM, "xihu", square, now - timedelta(days=1))
    assert not older.applied
    with pytest.raises(InvalidArgument):
        bowtie = {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.1, 30.1], [120.1, 30.0], [120.0, 30.1], [120.0, 30.0]]]}
        await report_places.set_boundary(reporting.ctx, XH_SYSTEM, "xihu", bowtie, now)
    with pytest.raises(NotFound):
        await report_places.set_boundary(reporting.ctx, XH_SYSTEM, "yuhang", square, now)


async def test_supervisors_get_figures_per_department_and_category(reporting: Core) -> None:
    a = await report(reporting)
    await report(reporting, at=offset(XIHU, 300), category="streetlight")
    await act(reporting, XH_CLERK, a, "accept")
    done = await act(reporting, XH_CLERK, a, "resolve", "已处理")
    await reports.rate(reporting.ctx, CITIZEN, report_id=str(a.app.id), score=4, comment="")
    assert done.app.status == "resolved"
    rows = {(r.department, r.category): r for r in await report_places.stats(reporting.ctx, XH_SUPERVISOR, "xihu", False, None, None)}
    rubbish = rows[("环境卫生管理处", "rubbish_overflow")]
    assert (rubbish.received, rubbish.resolved, rubbish.on_time, rubbish.overdue, rubbish.score) == (1, 1, 1, 0, 4.0)
    assert rows[("市政设施管理处", "streetlight")].received == 1
    with pytest.raises(PermissionDenied):
        await report_places.stats(reporting.ctx, XH_CLERK, "xihu", False, None, None)


async def test_a_report_action_cannot_act_on_a_case_and_a_case_grant_cannot_act_on_a_report(reporting: Core) -> None:
    from mgov_common.ingest import CASE_STATUS_CHANGED
    from services.workflow.service_layer import applications

    case = await applications.submit(reporting.ctx, CITIZEN, service_id=str(reporting.item_id), service_version=0, tenant_id="",
                                     form={"name": "张小明"}, material_ids=[], request_id="", token=None)
    both = Principal(subject="hz-both", tenant="hangzhou", kind=SYSTEM, grants=frozenset({REPORT_ACTION, CASE_STATUS_CHANGED}))
    with pytest.raises(NotFound):
        await applications.perform(reporting.ctx, both, application_id=str(case.app.id), action="accept", comment="", expected_version=None,
                                   material_ids=[], request_id="e-1", kind="report")
    r = await report(reporting)
    cases_only = Principal(subject="xh-cases", tenant="xihu", kind=SYSTEM, grants=frozenset({CASE_STATUS_CHANGED}))
    with pytest.raises(NotFound):
        await applications.perform(reporting.ctx, cases_only, application_id=str(r.app.id), action="accept", comment="",
                                   expected_version=None, material_ids=[], request_id="e-2")


async def test_photos_are_read_by_those_who_see_the_report_and_only_public_result_photos_by_anyone(reporting: Core) -> None:
    r = await report(reporting)
    [mine] = [str(p["id"]) for p in r.photos]
    got = await reports.photo(reporting.ctx, XH_CLERK, report_id=str(r.app.id), photo_id=mine, public_tenant_id="")
    assert got.content == samples.PNG and got.content_type == "image/png"
    for who in (YH_CLERK, OTHER_CITIZEN, None):
        with pytest.raises(NotFound):
            await reports.photo(reporting.ctx, who, report_id=str(r.app.id), photo_id=mine, public_tenant_id="")
    await act(reporting, XH_CLERK, r, "accept")
    result = await photo(reporting, XH_CLERK)
    await act(reporting, XH_CLERK, r, "resolve", "已处理", material_ids=[result])
    public = await reports.photo(reporting.ctx, None, report_id=str(r.app.id), photo_id=result, public_tenant_id="hangzhou")
    assert public.content == samples.PNG
    for tenant, pid in (("hangzhou", mine), ("ningbo", result)):  # the reporter's own photo; another city's feed
        with pytest.raises(NotFound):
            await reports.photo(reporting.ctx, None, report_id=str(r.app.id), photo_id=pid, public_tenant_id=tenant)


async def test_an_anonymous_report_shows_handlers_neither_who_nor_which_phone(reporting: Core) -> None:
    from services.workflow.entrypoints.report_convert import report as to_pb

    with pytest.raises(InvalidArgument):  # rubbish reports name their reporter
        await report(reporting, anonymous=True)
    r = await report(reporting, category="fire_lane", anonymous=True)
    staff = to_pb(await reports.get(reporting.ctx, XH_CLERK, str(r.app.id)))
    assert [(p.user_id, p.phone_masked) for p in staff.reporters] == [("", "")]
    assert {t.actor.id for t in staff.timeline if t.action == "submit"} == {""}
    [event] = [e for e in await reporting.outbox("report.dispatched") if e["data"]["report_id"] == str(r.app.id)]
    assert event["data"]["reporter_phone_masked"] == "" and event["data"]["anonymous"]


async def test_a_reports_sla_warning_names_it_a_report_so_its_message_links_to_the_report_page(reporting: Core) -> None:
    from services.notify.domain.rules import plans_for
    from services.workflow.service_layer.timers import TimerWorker

    r = await report(reporting)
    reporting.clock.advance(days=30)  # past every clock of the report
    assert await TimerWorker(reporting.pool, reporting.clock).run_once() > 0
    [warning, *_] = [e for e in await reporting.outbox(".sla.") if e["data"]["application_id"] == str(r.app.id)]
    assert warning["data"]["kind"] == "report"
    [plan] = plans_for("workflow.sla.warning", warning["data"])
    assert plan.link == f"/reports/{r.app.id}" and plan.values["link"] == plan.link


async def test_only_result_photos_the_department_marked_public_appear_on_the_public_map(reporting: Core) -> None:
    from services.workflow.service_layer import report_photos

    r = await report(reporting)
    [mine] = [str(p["id"]) for p in r.photos]
    await act(reporting, XH_CLERK, r, "accept")
    shown, hidden = await photo(reporting, XH_CLERK), await photo(reporting, XH_CLERK, samples.JPEG)
    r = await act(reporting, XH_CLERK, r, "resolve", "已清运", material_ids=[shown, hidden], result_public=False)

    async def feed() -> list[str]:
        items, _ = await report_places.public_feed(reporting.ctx, "xihu", 10, "")
        return next(i.photo_ids for i in items if i.id == r.app.id)

    assert await feed() == []  # the resolution was not marked public: nothing is
    v = await report_photos.set_public(reporting.ctx, XH_CLERK, report_id=str(r.app.id), photo_id=shown, public=True)
    assert [str(m) for m in v.facts.public_photos] == [shown] and await feed() == [shown]
    with pytest.raises(NotFound):
        await reports.photo(reporting.ctx, None, report_id=str(r.app.id), photo_id=hidden, public_tenant_id="xihu")
    with pytest.raises(InvalidArgument) as refused:  # a reporter's photo is never public
        await report_photos.set_public(reporting.ctx, XH_CLERK, report_id=str(r.app.id), photo_id=mine, public=True)
    assert refused.value.code == "not_a_result_photo"
    for who in (CITIZEN, YH_CLERK):  # the reporter may not; another tenant's staff do not see it
        with pytest.raises((PermissionDenied, NotFound)):
            await report_photos.set_public(reporting.ctx, who, report_id=str(r.app.id), photo_id=hidden, public=True)
    await report_photos.set_public(reporting.ctx, XH_CLERK, report_id=str(r.app.id), photo_id=shown, public=False)
    assert await feed() == []


async def test_a_report_task_in_the_inbox_carries_its_place_for_the_map_link(reporting: Core) -> None:
    from services.workflow.service_layer import inbox

    r = await report(reporting)
    tasks, _ = await inbox.list_tasks(reporting.ctx, XH_CLERK, tenant_id="", kind="report", assignee="", size=10, token="")
    assert [t.location for t in tasks if t.application_id == r.app.id] == [XIHU]


async def test_a_reporter_without_an_account_is_told_apart_handlers_see_the_masked_phone_and_notify_gets_a_reference(reporting: Core) -> None:
    from mgov_common.auth import PHONE_AUDIENCE, JwksCache, TokenInvalid, TokenVerifier
    from services.notify.domain.rules import plans_for
    from services.workflow.entrypoints.report_convert import report as to_pb
    from services.workflow.service_layer import report_access
    from tests.unit.test_token_verification import Keys

    keys = Keys()  # identity's signature, as the e2e test's real phone token has it
    kid = keys.add()
    reporting.ctx.phone_tokens = TokenVerifier(JwksCache(keys.jwks), audience=PHONE_AUDIENCE)
    proof = keys.sign(kid, sub="phone:5f1e", kind="phone", phone_masked="138****6001", aud=PHONE_AUDIENCE, roles=[])
    held = await materials.add(reporting.ctx, (await report_access.phone_principal(reporting.ctx, proof))[0], application_id="",
                               material_code="photo", filename="lane.png", content=samples.PNG, sha256="")
    r = await report_access.submit(reporting.ctx, proof, category="fire_lane", description="消防通道被堵", lat=XIHU[0], lng=XIHU[1],
                                   address="", photo_ids=[str(held["id"])], anonymous=False, request_id="")
    assert r.facts.anonymous and r.access_token
    staff = to_pb(await reports.get(reporting.ctx, XH_CLERK, str(r.app.id)))
    assert [(p.user_id, p.phone_masked) for p in staff.reporters] == [("", "138****6001")]
    [event] = [e for e in await reporting.outbox("report.dispatched") if e["data"]["report_id"] == str(r.app.id)]
    assert event["data"]["reporter_ids"] == [] and event["data"]["reporter_phone_masked"] == "138****6001"
    assert event["data"]["phone_reporter_refs"] == ["phone:5f1e"]  # an opaque reference notify resolves: no number on the bus
    asked = event["data"] | {"action": "ask", "status": "needs_info"}
    assert [(p.key, p.audience.users) for p in plans_for("workflow.report.transitioned", asked) if p.key.startswith("report.")] == [
        ("report.info_requested", ("phone:5f1e",))]
    mine = await report_access.get(reporting.ctx, str(r.app.id), r.access_token)
    assert not reports.can_rate(mine) and mine.available_actions == []  # dispatched: nothing for its reporter to do yet
    with pytest.raises(InvalidArgument) as refused:  # a category that names its reporter
        await report_access.submit(reporting.ctx, proof, category="rubbish_overflow", description="满了", lat=XIHU[0], lng=XIHU[1],
                                   address="", photo_ids=[str(held["id"])], anonymous=True, request_id="")
    assert refused.value.code == "anonymous_not_allowed"
    with pytest.raises(TokenInvalid):  # an access token's audience is not a phone token's
        await report_access.phone_principal(reporting.ctx, keys.sign(kid, sub="phone:5f1e", kind="phone", phone_masked="x"))


async def test_a_breach_already_due_is_fired_by_a_move_before_it_replans_the_timers(reporting: Core) -> None:
    r = await report(reporting)
    due = r.app.clocks.state_due_at
    assert due is not None and r.app.clocks.case_due_at is not None and r.app.clocks.case_due_at > due + timedelta(minutes=1)
    reporting.clock.set(due + timedelta(minutes=1))  # the dispatch was late and no timer worker came by
    await reports.move(reporting.ctx, XH_DISPATCHER, report_id=str(r.app.id), tenant_id="", department="市政设施管理处",
                       reason="路面塌陷，属市政", expected_version=r.app.version)
    events = await reporting.outbox(".sla.")
    assert [(e["type"].split(".")[3], e["data"]["scope"], e["data"]["state"]) for e in events] == [
        ("warning", "state", r.app.status), ("breached", "state", r.app.status)]
    assert datetime.fromisoformat(events[1]["time"]) == datetime.fromisoformat(events[1]["data"]["due_at"]) == due
