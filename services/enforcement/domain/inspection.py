"""An inspection: one subject, two inspectors, a checklist, evidence, an outcome.

assigned → in_progress (an inspector starts it) → recorded (the answers and outcome are
submitted) → completed (both inspectors confirmed the record). Enforcement acts need two
officers with credentials acting together, so only the pair may touch it and the record
counts only when both confirmed. The outcome takes effect on completion: 合格 (`pass`),
责令限期整改 (`rectify` by a date: a follow-up inspection is due then) or 立案 (`case`: a
penalty case is opened). Submitting is idempotent: the same request id answers the same
record, so a phone that lost the answer may send it again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from mgov_common.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from mgov_common.events.domain import DomainEvent
from services.enforcement.domain.chain import GENESIS
from services.enforcement.domain.checklist import check_answers
from services.enforcement.domain.outcomes import case_id_of

OUTCOMES = ("pass", "rectify", "case")
STATUSES = ("assigned", "in_progress", "recorded", "completed")


@dataclass
class Inspection:
    id: uuid.UUID
    tenant_id: str
    plan_id: uuid.UUID | None
    subject_id: uuid.UUID
    inspector_ids: tuple[str, str]
    category: str
    checklist: list[dict[str, str]]
    checklist_version: int
    due_date: date
    status: str = "assigned"
    answers: dict[str, dict[str, str]] = field(default_factory=dict)
    outcome: str = ""
    rectify_due_date: date | None = None
    outcome_note: str = ""
    submit_request_id: str = ""
    confirmations: dict[str, str] = field(default_factory=dict)  # inspector id -> RFC 3339 time
    representative_signature_sha256: str = ""
    follow_up_of: uuid.UUID | None = None
    case_id: str = ""
    evidence_count: int = 0
    evidence_head: str = GENESIS
    start_time: datetime | None = None
    complete_time: datetime | None = None
    version: int = 0
    events: list[DomainEvent] = field(default_factory=list)

    def require_inspector(self, who: str) -> None:
        if who not in self.inspector_ids:
            raise PermissionDenied("only the two inspectors of this inspection may act on it", code="not_assigned")

    def start(self, who: str, now: datetime) -> None:
        self.require_inspector(who)
        if self.status == "assigned":
            self.status, self.start_time = "in_progress", now
            self._event("started", {"by": who})
        # starting again (a retry) changes nothing

    def accepts_evidence(self, who: str) -> None:
        self.require_inspector(who)
        if self.status not in ("in_progress", "recorded"):
            raise FailedPrecondition("evidence is added while the inspection is under way", code="inspection_not_open")

    def reports_position(self, who: str) -> None:
        """A team's position is shared by its own officers, and only while it works on site."""
        self.require_inspector(who)
        if self.status not in ("in_progress", "recorded"):
            raise FailedPrecondition("a position is reported while the inspection is under way", code="inspection_not_open")

    def submit(self, who: str, answers: Any, outcome: str, rectify_due: date | None, note: str, request_id: str,
               today: date) -> bool:
        """Record the answers and outcome; False when this request was already recorded."""
        self.require_inspector(who)
        if request_id and request_id == self.submit_request_id:
            return False
        if self.status != "in_progress":
            raise FailedPrecondition(f"the inspection is {self.status}: its record was already submitted"
                                     if self.status in ("recorded", "completed") else "start the inspection first",
                                     code="inspection_not_in_progress")
        checked = check_answers(self.checklist, answers)
        if outcome not in OUTCOMES:
            raise InvalidArgument(f"the outcome is one of {', '.join(OUTCOMES)}", field="outcome", code="invalid_outcome")
        if outcome == "pass" and any(a["result"] == "fail" for a in checked.values()):
            raise InvalidArgument("an inspection with a failed item cannot pass: order a correction or open a case",
                                  field="outcome", code="failed_items")
        if outcome == "rectify":
            if rectify_due is None or rectify_due <= today:
                raise InvalidArgument("an order to correct needs a date after today", field="rectify_due_date", code="invalid_due_date")
        elif rectify_due is not None:
            raise InvalidArgument("only an order to correct has a due date", field="rectify_due_date", code="invalid_due_date")
        if len(note) > 2000:
            raise InvalidArgument("the note is at most 2000 characters", field="note", code="too_long")
        self.answers, self.outcome, self.rectify_due_date, self.outcome_note = checked, outcome, rectify_due, note
        self.submit_request_id, self.status = request_id, "recorded"
        self._event("recorded", {"outcome": outcome})
        return True

    def confirm(self, who: str, now: datetime, signature_sha256: str = "") -> bool:
        """One inspector's confirmation; True when it completes the inspection."""
        self.require_inspector(who)
        if self.status == "completed" or who in self.confirmations:
            return False
        if self.status != "recorded":
            raise FailedPrecondition("the record is confirmed after it is submitted", code="inspection_not_recorded")
        self.confirmations[who] = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if signature_sha256:
            self.representative_signature_sha256 = signature_sha256
        if len(self.confirmations) < 2:
            return False
        self.status, self.complete_time = "completed", now
        self._event("completed", {"outcome": self.outcome, "subject_id": str(self.subject_id),
                                  "rectify_due_date": self.rectify_due_date.isoformat() if self.rectify_due_date else None,
                                  "plan_id": str(self.plan_id) if self.plan_id else None})
        return True

    def open_case(self, subject_name: str, credit_code: str, certificates: dict[str, str]) -> None:
        """立案: the penalty case (its id derived from this inspection's) is opened by the
        workflow service from the event recorded here."""
        assert self.status == "completed" and self.outcome == "case"
        self.case_id = str(case_id_of(self.id))
        failed = [f"{i['text']}：{self.answers[i['id']]['note']}" for i in self.checklist if self.answers.get(i["id"], {}).get("result") == "fail"]
        self._event("case_opened", {
            "case_id": self.case_id, "subject_id": str(self.subject_id), "subject_name": subject_name, "credit_code": credit_code,
            "category": self.category, "findings": failed, "note": self.outcome_note,
            "certificates": [certificates.get(i, "") for i in self.inspector_ids]})

    def chained(self, entry_hash: str) -> None:
        self.evidence_count += 1
        self.evidence_head = entry_hash

    def _event(self, verb: str, data: dict[str, Any]) -> None:
        self.events.append(DomainEvent("inspection", verb, self.tenant_id, str(self.id), {"inspection_id": str(self.id), **data}))
