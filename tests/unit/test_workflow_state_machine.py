"""The case state machine: rules in HTTP's order (428, 412, 409, 403), timeline, clocks, events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from mgov_common.errors import Conflict, InvalidArgument, PermissionDenied, PreconditionRequired, StaleVersion
from services.workflow.domain.application import Actor, Application, ItemVersion
from services.workflow.domain.calendar import WorkingCalendar
from services.workflow.service_layer.seed import demo_definitions

CAL = WorkingCalendar()
T0 = datetime(2026, 3, 9, 2, tzinfo=UTC)  # Monday 10:00 CST
CITIZEN = Actor("user", "citizen-1", "hangzhou")
CLERK = Actor("user", "clerk-1", "hangzhou")
APPROVER = Actor("user", "approver-1", "hangzhou")
ITEM = ItemVersion(uuid.uuid4(), 3, "zhejiang", {"zh": "个体工商户营业执照办理"}, "市场监管局", "standard", {}, 5, 20)


def new_case() -> Application:
    defn = next(d for d in demo_definitions("zhejiang") if d.id == "standard")
    return Application.submit(id=uuid.uuid4(), case_number="HZ-2026-000001", tenant_id="hangzhou", item=ITEM, applicant=CITIZEN,
                              form={"name": "张小明"}, definition=defn, cal=CAL, now=T0)


def act(app: Application, action: str, who: Actor, roles: set[str], comment: str = "", version: int | None = None, **kw: object) -> None:
    app.perform(action, actor=who, roles=roles, comment=comment, expected_version=app.version if version is None else version,
                now=T0 + timedelta(hours=1), cal=CAL, **kw)  # type: ignore[arg-type]


def test_submission_starts_in_the_start_state_with_a_timeline_entry_and_an_event() -> None:
    app = new_case()
    assert (app.status, app.version, app.eligible_keys) == ("submitted", 1, ["hangzhou:clerk"])
    assert [(t.action, t.from_state, t.to_state, t.actor.id) for t in app.new_transitions] == [("submit", "", "submitted", "citizen-1")]
    [event] = app.events
    assert (event.entity, event.verb, event.tenant_id) == ("application", "submitted", "hangzhou")
    assert event.data["eligible_roles"] == ["clerk"] and event.data["case_number"] == "HZ-2026-000001"
    assert app.clocks.case_due_at is not None  # from the item's promised limit (5 working days)


def test_the_full_path_accept_then_approve_completes_the_case() -> None:
    app = new_case()
    act(app, "accept", CLERK, {"clerk"})
    act(app, "approve", APPROVER, {"approver"})
    assert (app.status, app.terminal, app.version) == ("completed", True, 3)
    assert [e.verb for e in app.events] == ["submitted", "transitioned", "transitioned", "completed"]
    assert app.events[-1].data["previous_status"] == "under_review" and app.events[-1].data["actor"]["id"] == "approver-1"
    assert app.available_actions({"approver", "clerk"}) == [] and app.eligible_roles == []


def test_a_missing_version_is_428_before_anything_else() -> None:
    with pytest.raises(PreconditionRequired):
        act(new_case(), "approve", CITIZEN, set(), version=0)


def test_a_stale_version_is_412_even_when_the_action_is_no_longer_possible() -> None:
    app = new_case()
    act(app, "accept", CLERK, {"clerk"})
    with pytest.raises(StaleVersion):
        act(app, "accept", CLERK, {"clerk"}, version=1)


def test_an_action_not_allowed_in_the_state_is_409_and_for_the_role_403() -> None:
    app = new_case()
    with pytest.raises(Conflict) as state:
        act(app, "approve", APPROVER, {"approver"})
    assert state.value.code == "action_not_allowed"
    with pytest.raises(PermissionDenied):
        act(app, "accept", CITIZEN, {"owner"})
    with pytest.raises(InvalidArgument):
        act(app, "teleport", CLERK, {"clerk"})


def test_return_needs_a_comment_pauses_the_clock_and_resubmit_needs_materials() -> None:
    app = new_case()
    with pytest.raises(InvalidArgument) as info:
        act(app, "return", CLERK, {"clerk"})
    assert info.value.field == "comment"
    act(app, "return", CLERK, {"clerk"}, comment="请补充身份证复印件")
    assert app.status == "returned" and app.clocks.paused and app.clocks.case_due_at is None
    assert app.events[-1].data["action"] == "return" and app.events[-1].data["status"] == "returned"
    with pytest.raises(InvalidArgument) as missing:
        act(app, "resubmit", CITIZEN, {"owner"})
    assert missing.value.field == "material_ids"
    act(app, "resubmit", CITIZEN, {"owner"}, material_ids=(uuid.uuid4(),))
    assert app.status == "submitted" and not app.clocks.paused and app.clocks.case_due_at is not None


def test_a_case_claimed_by_one_clerk_cannot_be_acted_on_by_another_but_a_supervisor_may() -> None:
    app = new_case()
    app.claim(actor=CLERK, roles={"clerk"}, now=T0)
    assert app.assignee_id == "clerk-1" and app.version == 2 and app.events[-1].verb == "assigned"
    other = Actor("user", "clerk-2", "hangzhou")
    with pytest.raises(Conflict):
        app.claim(actor=other, roles={"clerk"}, now=T0)
    with pytest.raises(Conflict) as info:
        act(app, "accept", other, {"clerk"})
    assert info.value.code == "assigned_to_other"
    act(app, "accept", Actor("user", "boss", "hangzhou"), {"clerk", "supervisor"})
    assert app.status == "under_review" and app.assignee_id is None


def test_a_tenant_system_is_recorded_as_the_actor() -> None:
    app = new_case()
    system = Actor("system", "hz-case-system", "hangzhou")
    act(app, "accept", system, {"clerk", "approver", "supervisor", "tenant_admin", "province_admin"})
    assert app.new_transitions[-1].actor == system
    assert app.events[-1].data["actor"] == {"kind": "system", "id": "hz-case-system", "tenant_id": "hangzhou"}


def test_a_corrected_form_does_not_ride_on_an_applicant_action_that_ends_the_case() -> None:
    """A definition may let the applicant withdraw a returned case: that action leaves the
    paused state too, but a form sent with it would be stored on a closed case unseen."""
    import json

    from services.workflow.domain import definition
    from services.workflow.domain.definition import Definition
    from services.workflow.service_layer.seed import SEED

    raw = next(d for d in json.loads((SEED / "definitions.json").read_text(encoding="utf-8"))["definitions"] if d["id"] == "standard")
    raw["states"].append({"name": "withdrawn", "label": {"zh": "已撤回", "en": "Withdrawn"}, "terminal": True, "outcome": "rejected"})
    raw["actions"].append({"name": "withdraw", "label": {"zh": "撤回", "en": "Withdraw"}, "from_states": ["returned"],
                           "to_state": "withdrawn", "roles": ["owner"]})
    defn = definition.validate(Definition.from_dict(raw, tenant_id="zhejiang", version=1))
    app = Application.submit(id=uuid.uuid4(), case_number="HZ-2026-000002", tenant_id="hangzhou", item=ITEM, applicant=CITIZEN,
                             form={"name": "张小明"}, definition=defn, cal=CAL, now=T0)
    act(app, "return", CLERK, {"clerk"}, "名称有误")
    with pytest.raises(InvalidArgument) as refused:
        app.check_correction("withdraw", {"owner"}, app.version)
    assert refused.value.code == "form_not_allowed"
    app.check_correction("resubmit", {"owner"}, app.version)  # the resubmitting action still carries one
