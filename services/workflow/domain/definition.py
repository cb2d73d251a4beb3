"""Workflow definitions: states, actions, and the checks a definition must pass to be saved.

A definition is data (like DIGIT's BusinessService) and versioned: saving makes a new
immutable version, and a case keeps the version it started with, so editing a workflow
never changes the rules under a running case. The checks are what a case needs to be
able to finish: one start state, every state reachable from it, a terminal state
reachable from every state, and only roles the platform knows.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mgov_common.errors import FieldViolation, InvalidArgument
from services.workflow.domain.roles import ACTION_ROLES, OWNER, PAYMENT

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ID_RE = re.compile(r"^[a-z][a-z0-9_-]{1,40}$")
OUTCOMES = ("completed", "rejected")
MAX_SLA_DAYS = 365


@dataclass(frozen=True)
class State:
    name: str
    label: Mapping[str, str] = field(default_factory=dict)
    sla_days: int = 0
    terminal: bool = False
    pauses_clock: bool = False
    # For terminal states: which event the case emits on arriving (completed | rejected).
    outcome: str = ""
    # The case waits here until its fee is paid (the payment service takes the state's
    # action whose roles include `payment` on a verified payment).
    awaits_payment: bool = False


@dataclass(frozen=True)
class Action:
    name: str
    from_states: tuple[str, ...]
    to_state: str
    roles: tuple[str, ...]
    label: Mapping[str, str] = field(default_factory=dict)
    comment_required: bool = False
    materials_required: bool = False


@dataclass(frozen=True)
class Definition:
    id: str
    tenant_id: str
    version: int
    name: Mapping[str, str]
    start_state: str
    states: tuple[State, ...]
    actions: tuple[Action, ...]
    inherited_from: str = ""

    def state(self, name: str) -> State:
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def action(self, name: str, state: str | None = None) -> Action | None:
        """The action `name` that may be taken from `state` (an action name may appear once
        per state, with other roles from another state); any action of that name otherwise."""
        named = [a for a in self.actions if a.name == name]
        return next((a for a in named if state in a.from_states), named[0] if named else None)

    def actions_from(self, state: str) -> list[Action]:
        return [a for a in self.actions if state in a.from_states]

    def roles_in(self, state: str) -> set[str]:
        """Roles that may act in `state` (`owner` included)."""
        return {r for a in self.actions_from(state) for r in a.roles}

    def staff_roles(self) -> set[str]:
        return {r for a in self.actions for r in a.roles if r not in (OWNER, PAYMENT)}

    def outcome_of(self, state: str) -> str:
        s = self.state(state)
        return (s.outcome or "completed") if s.terminal else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": dict(self.name), "start_state": self.start_state,
            "inherited_from": self.inherited_from,
            "states": [{"name": s.name, "label": dict(s.label), "sla_days": s.sla_days, "terminal": s.terminal,
                        "pauses_clock": s.pauses_clock, "outcome": s.outcome, "awaits_payment": s.awaits_payment} for s in self.states],
            "actions": [{"name": a.name, "label": dict(a.label), "from_states": list(a.from_states), "to_state": a.to_state,
                         "roles": list(a.roles), "comment_required": a.comment_required,
                         "materials_required": a.materials_required} for a in self.actions],
        }

    @classmethod
    def from_dict(cls, body: Mapping[str, Any], *, tenant_id: str, version: int) -> "Definition":
        """A definition from stored (already validated) data."""
        return cls(
            id=body["id"], tenant_id=tenant_id, version=version, name=dict(body.get("name") or {}),
            start_state=body["start_state"], inherited_from=body.get("inherited_from") or "",
            states=tuple(State(s["name"], dict(s.get("label") or {}), int(s.get("sla_days") or 0), bool(s.get("terminal")),
                               bool(s.get("pauses_clock")), s.get("outcome") or "", bool(s.get("awaits_payment")))
                         for s in body["states"]),
            actions=tuple(Action(a["name"], tuple(a["from_states"]), a["to_state"], tuple(a["roles"]), dict(a.get("label") or {}),
                                 bool(a.get("comment_required")), bool(a.get("materials_required"))) for a in body["actions"]),
        )


def _reachable(start: str, edges: Mapping[str, set[str]]) -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in edges.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def check(defn: Definition, known_roles: frozenset[str] = ACTION_ROLES, prefix: str = "definition") -> list[FieldViolation]:
    """Every problem of `defn`, each naming its field; empty when it may be saved."""
    out: list[FieldViolation] = []

    def bad(path: str, code: str, msg: str) -> None:
        out.append(FieldViolation(f"{prefix}.{path}" if path else prefix, code, msg))

    if not ID_RE.fullmatch(defn.id):
        bad("id", "pattern", "an id is lower-case letters, digits, '-' and '_' (2 to 41 characters), starting with a letter")
    if not (defn.name.get("zh") or "").strip():
        bad("name.zh", "required", "a definition needs a Chinese name")
    names: dict[str, State] = {}
    for i, s in enumerate(defn.states):
        if not NAME_RE.fullmatch(s.name):
            bad(f"states[{i}].name", "pattern", f"state name {s.name!r}: lower-case letters, digits and '_'")
        elif s.name in names:
            bad(f"states[{i}].name", "duplicate", f"state {s.name!r} is defined twice")
        names[s.name] = s
        if not 0 <= s.sla_days <= MAX_SLA_DAYS:
            bad(f"states[{i}].sla_days", "out_of_range", f"an SLA is 0 to {MAX_SLA_DAYS} working days")
        if s.terminal and (s.pauses_clock or s.sla_days):
            bad(f"states[{i}]", "terminal_with_clock", f"terminal state {s.name!r} cannot have an SLA or pause the clock")
        if s.awaits_payment and (s.terminal or not any(s.name in a.from_states and PAYMENT in a.roles for a in defn.actions)):
            bad(f"states[{i}].awaits_payment", "payment_action_required",
                f"state {s.name!r} awaits payment: it must not be terminal and needs an action with the role 'payment'")
        if s.outcome and (not s.terminal or s.outcome not in OUTCOMES):
            bad(f"states[{i}].outcome", "invalid_outcome", f"only terminal states have an outcome, one of {', '.join(OUTCOMES)}")
    if not defn.states:
        bad("states", "required", "a definition needs states")
    if not defn.start_state:
        bad("start_state", "required", "a definition needs exactly one start state")
    elif defn.start_state not in names:
        bad("start_state", "unknown_state", f"start state {defn.start_state!r} is not one of the states")
    elif names[defn.start_state].terminal:
        bad("start_state", "terminal_start", "the start state cannot be terminal")
    if names and not any(s.terminal for s in names.values()):
        bad("states", "no_terminal_state", "a definition needs at least one terminal state")

    edges: dict[str, set[str]] = {}
    seen_pairs: set[tuple[str, str]] = set()
    for i, a in enumerate(defn.actions):
        if not NAME_RE.fullmatch(a.name):
            bad(f"actions[{i}].name", "pattern", f"action name {a.name!r}: lower-case letters, digits and '_'")
        for f in a.from_states:
            if (a.name, f) in seen_pairs:
                bad(f"actions[{i}].name", "duplicate", f"action {a.name!r} is defined twice from state {f!r}")
            seen_pairs.add((a.name, f))
        if not a.from_states:
            bad(f"actions[{i}].from_states", "required", f"action {a.name!r} needs at least one state it may be taken from")
        for j, f in enumerate(a.from_states):
            if f not in names:
                bad(f"actions[{i}].from_states[{j}]", "unknown_state", f"action {a.name!r} starts from unknown state {f!r}")
            elif names[f].terminal:
                bad(f"actions[{i}].from_states[{j}]", "from_terminal", f"action {a.name!r} cannot leave terminal state {f!r}")
        if a.to_state not in names:
            bad(f"actions[{i}].to_state", "unknown_state", f"action {a.name!r} leads to unknown state {a.to_state!r}")
        if not a.roles:
            bad(f"actions[{i}].roles", "required", f"action {a.name!r} needs at least one role allowed to take it")
        for j, r in enumerate(a.roles):
            if r not in known_roles:
                bad(f"actions[{i}].roles[{j}]", "unknown_role", f"unknown role {r!r} in action {a.name!r}; roles are {', '.join(sorted(known_roles))}")
        for f in a.from_states:
            edges.setdefault(f, set()).add(a.to_state)

    if out or defn.start_state not in names:
        return out  # reachability is meaningless on a malformed graph
    reached = _reachable(defn.start_state, edges)
    for i, s in enumerate(defn.states):
        if s.name not in reached:
            bad(f"states[{i}]", "unreachable_state", f"state {s.name!r} cannot be reached from the start state {defn.start_state!r}")
    terminals = {n for n, s in names.items() if s.terminal}
    for i, s in enumerate(defn.states):
        if not s.terminal and not (_reachable(s.name, edges) & terminals):
            bad(f"states[{i}]", "no_way_out", f"no terminal state can be reached from state {s.name!r}")
    return out


def validate(defn: Definition, known_roles: frozenset[str] = ACTION_ROLES) -> Definition:
    violations = check(defn, known_roles)
    if violations:
        raise InvalidArgument(f"invalid workflow definition: {violations[0].description}", code="invalid_definition", violations=violations)
    return defn
