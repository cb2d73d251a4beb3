"""A workflow definition is saved only if a case on it can always finish."""

from __future__ import annotations

import dataclasses

import pytest

from mgov_common.errors import InvalidArgument
from services.workflow.domain.definition import Action, Definition, State, check, validate
from services.workflow.service_layer.seed import demo_definitions


def standard() -> Definition:
    return next(d for d in demo_definitions("zhejiang") if d.id == "standard")


def codes(defn: Definition) -> dict[str, str]:
    return {v.field: v.code for v in check(defn)}


def test_the_demo_definitions_are_valid_and_follow_design_section_5() -> None:
    defn = standard()
    assert defn.start_state == "submitted"
    assert {(a.name, a.from_states, a.to_state, a.roles) for a in defn.actions} >= {
        ("accept", ("submitted",), "under_review", ("clerk",)),
        ("approve", ("under_review",), "completed", ("approver",)),
        ("reject", ("under_review",), "rejected", ("approver",)),
        ("return", ("submitted",), "returned", ("clerk",)),
        ("return", ("under_review",), "returned", ("approver",)),
        ("resubmit", ("returned",), "submitted", ("owner",)),
    }
    assert defn.state("returned").pauses_clock
    assert defn.outcome_of("completed") == "completed" and defn.outcome_of("rejected") == "rejected"
    assert [d.id for d in demo_definitions("zhejiang")] == ["standard", "feedback", "public_report", "penalty", "with-fee"]


def test_the_fee_definition_waits_for_payment_after_approval_and_only_a_payment_or_the_applicant_leaves_that_state() -> None:
    [fee] = [d for d in demo_definitions("zhejiang") if d.id == "with-fee"]
    state = fee.state("awaiting_payment")
    assert state.awaits_payment and state.pauses_clock and not state.terminal
    assert [(a.name, a.roles) for a in fee.actions_from("awaiting_payment")] == [("pay", ("payment",)), ("withdraw", ("owner",))]


def test_the_applicant_may_withdraw_a_fee_case_before_it_is_decided_for_good() -> None:
    """Returned, unpaid or paid and not yet issued: the applicant may withdraw, and the
    payment service then refunds a paid fee as the tenant chose."""
    [fee] = [d for d in demo_definitions("zhejiang") if d.id == "with-fee"]
    [withdraw] = [a for a in fee.actions if a.name == "withdraw"]
    assert withdraw.roles == ("owner",) and set(withdraw.from_states) == {"returned", "awaiting_payment", "issuing"}
    assert fee.state(withdraw.to_state).terminal and fee.outcome_of(withdraw.to_state) == "rejected"
    assert "payment" not in fee.staff_roles()


def test_a_state_awaiting_payment_needs_an_action_of_the_payment_role() -> None:
    [fee] = [d for d in demo_definitions("zhejiang") if d.id == "with-fee"]
    no_pay = dataclasses.replace(fee, actions=tuple(a for a in fee.actions if a.name != "pay"))
    assert codes(no_pay)["definition.states[2].awaits_payment"] == "payment_action_required"


def test_a_start_state_that_does_not_exist_is_named() -> None:
    assert codes(dataclasses.replace(standard(), start_state="draft")) == {"definition.start_state": "unknown_state"}


def test_a_missing_start_state_is_refused() -> None:
    assert codes(dataclasses.replace(standard(), start_state="")) == {"definition.start_state": "required"}


def test_an_unreachable_state_is_named() -> None:
    defn = standard()
    orphan = State("archived", {"zh": "归档"}, terminal=True)
    assert codes(dataclasses.replace(defn, states=defn.states + (orphan,))) == {"definition.states[5]": "unreachable_state"}


def test_a_state_from_which_no_terminal_state_can_be_reached_is_named() -> None:
    defn = standard()
    limbo = State("limbo", {"zh": "搁置"})
    park = Action("park", ("under_review",), "limbo", ("approver",))
    found = codes(dataclasses.replace(defn, states=defn.states + (limbo,), actions=defn.actions + (park,)))
    assert found == {"definition.states[5]": "no_way_out"}


def test_an_unknown_role_is_named_with_its_action() -> None:
    defn = standard()
    bad = dataclasses.replace(defn.actions[0], roles=("clerk", "janitor"))
    with pytest.raises(InvalidArgument) as info:
        validate(dataclasses.replace(defn, actions=(bad,) + defn.actions[1:]))
    assert info.value.code == "invalid_definition"
    assert [(v.field, v.code) for v in info.value.violations] == [("definition.actions[0].roles[1]", "unknown_role")]
    assert "janitor" in info.value.violations[0].description


def test_actions_to_unknown_states_and_out_of_terminal_states_are_refused() -> None:
    defn = standard()
    broken = (Action("archive", ("completed",), "nowhere", ("clerk",)),)
    found = codes(dataclasses.replace(defn, actions=defn.actions + broken))
    assert found == {"definition.actions[6].from_states[0]": "from_terminal", "definition.actions[6].to_state": "unknown_state"}


def test_a_definition_without_a_terminal_state_is_refused() -> None:
    one = Definition("loop", "zhejiang", 0, {"zh": "循环"}, "a", (State("a"), State("b")),
                     (Action("go", ("a",), "b", ("clerk",)), Action("back", ("b",), "a", ("clerk",))))
    assert codes(one)["definition.states"] == "no_terminal_state"


def test_duplicate_names_and_bad_outcomes_are_refused() -> None:
    defn = standard()
    twice = dataclasses.replace(defn, states=defn.states + (State("submitted"),),
                                actions=defn.actions + (defn.actions[0],))
    found = codes(twice)
    assert found["definition.states[5].name"] == "duplicate" and found["definition.actions[6].name"] == "duplicate"
    odd = dataclasses.replace(defn, states=(dataclasses.replace(defn.states[0], outcome="completed"),) + defn.states[1:])
    assert codes(odd) == {"definition.states[0].outcome": "invalid_outcome"}


def test_a_definition_round_trips_through_its_stored_form() -> None:
    defn = standard()
    again = Definition.from_dict(defn.to_dict(), tenant_id=defn.tenant_id, version=defn.version)
    assert again == defn
