"""A new case in one SQL statement: serial, case, first transition, timers, materials,
outbox events.

A submission used to take seven round trips (the counter in a statement of its own,
BEGIN, case, transition, timers, outbox, COMMIT). Here every write is a data-modifying
CTE of one statement, which PostgreSQL runs as one transaction:

- the serial comes from the `case_counters` upsert; its row lock lasts to the end of
  the statement, so concurrent submissions of one (prefix, year) take consecutive
  serials, and a statement that fails (say a concurrent repeat of its idempotency key,
  refused by the unique key) rolls the increment back with everything else: no gaps;
- the case number is formatted in SQL like `domain.case_number.format_case_number`
  (a test compares the two) and written into the case row and, by replacing a
  placeholder the caller put in the events' payloads, into the events;
- the foreign keys of transitions and timers to the new case are checked at the end of
  the statement, when the case row is there.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from mgov_common.events.envelope import CloudEvent
from services.workflow.domain.case_number import SERIAL_DIGITS
from services.workflow.domain.sla import TimerPlan

if TYPE_CHECKING:
    from services.workflow.domain.application import Application

# applications' columns (but case_number, computed in the statement) and their SQL types.
_CASE = (
    ("id", "uuid"), ("tenant_id", "text"), ("service_id", "uuid"), ("service_version", "int"), ("service_name", "jsonb"),
    ("department", "text"), ("applicant_id", "text"), ("applicant_tenant_id", "text"), ("status", "text"), ("terminal", "bool"),
    ("form", "jsonb"), ("version", "bigint"), ("definition_tenant", "text"), ("definition_id", "text"), ("definition_version", "int"),
    ("last_seq", "int"), ("assignee_id", "text"), ("eligible", "text[]"), ("submitted_at", "timestamptz"),
    ("updated_at", "timestamptz"), ("completed_at", "timestamptz"), ("state_entered_at", "timestamptz"), ("state_seq", "int"),
    ("state_budget_s", "float8"), ("state_due_at", "timestamptz"), ("case_budget_s", "float8"), ("case_used_s", "float8"),
    ("case_segment_start", "timestamptz"), ("case_due_at", "timestamptz"), ("paused_at", "timestamptz"), ("request_id", "text"),
    ("request_hash", "text"),
)
_TRANSITION = (("seq", "int"), ("action", "text"), ("from_state", "text"), ("to_state", "text"), ("actor", "jsonb"),
               ("comment", "text"), ("at", "timestamptz"), ("material_ids", "uuid[]"), ("request_id", "text"), ("form_sha256", "text"))
_TIMER = (("scope", "text"), ("kind", "text"), ("instance", "int"), ("state", "text"), ("fire_at", "timestamptz"),
          ("due_at", "timestamptz"))
_EVENT = (("id", "uuid"), ("subject", "text"), ("type", "text"), ("payload", "text"), ("traceparent", "text"))


def _build() -> str:
    n = 5  # $1 prefix, $2 year, $3 placeholder, $4 material ids

    def params(cols: tuple[tuple[str, str], ...], array: bool) -> list[str]:
        nonlocal n
        out = []
        for _, typ in cols:
            out.append(f"${n}::{typ}[]" if array else f"${n}::{typ}")
            n += 1
        return out

    case = params(_CASE, False)
    transition = params(_TRANSITION, False)
    timers = params(_TIMER, True)
    events = params(_EVENT, True)
    names = lambda cols: ", ".join(c for c, _ in cols)  # noqa: E731
    return f"""
WITH serial AS (
    INSERT INTO case_counters (prefix, year, last) VALUES ($1::text, $2::int, 1)
    ON CONFLICT (prefix, year) DO UPDATE SET last = case_counters.last + 1 RETURNING last
), numbered AS (
    SELECT $1::text || '-' || $2::int || '-' || lpad(last::text, greatest({SERIAL_DIGITS}, length(last::text)), '0') AS case_number
      FROM serial
), app AS (
    INSERT INTO applications (case_number, {names(_CASE)})
    SELECT numbered.case_number, {", ".join(case)} FROM numbered
    RETURNING id, case_number
), timeline AS (
    INSERT INTO transitions (application_id, {names(_TRANSITION)})
    SELECT app.id, {", ".join(transition)} FROM app
    RETURNING 1
), clocks AS (
    INSERT INTO timers (application_id, {names(_TIMER)})
    SELECT app.id, t.* FROM app, unnest({", ".join(timers)}) AS t({names(_TIMER)})
    RETURNING 1
), attached AS (
    UPDATE materials SET application_id = app.id FROM app
     WHERE materials.id = ANY($4::uuid[]) AND materials.application_id IS NULL
    RETURNING 1
), published AS (
    INSERT INTO outbox ({names(_EVENT)})
    SELECT e.id, e.subject, e.type, replace(e.payload, $3::text, app.case_number), e.traceparent
      FROM app, unnest({", ".join(events)}) AS e({names(_EVENT)})
    RETURNING 1
)
SELECT case_number FROM app
"""


SUBMIT_SQL = _build()


def submit_args(app: Application, *, prefix: str, year: int, placeholder: str, timers: list[TimerPlan],
                material_ids: list[uuid.UUID], events: list[CloudEvent], request_id: str | None,
                request_hash: str | None) -> list[Any]:
    """The statement's arguments, in the order of its parameters."""
    if len(app.new_transitions) != 1:
        raise ValueError("a new case has exactly one transition, its submission")
    t = app.new_transitions[0]
    c = app.clocks
    return [
        prefix, year, placeholder, list(material_ids),
        app.id, app.tenant_id, app.service_id, app.service_version, app.service_name, app.department, app.applicant_id,
        app.applicant_tenant_id, app.status, app.terminal, app.form, app.version, app.definition.tenant_id, app.definition.id,
        app.definition.version, app.seq, app.assignee_id, app.eligible_keys, app.submitted_at, app.updated_at, app.completed_at,
        c.state_entered_at, c.state_seq, c.state_budget_s, c.state_due_at, c.case_budget_s, c.case_used_s, c.case_segment_start,
        c.case_due_at, c.paused_at, request_id, request_hash,
        t.seq, t.action, t.from_state, t.to_state, t.actor.to_dict() | {"display_name": t.actor.display_name}, t.comment, t.at,
        list(t.material_ids), t.request_id, t.form_sha256,
        [p.scope for p in timers], [p.kind for p in timers], [p.instance for p in timers], [p.state for p in timers],
        [p.fire_at for p in timers], [p.due_at for p in timers],
        [e.id for e in events], [e.platform_subject() for e in events], [e.type for e in events], [e.to_json() for e in events],
        [e.traceparent for e in events],
    ]

