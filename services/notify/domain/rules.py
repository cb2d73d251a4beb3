"""Who is told what: platform events to notification plans (pure).

A plan names a template key, an audience (users by id, a tenant's staff holding some
roles, or a tenant's notice subscribers), the values its placeholders may use, and a
deep link. The event contracts are those of docs/workflow.md and docs/catalog.md.

- submitted: the applicant (received) and the staff who may act (a new task);
- transitioned: sent back (补正) tells the applicant to act; other steps by staff tell
  the applicant of progress; the staff who may act next get a task (the assignee
  alone when there is one); the actor is never told of their own action; a move into
  a terminal state is left to the outcome event, so nobody hears it twice;
- completed / rejected: the applicant (case outcome);
- assigned: the assignee, when someone else assigned them;
- sla.warning / sla.breached: the assignee, else the eligible staff; a breach also
  reaches the escalation roles (supervisors);
- rectification.opened: the handling tenant's staff of the rectification's roles;
- report.* (随手拍): every reporter (`reporter_ids`, and `phone_reporter_refs`: those
  without an account, told by SMS only) hears of the dispatch of their report, a
  request for information (the first reporter, who answers it), its resolution or
  dismissal; staff who may act next get a task as for cases;
- catalog notice.published: the subscribers of the tenant and of its subtree;
- identity user.sign_in_throttled: the account holder (wrong passwords are slowing
  sign-in to their account: if it was not them, someone is guessing);
- insight report.published: the tenant's administrators (the weekly 运营 report);
- appointment reminded / cancelled: the citizen who booked (reminders a day and an
  hour before; a cancellation confirmed, or the hall's closing of the slot explained);
- payment reconciliation.mismatch_found: the finance staff of the finding's tenant
  (a bill line that does not match, a payment of an expired order given back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUS_LABELS: dict[str, dict[str, str]] = {
    "submitted": {"zh": "已提交", "en": "submitted"},
    "under_review": {"zh": "审核中", "en": "under review"},
    "returned": {"zh": "待补正", "en": "returned for more materials"},
    "completed": {"zh": "已办结", "en": "completed"},
    "rejected": {"zh": "不予许可", "en": "rejected"},
}
ACTION_LABELS: dict[str, dict[str, str]] = {
    "submit": {"zh": "提交", "en": "submitted"}, "accept": {"zh": "受理", "en": "accepted"},
    "approve": {"zh": "批准", "en": "approved"}, "reject": {"zh": "驳回", "en": "rejected"},
    "return": {"zh": "退回补正", "en": "returned"}, "resubmit": {"zh": "重新提交", "en": "resubmitted"},
}


def label(table: dict[str, dict[str, str]], slug: str) -> dict[str, str]:
    return table.get(slug, {"zh": slug, "en": slug.replace("_", " ")})


@dataclass(frozen=True)
class Audience:
    users: tuple[str, ...] = ()
    staff_roles: tuple[str, ...] = ()  # staff of the event's tenant holding any of these
    notice_subscribers: bool = False  # subscribers of the event's tenant or below it
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    key: str
    audience: Audience
    values: dict[str, Any] = field(default_factory=dict)
    link: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class BadEvent(ValueError):
    """The event lacks what its rule needs (retried, then dead-lettered)."""


def _s(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return str(value) if value not in (None, "") else ""


def _staff_or_assignee(data: dict[str, Any], roles: list[str], exclude: tuple[str, ...] = ()) -> Audience:
    assignee = _s(data, "assignee_id")
    if assignee:
        return Audience(users=(assignee,), exclude=exclude)
    return Audience(staff_roles=tuple(sorted(set(roles))), exclude=exclude)


def _case(data: dict[str, Any]) -> tuple[dict[str, Any], str, dict[str, Any]]:
    app_id = _s(data, "application_id")
    if not app_id or not _s(data, "case_number"):
        raise BadEvent("a case event needs application_id and case_number")
    # A report's page is its own (the app's /reports/…), whatever the event (SLA clocks too).
    link = f"/reports/{app_id}" if _s(data, "kind") == "report" else f"/applications/{app_id}"
    values = {
        "case_number": data["case_number"], "service_name": data.get("service_name") or "",
        "status": label(STATUS_LABELS, _s(data, "status") or _s(data, "state")), "comment": data.get("comment") or "",
        "action": label(ACTION_LABELS, _s(data, "action")), "due_at": data.get("due_at"), "link": link,
        "department": data.get("department") or "", "score": data.get("score"),
    }
    payload = {"application_id": app_id, "case_number": data["case_number"], "status": _s(data, "status") or _s(data, "state")}
    return values, link, payload


REMINDER_LABELS: dict[str, dict[str, str]] = {"day_before": {"zh": "明天", "en": "tomorrow"}, "hour_before": {"zh": "一小时后", "en": "in an hour"}}


def _appointment(verb: str, data: dict[str, Any]) -> list[Plan]:
    """reminded: the citizen, a day and an hour before; cancelled: the citizen (their own
    cancellation confirmed, or the hall's change of the slot explained)."""
    appt, citizen = _s(data, "appointment_id"), _s(data, "citizen_id")
    if not appt or not citizen:
        raise BadEvent("an appointment event needs appointment_id and citizen_id")
    link = f"/appointments/{appt}"
    values = {"service_name": data.get("service_name") or "", "hall_name": data.get("hall_name") or "",
              "start_at": data.get("start_at"), "link": link}
    payload = {"appointment_id": appt, "hall_id": _s(data, "hall_id")}
    if verb == "reminded":
        values |= {"reminder": label(REMINDER_LABELS, _s(data, "reminder")), "address": data.get("address") or "",
                   "code": _s(data, "code")}
        return [Plan("appointment.reminder", Audience(users=(citizen,)), values, link, payload | {"reminder": _s(data, "reminder")})]
    if verb == "cancelled":
        if _s(data, "reason") == "hall_changed":
            return [Plan("appointment.cancelled_by_hall", Audience(users=(citizen,)), values | {"note": data.get("note") or ""},
                         link, payload)]
        return [Plan("appointment.cancelled", Audience(users=(citizen,)), values, link, payload)]
    return []


FINDING_LABELS: dict[str, dict[str, str]] = {
    "unknown_order": {"zh": "账单中有非本平台订单的支付", "en": "a payment in the bill that is not ours"},
    "missing_locally": {"zh": "渠道已收款、平台未记为已支付", "en": "paid at the provider, not paid here"},
    "amount_mismatch": {"zh": "账单金额与订单不符", "en": "the bill's amount differs"},
    "missing_at_provider": {"zh": "平台已支付、账单中没有", "en": "paid here, absent from the bill"},
    "late_payment": {"zh": "订单过期后收到支付，已自动退款", "en": "a payment of an expired order, refunded"},
}


def _finding(data: dict[str, Any]) -> list[Plan]:
    kind, out_trade_no = _s(data, "kind"), _s(data, "out_trade_no")
    if not kind or not out_trade_no:
        raise BadEvent("a reconciliation finding needs kind and out_trade_no")
    tenant = _s(data, "tenant_id")
    link = f"/finance/{tenant}" if tenant else ""  # the app's finance screen: the tenant's findings and refunds
    values = {"finding": label(FINDING_LABELS, kind), "out_trade_no": out_trade_no, "bill_date": _s(data, "bill_date"), "link": link}
    return [Plan("payment.reconciliation_mismatch", Audience(staff_roles=("finance",)), values, link,
                 {"kind": kind, "out_trade_no": out_trade_no, "bill_date": _s(data, "bill_date")})]


def plans_for(kind: str, data: dict[str, Any]) -> list[Plan]:
    """`kind` is '<service>.<entity>.<verb>' of the event type (e.g. workflow.application.submitted)."""
    if kind == "catalog.notice.published":
        title = data.get("title")
        if not title or not _s(data, "id"):
            raise BadEvent("a notice event needs id and title")
        link = f"/notices/{data['id']}"
        return [Plan("notice.published", Audience(notice_subscribers=True),
                     {"title": title, "notice_category": _s(data, "category"), "link": link}, link,
                     {"notice_id": data["id"], "category": _s(data, "category")})]
    if kind == "identity.user.sign_in_throttled":
        user = _s(data, "user_id")
        if not user:
            raise BadEvent("a sign-in event needs user_id")
        minutes = max(1, int(data.get("max_delay_s") or 60) // 60)
        return [Plan("account.sign_in_throttled", Audience(users=(user,)),
                     {"failure_count": data.get("failure_count"), "max_delay_minutes": minutes, "link": "/me"}, "/me",
                     {"failure_count": data.get("failure_count")})]
    if kind == "insight.report.published":
        tenant, week = _s(data, "tenant_id"), _s(data, "week_start")
        if not tenant or not week:
            raise BadEvent("a weekly report needs tenant_id and week_start")
        link = f"/insight/{tenant}"
        pct = lambda v: "—" if not isinstance(v, (int, float)) or v < 0 else f"{round(v * 100)}%"  # noqa: E731
        rating = data.get("rating_average")
        values = {"week_start": week, "submitted": data.get("submitted", 0), "completed": data.get("completed", 0),
                  "on_time": pct(data.get("on_time_rate")), "rating": "—" if not isinstance(rating, (int, float)) or rating < 0 else f"{rating:.1f}",
                  "zombies": data.get("zombies", 0), "link": link}
        return [Plan("insight.weekly_report", Audience(staff_roles=("province_admin", "tenant_admin")), values, link,
                     {"tenant_id": tenant, "week_start": week})]
    if kind == "payment.reconciliation.mismatch_found":
        return _finding(data)
    if kind.startswith("appointment.appointment."):
        return _appointment(kind.rsplit(".", 1)[1], data)
    if not kind.startswith("workflow."):
        return []
    if kind == "workflow.rating.received":
        return []
    if kind.startswith("workflow.report."):
        return _report_plans(kind.removeprefix("workflow.report."), data)
    values, link, payload = _case(data)
    applicant = _s(data, "applicant_id")
    actor = _s(data.get("actor") or {}, "id") if isinstance(data.get("actor"), dict) else ""
    roles = [str(r) for r in data.get("eligible_roles") or []]
    plans: list[Plan] = []

    def to(key: str, audience: Audience) -> None:
        plans.append(Plan(key, audience, values, link, payload))

    if kind == "workflow.application.submitted":
        if applicant:
            to("application.submitted", Audience(users=(applicant,)))
        if roles:
            to("task.new", _staff_or_assignee(data, roles, exclude=(applicant,)))
    elif kind == "workflow.application.transitioned":
        terminal = bool(data.get("terminal")) or _s(data, "status") in ("completed", "rejected")
        if _s(data, "action") == "return" and applicant:
            to("application.returned", Audience(users=(applicant,)))
        elif not terminal and applicant and actor != applicant:
            to("application.progressed", Audience(users=(applicant,)))
        if not terminal and roles:
            to("task.new", _staff_or_assignee(data, roles, exclude=(actor,)))
    elif kind in ("workflow.application.completed", "workflow.application.rejected"):
        # A withdrawn state's outcome is "rejected", but the applicant who withdrew the case
        # was not refused: no "未予通过" notice (payment reads the same action to refund).
        withdrawn = kind.endswith(".rejected") and _s(data, "action") == "withdraw"
        if applicant and not withdrawn:
            to("application." + kind.rsplit(".", 1)[1], Audience(users=(applicant,)))
    elif kind == "workflow.application.assigned":
        assignee = _s(data, "assignee_id")
        if _s(data, "action") == "assign" and assignee and assignee != actor:
            to("task.assigned", Audience(users=(assignee,)))
    elif kind in ("workflow.sla.warning", "workflow.sla.breached"):
        audience = _staff_or_assignee(data, roles)
        if kind.endswith("breached"):
            escalate = tuple(sorted({str(r) for r in data.get("escalate_to_roles") or []}))
            audience = Audience(audience.users, tuple(sorted(set(audience.staff_roles) | set(escalate))))
        to(kind.removeprefix("workflow."), audience)
    elif kind == "workflow.rectification.opened":
        to("rectification.opened", Audience(staff_roles=tuple(sorted(set(roles)))))
    return plans


def _report_plans(verb: str, data: dict[str, Any]) -> list[Plan]:
    values, _, payload = _case(data | {"kind": "report"})
    link = values["link"]
    # Reporters without an account are told by SMS only: `phone:<pseudonym>`, resolved by identity at send time.
    reporters = tuple(str(r) for r in [*(data.get("reporter_ids") or []), *(data.get("phone_reporter_refs") or [])])
    first = _s(data, "applicant_id")
    actor = _s(data.get("actor") or {}, "id") if isinstance(data.get("actor"), dict) else ""
    roles = [str(r) for r in data.get("eligible_roles") or []]
    action = _s(data, "action")
    plans: list[Plan] = []

    def to(key: str, audience: Audience) -> None:
        plans.append(Plan(key, audience, values, link, payload | {"report_id": data["application_id"]}))

    if verb == "dispatched" and action == "submit" and reporters:
        to("report.dispatched", Audience(users=reporters))
    elif verb == "transitioned" and action == "ask" and first:
        to("report.info_requested", Audience(users=(first,)))
    elif verb in ("resolved", "closed") and reporters:
        to(f"report.{verb}", Audience(users=reporters))
    if verb in ("dispatched", "reopened") or (verb == "transitioned" and not data.get("terminal")):
        if roles:
            to("task.new", _staff_or_assignee(data, roles, exclude=(actor, *reporters)))
    return plans
