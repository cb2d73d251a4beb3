"""好差评: the applicant rates a closed case once, 1 to 5; a 1 or 2 opens a 整改 task.

The rectification task belongs to the handling tenant's staff who work the item's
workflow (and its supervisors); it has a deadline in working days (a tenant setting,
5 by default) and is closed only with a recorded callback to the citizen (回访) and
the outcome (整改结果).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from mgov_common.errors import AlreadyExists, Conflict, InvalidArgument, PermissionDenied
from services.workflow.domain.application import Actor, Application
from services.workflow.domain.calendar import WorkingCalendar
from mgov_common.events.domain import DomainEvent
from services.workflow.domain.events import iso
from services.workflow.domain.roles import OWNER, SUPERVISOR

LABELS = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}
NEGATIVE = frozenset({1, 2})
DEFAULT_RECTIFICATION_DAYS = 5
MAX_TEXT = 2000


@dataclass
class Rating:
    application_id: uuid.UUID
    score: int
    comment: str
    created_at: datetime
    rectification_id: uuid.UUID | None = None


@dataclass
class Rectification:
    id: uuid.UUID
    application_id: uuid.UUID
    case_number: str
    tenant_id: str
    department: str
    score: int
    rating_comment: str
    due_at: datetime
    eligible_roles: list[str]
    created_at: datetime
    status: str = "open"
    callback: str = ""
    outcome: str = ""
    closed_by: Actor | None = None
    closed_at: datetime | None = None
    assignee_id: str | None = None
    events: list[DomainEvent] = field(default_factory=list)

    @property
    def eligible_keys(self) -> list[str]:
        return [f"{self.tenant_id}:{r}" for r in self.eligible_roles]

    def event(self, verb: str) -> DomainEvent:
        return DomainEvent("rectification", verb, self.tenant_id, str(self.id), {
            "rectification_id": str(self.id), "application_id": str(self.application_id), "case_number": self.case_number,
            "tenant_id": self.tenant_id, "department": self.department, "due_at": iso(self.due_at),
            "eligible_roles": self.eligible_roles, "outcome": self.outcome or None, "callback": self.callback or None,
            "score": self.score, "status": self.status,
        })

    def close(self, *, actor: Actor, roles: set[str], callback: str, outcome: str, now: datetime) -> None:
        if not roles & set(self.eligible_roles):
            raise PermissionDenied("closing a rectification needs a staff role of its department", code="role_not_allowed")
        if self.status != "open":
            raise Conflict("the rectification is already closed", code="rectification_closed")
        callback, outcome = _text(callback, "callback"), _text(outcome, "outcome")
        missing = [n for n, v in (("callback", callback), ("outcome", outcome)) if not v]
        if missing:
            raise InvalidArgument(f"closing a rectification records the {' and the '.join(missing)}", code="required", field=missing[0])
        self.status, self.callback, self.outcome, self.closed_by, self.closed_at = "closed", callback, outcome, actor, now
        self.events.append(self.event("closed"))


def _text(value: str, name: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise InvalidArgument(f"{name} has at most {MAX_TEXT} characters", code="too_long", field=name)
    return value


def rate(app: Application, *, roles: set[str], score: int, comment: str, now: datetime, already_rated: bool,
         cal: WorkingCalendar, rectification_days: int) -> tuple[Rating, Rectification | None, list[DomainEvent]]:
    if OWNER not in roles:
        raise PermissionDenied("only the applicant rates a case", code="not_owner")
    if score not in LABELS:
        raise InvalidArgument("a score is 1 (非常不满意) to 5 (非常满意)", code="out_of_range", field="score")
    comment = _text(comment, "comment")
    if not app.terminal:
        raise Conflict("a case is rated once it is closed", code="not_completed")
    if already_rated:
        raise AlreadyExists("this case has already been rated", code="already_rated")
    rating = Rating(app.id, score, comment, now)
    events = [DomainEvent("rating", "received", app.tenant_id, str(app.id), {
        "application_id": str(app.id), "case_number": app.case_number, "tenant_id": app.tenant_id,
        "service_id": str(app.service_id), "service_name": dict(app.service_name), "department": app.department,
        "score": score, "label": LABELS[score], "comment": comment, "applicant_id": app.applicant_id,
    })]
    rect = None
    if score in NEGATIVE:
        roles_for = sorted(app.definition.staff_roles() | {SUPERVISOR})
        rect = Rectification(uuid.uuid4(), app.id, app.case_number, app.tenant_id, app.department, score, comment,
                             cal.due_after(now, rectification_days), roles_for, now)
        rating.rectification_id = rect.id
        events.append(rect.event("opened"))
    return rating, rect, events
