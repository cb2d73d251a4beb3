"""The events the workflow service publishes, and the shape of their `data`.

The unit of work turns each into a CloudEvent `mgov.workflow.<entity>.<verb>.v1` on
`mgov.evt.<case tenant>.workflow.<entity>.<verb>`. The keys are a contract with the
notify service and tenant systems: add keys, never rename or drop one
(docs/workflow.md lists them).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from mgov_common.events.domain import DomainEvent
from services.workflow.domain.reports import is_phone_reporter

if TYPE_CHECKING:
    from services.workflow.domain.application import Actor, Application


def iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None


# A report's case events under their own entity and names (submitted = dispatched to its department).
REPORT_VERBS = {"submitted": "dispatched", "completed": "resolved", "rejected": "closed"}


def application_event(app: "Application", verb: str, action: str, previous: str, actor: "Actor", comment: str, *,
                      extra: dict[str, Any] | None = None, tenant: str | None = None) -> DomainEvent:
    """A case's event; a report's is `report.<verb>` and carries its facts (for the city's
    back office and for telling every linked reporter)."""
    entity = "application"
    data = _case_data(app, action, previous, actor, comment) | (extra or {})
    if app.report is not None:
        entity, verb = "report", REPORT_VERBS.get(verb, verb)
        r = app.report
        data |= {"report_id": str(app.id), "category": r.category, "location": {"lat": r.point.lat, "lng": r.point.lng},
                 "address": r.address, "description": r.description, "reporter_ids": r.reporter_ids,
                 # Reporters without an account: opaque references (`phone:<pseudonym>`) notify resolves through
                 # identity to reach them by SMS; the number itself never travels on the bus.
                 "phone_reporter_refs": r.phone_reporter_refs,
                 # Anonymous: no phone, unless the reporter has no account (then the masked phone is all handlers have).
                 "reporter_phone_masked": "" if not r.reporters or (r.anonymous and not is_phone_reporter(r.reporters[0].user_id))
                 else r.reporters[0].phone_masked,
                 "anonymous": r.anonymous}
    return DomainEvent(entity, verb, tenant or app.tenant_id, str(app.id), data)


def _case_data(app: "Application", action: str, previous: str, actor: "Actor", comment: str) -> dict[str, Any]:
    clocks = app.clocks
    return {
        "application_id": str(app.id),
        "case_number": app.case_number,
        "tenant_id": app.tenant_id,
        "service_id": str(app.service_id),
        "service_version": app.service_version,
        "service_name": dict(app.service_name),
        "department": app.department,
        "applicant_id": app.applicant_id,
        "status": app.status,
        "previous_status": previous,
        "action": action,
        "actor": actor.to_dict(),
        "comment": comment,
        "assignee_id": app.assignee_id,
        "eligible_roles": app.eligible_roles,
        "due_at": iso(clocks.state_due_at or clocks.case_due_at),
        "state_due_at": iso(clocks.state_due_at),
        "case_due_at": iso(clocks.case_due_at),
        "clock_paused": clocks.paused,
        "terminal": app.terminal,
        "version": app.version,
        "awaits_payment": app.definition.state(app.status).awaits_payment,
    }


def sla_event(kind: str, *, application_id: str, case_number: str, tenant_id: str, state: str, due_at: datetime, scope: str,
              assignee_id: str | None, eligible_roles: list[str], escalate_to_roles: list[str], applicant_id: str, case_kind: str = "application",
              at: datetime | None = None) -> DomainEvent:
    """A clock's warning or breach; `kind` (application or report) tells a reader which
    page of the app the case is on. `at`: the moment it became due (the event's time,
    however late a worker came by)."""
    return DomainEvent("sla", kind, tenant_id, application_id, {
        "application_id": application_id, "case_number": case_number, "tenant_id": tenant_id, "state": state,
        "due_at": iso(due_at), "scope": scope, "assignee_id": assignee_id, "eligible_roles": eligible_roles,
        "escalate_to_roles": escalate_to_roles, "applicant_id": applicant_id, "kind": case_kind,
    }, time=at)


def calendar_event(tenant_id: str, year: int, days: "list[tuple[date, bool, str]]", updated_at: datetime) -> DomainEvent:
    """A tenant's calendar year was set: the whole year's days that differ from Monday–Friday
    (holidays, 调休 working weekend days), so a consumer can replace its copy of the year."""
    return DomainEvent("calendar", "updated", tenant_id, f"{tenant_id}/{year}", {
        "tenant_id": tenant_id, "year": year, "updated_at": iso(updated_at),
        "days": [{"date": d.isoformat(), "working": w, "name": n} for d, w, n in sorted(days)],
    })
