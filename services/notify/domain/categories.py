"""Channels, categories and the template keys with the placeholders each may use.

A *category* is what a user opts in or out of (per channel); a *template key* is the
purpose a text is written for (several keys share a category). Defaults are on for
in-app and push; SMS, which costs the tenant money and interrupts, is on only for
what a citizen or civil servant must act on. Case outcomes in the in-app inbox are a
record of the case and cannot be turned off.
"""

from __future__ import annotations

from dataclasses import dataclass

IN_APP, PUSH, SMS = "in_app", "push", "sms"
CHANNELS = (IN_APP, PUSH, SMS)

CASE_PROGRESS = "case_progress"
CASE_OUTCOME = "case_outcome"  # completed, rejected, sent back for more materials (补正)
TASK = "task"  # staff: a case waits for their action
SLA = "sla"
RECTIFICATION = "rectification"
NOTICE = "notice"
RATING_INVITATION = "rating_invitation"
SECURITY = "security"  # the account holder: someone is guessing their password
APPOINTMENT = "appointment"  # a booked hall visit: reminders, cancellations
OPERATIONS = "operations"  # administrators: the weekly 运营 report of their tenant
CATEGORIES = (CASE_PROGRESS, CASE_OUTCOME, TASK, SLA, RECTIFICATION, NOTICE, RATING_INVITATION, SECURITY, APPOINTMENT, OPERATIONS)

_DEFAULT_ON: dict[str, frozenset[str]] = {
    CASE_PROGRESS: frozenset({IN_APP, PUSH}),
    CASE_OUTCOME: frozenset({IN_APP, PUSH, SMS}),
    TASK: frozenset({IN_APP, PUSH}),
    SLA: frozenset({IN_APP, PUSH, SMS}),
    RECTIFICATION: frozenset({IN_APP, PUSH, SMS}),
    NOTICE: frozenset({IN_APP, PUSH}),
    RATING_INVITATION: frozenset({IN_APP, PUSH}),
    SECURITY: frozenset({IN_APP, PUSH, SMS}),
    APPOINTMENT: frozenset({IN_APP, PUSH, SMS}),
    OPERATIONS: frozenset({IN_APP}),
}
# (category, channel) pairs a user cannot turn off.
LOCKED = frozenset({(CASE_OUTCOME, IN_APP), (SECURITY, IN_APP)})


def default_enabled(category: str, channel: str) -> bool:
    return channel in _DEFAULT_ON.get(category, frozenset())


@dataclass(frozen=True)
class TemplateKey:
    key: str
    category: str
    # Placeholders a template of this key may use ({{ name }}).
    variables: frozenset[str]
    # Urgent keys ignore quiet hours (the default of a new template's `urgent`).
    urgent: bool = False


_CASE = frozenset({"case_number", "service_name", "status", "tenant_name", "comment", "link"})
_APPOINTMENT = frozenset({"service_name", "hall_name", "start_at", "tenant_name", "link"})
TEMPLATE_KEYS: dict[str, TemplateKey] = {k.key: k for k in (
    TemplateKey("application.submitted", CASE_PROGRESS, _CASE),
    TemplateKey("application.progressed", CASE_PROGRESS, _CASE | {"action"}),
    TemplateKey("application.returned", CASE_OUTCOME, _CASE, urgent=True),
    TemplateKey("application.completed", CASE_OUTCOME, _CASE | {"due_at"}),
    TemplateKey("application.rejected", CASE_OUTCOME, _CASE),
    TemplateKey("task.new", TASK, _CASE | {"due_at"}),
    TemplateKey("task.assigned", TASK, _CASE | {"due_at"}),
    TemplateKey("sla.warning", SLA, frozenset({"case_number", "status", "due_at", "tenant_name", "link"})),
    TemplateKey("sla.breached", SLA, frozenset({"case_number", "status", "due_at", "tenant_name", "link"}), urgent=True),
    TemplateKey("rectification.opened", RECTIFICATION,
                frozenset({"case_number", "department", "due_at", "score", "tenant_name", "link"})),
    TemplateKey("notice.published", NOTICE, frozenset({"title", "notice_category", "tenant_name", "link"})),
    TemplateKey("rating.invitation", RATING_INVITATION, frozenset({"case_number", "service_name", "tenant_name", "link"})),
    TemplateKey("appointment.reminder", APPOINTMENT, _APPOINTMENT | {"reminder", "address", "code"}),
    TemplateKey("appointment.cancelled", APPOINTMENT, _APPOINTMENT),
    TemplateKey("appointment.cancelled_by_hall", APPOINTMENT, _APPOINTMENT | {"note"}),
    # 随手拍 reports: every reporter (the first and those linked to it) hears these.
    TemplateKey("report.dispatched", CASE_PROGRESS, _CASE | {"department"}),
    TemplateKey("report.info_requested", CASE_OUTCOME, _CASE, urgent=True),
    TemplateKey("report.resolved", CASE_OUTCOME, _CASE | {"department"}),
    TemplateKey("report.closed", CASE_OUTCOME, _CASE),
    TemplateKey("insight.weekly_report", OPERATIONS,
                frozenset({"week_start", "submitted", "completed", "on_time", "rating", "zombies", "tenant_name", "link"})),
    # Finance staff: reconciliation found a mismatch (staff work to act on, like a task).
    TemplateKey("payment.reconciliation_mismatch", TASK, frozenset({"finding", "out_trade_no", "bill_date", "tenant_name", "link"}),
                urgent=True),
    TemplateKey("account.sign_in_throttled", SECURITY, frozenset({"failure_count", "max_delay_minutes", "tenant_name", "link"}),
                urgent=True),
)}
