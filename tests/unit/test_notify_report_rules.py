"""Who hears of a 随手拍 report: every linked reporter at dispatch and resolution, the
first reporter when information is asked, staff when it waits for them."""

from __future__ import annotations

import pytest

from services.notify.domain.categories import TEMPLATE_KEYS
from services.notify.domain.rules import plans_for
from services.notify.service_layer.seed import IN_APP

BASE = {"application_id": "r-1", "case_number": "HZ-R-2026-000001", "service_name": {"zh": "垃圾满溢"}, "department": "环境卫生管理处",
        "applicant_id": "u1", "reporter_ids": ["u1", "u2"], "status": "dispatched", "eligible_roles": ["clerk"], "comment": "",
        "actor": {"kind": "user", "id": "u1"}}


def keys(verb: str, **data: object) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    return [(p.key, p.audience.users, p.audience.staff_roles) for p in plans_for(f"workflow.report.{verb}", BASE | data)]


def test_every_linked_reporter_hears_of_the_resolution_with_a_link_to_the_report() -> None:
    assert keys("resolved", action="resolve", status="resolved", terminal=True, eligible_roles=[]) == [("report.resolved", ("u1", "u2"), ())]
    [plan] = plans_for("workflow.report.resolved", BASE | {"action": "resolve", "terminal": True, "eligible_roles": []})
    assert plan.link == "/reports/r-1"


def test_dispatch_tells_the_reporters_and_gives_the_department_a_task_and_a_move_only_the_task() -> None:
    assert keys("dispatched", action="submit") == [("report.dispatched", ("u1", "u2"), ()), ("task.new", (), ("clerk",))]
    assert keys("dispatched", action="move") == [("task.new", (), ("clerk",))]


def test_a_request_for_information_reaches_the_first_reporter() -> None:
    assert keys("transitioned", action="ask", status="needs_info", eligible_roles=[])[0] == ("report.info_requested", ("u1",), ())


def test_a_reporter_without_an_account_hears_of_each_step_by_its_opaque_phone_reference() -> None:
    anon = {"applicant_id": "phone:ab12", "reporter_ids": ["u2"], "phone_reporter_refs": ["phone:ab12"]}
    assert keys("dispatched", action="submit", **anon)[0] == ("report.dispatched", ("u2", "phone:ab12"), ())
    assert keys("transitioned", action="ask", status="needs_info", eligible_roles=[], **anon)[0] == ("report.info_requested", ("phone:ab12",), ())
    assert keys("resolved", action="resolve", status="resolved", terminal=True, eligible_roles=[], **anon) == [
        ("report.resolved", ("u2", "phone:ab12"), ())]


def test_every_report_step_a_phone_is_told_of_has_an_sms_text() -> None:
    from services.notify.service_layer.seed import SMS

    assert {"report.dispatched", "report.info_requested", "report.resolved", "report.closed"} <= set(SMS)


def test_every_report_template_key_has_seeded_texts() -> None:
    for key in ("report.dispatched", "report.info_requested", "report.resolved", "report.closed"):
        assert key in TEMPLATE_KEYS and key in IN_APP


def test_a_reconciliation_finding_is_told_to_the_finance_staff_of_its_tenant() -> None:
    from services.notify.domain.rules import BadEvent, plans_for

    [plan] = plans_for("payment.reconciliation.mismatch_found", {"kind": "amount_mismatch", "out_trade_no": "abc", "bill_date": "2026-11-30"})
    assert plan.key == "payment.reconciliation_mismatch" and plan.audience.staff_roles == ("finance",) and not plan.audience.users
    assert plan.values["finding"]["zh"] == "账单金额与订单不符" and plan.data["out_trade_no"] == "abc"
    [linked] = plans_for("payment.reconciliation.mismatch_found",
                         {"kind": "amount_mismatch", "out_trade_no": "abc", "bill_date": "2026-11-30", "tenant_id": "hangzhou"})
    assert linked.link == linked.values["link"] == "/finance/hangzhou"  # the app's finance screen of the finding's tenant
    assert plan.link == ""  # a finding of no tenant (an account nobody's settings name) has no screen to open
    with pytest.raises(BadEvent):
        plans_for("payment.reconciliation.mismatch_found", {"kind": "amount_mismatch"})


def test_a_reports_sla_messages_link_to_the_report_page_and_a_cases_to_the_case_page() -> None:
    sla = {"application_id": "r-1", "case_number": "HZ-R-2026-000001", "state": "dispatched", "eligible_roles": ["clerk"],
           "escalate_to_roles": ["supervisor"], "scope": "state"}
    for verb in ("warning", "breached"):
        assert {p.link for p in plans_for(f"workflow.sla.{verb}", sla | {"kind": "report"})} == {"/reports/r-1"}
        assert {p.link for p in plans_for(f"workflow.sla.{verb}", sla | {"kind": "application"})} == {"/applications/r-1"}
