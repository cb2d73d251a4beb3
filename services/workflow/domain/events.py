"""The events the workflow service publishes, and the shape of their `data`.

The unit of work turns each into a CloudEvent `mgov.workflow.<entity>.<verb>.v1` on
`mgov.evt.<case tenant>.workflow.<entity>.<verb>`. The keys are a contract with the
notify service and tenant systems: add keys, never rename or drop one
(docs/workflow.md lists them).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from mgov_common.events.domain import DomainEvent

if TYPE_CHECKING:
    from services.workflow.domain.application import Actor, Application


def iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None


def application_event(app: "Application", verb: str, action: str, previous: str, actor: "Actor", comment: str) -> DomainEvent:
    clocks = app.clocks
    return DomainEvent("application", verb, app.tenant_id, str(app.id), {
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
    })


def sla_event(kind: str, *, application_id: str, case_number: str, tenant_id: str, state: str, due_at: datetime, scope: str,
              assignee_id: str | None, eligible_roles: list[str], escalate_to_roles: list[str], applicant_id: str) -> DomainEvent:
    return DomainEvent("sla", kind, tenant_id, application_id, {
        "application_id": application_id, "case_number": case_number, "tenant_id": tenant_id, "state": state,
        "due_at": iso(due_at), "scope": scope, "assignee_id": assignee_id, "eligible_roles": eligible_roles,
        "escalate_to_roles": escalate_to_roles, "applicant_id": applicant_id,
    })


def calendar_event(tenant_id: str, year: int, days: "list[tuple[date, bool, str]]", updated_at: datetime) -> DomainEvent:
    """A tenant's calendar year was set: the whole year's days that differ from Monday–Friday
    (holidays, 调休 working weekend days), so a consumer can replace its copy of the year."""
    return DomainEvent("calendar", "updated", tenant_id, f"{tenant_id}/{year}", {
        "tenant_id": tenant_id, "year": year, "updated_at": iso(updated_at),
        "days": [{"date": d.isoformat(), "working": w, "name": n} for d, w, n in sorted(days)],
    })
