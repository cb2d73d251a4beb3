"""The case (application) aggregate: its state machine, timeline, assignment and clocks.

Every change goes through a method here, which checks the rules (in the order HTTP
wants them: a missing version is 428, a stale one 412, then 409 for the state and 403
for the role), appends to the timeline, bumps the optimistic-concurrency version and
records the events to publish. Who the caller is *on this case* (their roles, `owner`
for the applicant, every staff role for a system of the case's tenant) is worked out
by `access` and passed in, so this module needs no tenant tree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mgov_common.errors import Conflict, InvalidArgument, PermissionDenied, PreconditionRequired, StaleVersion
from services.workflow.domain import events
from services.workflow.domain.calendar import WorkingCalendar
from services.workflow.domain.definition import Action, Definition
from services.workflow.domain.roles import MANAGER_ROLES, OWNER, PAYMENT
from services.workflow.domain.sla import SlaClocks

MAX_COMMENT = 2000
SUBMIT = "submit"
# The timeline entry of a corrected form (补正), just before the action that resubmits it.
CORRECT_FORM = "correct_form"


@dataclass(frozen=True)
class Actor:
    kind: str  # user | system | platform
    id: str
    tenant_id: str
    display_name: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "tenant_id": self.tenant_id}


@dataclass(frozen=True)
class Transition:
    seq: int
    action: str
    from_state: str
    to_state: str
    actor: Actor
    comment: str
    at: datetime
    material_ids: tuple[uuid.UUID, ...] = ()
    request_id: str | None = None
    form_sha256: str | None = None  # the corrected form sent with this action, if any

    def repeats(self, *, actor: Actor, action: str, comment: str, material_ids: tuple[uuid.UUID, ...],
                form_sha256: str | None = None) -> bool:
        """Is a command with this transition's idempotency key the same command again (same
        actor, action, comment, materials and corrected form)? Anything else reusing the key is refused."""
        return ((self.actor.kind, self.actor.id) == (actor.kind, actor.id) and self.action == action
                and self.comment == (comment or "").strip() and sorted(self.material_ids) == sorted(material_ids)
                and self.form_sha256 == form_sha256)


@dataclass
class Application:
    id: uuid.UUID
    case_number: str
    tenant_id: str
    service_id: uuid.UUID
    service_version: int
    service_name: dict[str, str]
    department: str
    applicant_id: str
    applicant_tenant_id: str
    status: str
    form: dict[str, Any]
    definition: Definition
    submitted_at: datetime
    updated_at: datetime
    clocks: SlaClocks
    version: int = 1
    terminal: bool = False
    assignee_id: str | None = None
    completed_at: datetime | None = None
    seq: int = 0  # the last timeline seq
    new_transitions: list[Transition] = field(default_factory=list)
    events: list[events.DomainEvent] = field(default_factory=list)
    # True once any change happened that the repository must write.
    dirty: bool = False

    # ------------------------------------------------------------------ creation
    @classmethod
    def submit(
        cls, *, id: uuid.UUID, case_number: str, tenant_id: str, item: "ItemVersion", applicant: Actor, form: dict[str, Any],
        definition: Definition, cal: WorkingCalendar, now: datetime, material_ids: tuple[uuid.UUID, ...] = (),
        request_id: str | None = None,
    ) -> "Application":
        start = definition.start_state
        app = cls(
            id=id, case_number=case_number, tenant_id=tenant_id, service_id=item.service_id, service_version=item.version,
            service_name=dict(item.name), department=item.department, applicant_id=applicant.id,
            applicant_tenant_id=applicant.tenant_id, status=start, form=form, definition=definition,
            submitted_at=now, updated_at=now, clocks=SlaClocks(state_entered_at=now),
        )
        app.clocks.start_case(cal, now, item.time_limit_days)
        app._append(SUBMIT, "", start, applicant, "", now, material_ids, request_id)
        app.clocks.enter_state(cal, now, app.seq, definition.state(start).sla_days)
        app.events.append(events.application_event(app, "submitted", SUBMIT, "", applicant, ""))
        return app

    # ------------------------------------------------------------------ queries
    @property
    def eligible_roles(self) -> list[str]:
        """Staff roles that may act in the current state (the inbox's match)."""
        if self.terminal:
            return []
        return sorted(self.definition.roles_in(self.status) - {OWNER, PAYMENT})

    @property
    def eligible_keys(self) -> list[str]:
        return [f"{self.tenant_id}:{r}" for r in self.eligible_roles]

    def available_actions(self, roles: set[str]) -> list[str]:
        if self.terminal:
            return []
        return [a.name for a in self.definition.actions_from(self.status) if roles & set(a.roles)]

    def may_claim(self, roles: set[str]) -> bool:
        return not self.terminal and bool(roles & set(self.eligible_roles))

    # ------------------------------------------------------------------ commands
    def perform(
        self, action_name: str, *, actor: Actor, roles: set[str], comment: str, expected_version: int, now: datetime,
        cal: WorkingCalendar, material_ids: tuple[uuid.UUID, ...] = (), request_id: str | None = None,
        form: dict[str, Any] | None = None, form_sha256: str | None = None,
    ) -> None:
        """`form` is a corrected form (补正), already checked against the item's form_schema: only
        the owner may send it, with an action that leaves a clock-pausing (returned) state."""
        action = self._action(action_name, expected_version)
        if form is not None:
            self._check_correction(action.name, action.roles, action.to_state, roles)
        if not roles & set(action.roles):
            raise PermissionDenied(f"{action_name!r} needs one of the roles {', '.join(action.roles)} on this case", code="role_not_allowed")
        if self.assignee_id and self.assignee_id != actor.id and OWNER not in action.roles and actor.kind == "user" and not roles & MANAGER_ROLES:
            raise Conflict("the case is assigned to another staff member", code="assigned_to_other")
        comment = _clean_comment(comment)
        if action.comment_required and not comment:
            raise InvalidArgument(f"{action_name!r} needs a comment", code="comment_required", field="comment")
        if action.materials_required and not material_ids:
            raise InvalidArgument(f"{action_name!r} needs new materials (material_ids)", code="materials_required", field="material_ids")
        previous, target = self.status, self.definition.state(action.to_state)
        if form is not None:
            self.form = form
            self._append(CORRECT_FORM, previous, previous, actor, "", now, (), None)
        self._append(action.name, previous, target.name, actor, comment, now, material_ids, request_id, form_sha256)
        self.status, self.terminal = target.name, target.terminal
        if previous != target.name:
            self.assignee_id = None
        if target.terminal:
            self.clocks.stop(cal, now)
            self.completed_at = now
        else:
            if target.pauses_clock:
                self.clocks.pause(cal, now)
            else:
                self.clocks.resume(cal, now)
            self.clocks.enter_state(cal, now, self.seq, target.sla_days)
        self.events.append(events.application_event(self, "transitioned", action.name, previous, actor, comment))
        outcome = self.definition.outcome_of(target.name)
        if outcome:
            self.events.append(events.application_event(self, outcome, action.name, previous, actor, comment))

    def claim(self, *, actor: Actor, roles: set[str], now: datetime) -> None:
        if not self.may_claim(roles):
            if self.terminal:
                raise Conflict("the case is closed", code="case_closed")
            raise PermissionDenied("none of your roles may act on the case in its current state", code="role_not_allowed")
        if self.assignee_id == actor.id:
            return
        if self.assignee_id:
            raise Conflict("the case is already assigned to someone else", code="already_assigned")
        self._assign(actor.id, actor, "claim", now)

    def assign(self, *, actor: Actor, roles: set[str], assignee_id: str, assignee_roles: set[str], now: datetime) -> None:
        if not roles & MANAGER_ROLES or actor.kind != "user":
            raise PermissionDenied("assigning needs the supervisor or tenant_admin role", code="role_not_allowed")
        if self.terminal:
            raise Conflict("the case is closed", code="case_closed")
        if not assignee_roles & set(self.eligible_roles):
            raise Conflict("the assignee holds no role that may act on the case now", code="assignee_not_eligible", field="assignee_id")
        self._assign(assignee_id, actor, "assign", now)

    def rederive(self, cal: WorkingCalendar) -> None:
        self.clocks.rederive(cal)
        self.dirty = True

    def check_correction(self, action_name: str, roles: set[str], expected_version: int) -> None:
        """Refuse a corrected form early (before it is checked against the schema), in the order
        `perform` checks: the version, the state, then whether this caller and this action may
        carry a form; `perform` checks again."""
        action = self._action(action_name, expected_version)
        self._check_correction(action.name, action.roles, action.to_state, roles)

    # ------------------------------------------------------------------ internals
    def _action(self, action_name: str, expected_version: int) -> Action:
        """The action asked for, once the version (428, 412) and the state (409) allow it."""
        if expected_version <= 0:
            raise PreconditionRequired("send the version you saw (If-Match) to act on a case", code="precondition_required", field="expected_version")
        action = self.definition.action(action_name, self.status)
        if action is None:
            known = ", ".join(sorted({a.name for a in self.definition.actions}))
            raise InvalidArgument(f"unknown action {action_name!r}; this workflow has: {known}", code="unknown_action", field="action")
        self._check_version(expected_version)
        if self.status not in action.from_states:
            raise Conflict(f"{action_name!r} cannot be taken while the case is {self.status!r}", code="action_not_allowed", field="action")
        return action

    def _check_correction(self, action_name: str, action_roles: tuple[str, ...], to_state: str, roles: set[str]) -> None:
        """A form is corrected only by the applicant, on the way out of the state the case was
        sent back to for correction (the one whose clock pauses, e.g. "returned") into a state
        where the case goes on: a form sent with an action that ends the case would never be read."""
        if OWNER not in roles:
            raise PermissionDenied("only the applicant may correct the form", code="form_correction_not_allowed", field="form")
        if (OWNER not in action_roles or not self.definition.state(self.status).pauses_clock or to_state == self.status
                or self.definition.state(to_state).terminal):
            raise InvalidArgument(f"a corrected form goes only with the action that resubmits a returned case, not {action_name!r}",
                                  code="form_not_allowed", field="form")

    def _check_version(self, expected: int) -> None:
        if expected != self.version:
            raise StaleVersion(f"the case changed (version {self.version}, you sent {expected}); reload it", code="stale_version")

    def _assign(self, assignee_id: str, actor: Actor, action: str, now: datetime) -> None:
        self.assignee_id = assignee_id
        self._append(action, self.status, self.status, actor, "", now, (), None)
        self.events.append(events.application_event(self, "assigned", action, self.status, actor, ""))

    def _append(self, action: str, from_state: str, to_state: str, actor: Actor, comment: str, now: datetime,
                material_ids: tuple[uuid.UUID, ...], request_id: str | None, form_sha256: str | None = None) -> None:
        self.seq += 1
        self.new_transitions.append(Transition(self.seq, action, from_state, to_state, actor, comment, now, material_ids, request_id,
                                               form_sha256))
        if self.seq > 1:
            self.version += 1
        self.updated_at = now
        self.dirty = True


def _clean_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidArgument(f"a comment has at most {MAX_COMMENT} characters", code="too_long", field="comment")
    return comment


@dataclass(frozen=True)
class ItemVersion:
    """What a case needs of a published catalog item version."""

    service_id: uuid.UUID
    version: int
    tenant_id: str
    name: dict[str, str]
    department: str
    workflow_id: str
    form_schema: dict[str, Any]
    promised_limit_days: int
    statutory_limit_days: int
    required_identity_level: int = 1
    item_type: str = ""

    @property
    def time_limit_days(self) -> int:
        """The case's limit: the promised one (承诺时限), else the statutory one."""
        return self.promised_limit_days or self.statutory_limit_days
