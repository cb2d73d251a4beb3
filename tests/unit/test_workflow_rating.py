"""好差评 rules, rectification closing, uploads checked by content, forms, case numbers."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import pytest

from mgov_common.errors import AlreadyExists, Conflict, InvalidArgument, PermissionDenied, ResourceExhausted
from services.workflow.domain import rating
from services.workflow.domain.application import Actor
from services.workflow.domain.calendar import WorkingCalendar
from services.workflow.domain.case_number import default_prefix, format_case_number
from services.workflow.domain.forms import check_form
from mgov_common.materials import MAX_BYTES, check_upload
from tests import material_samples as samples
from tests.unit.test_workflow_state_machine import APPROVER, CLERK, act, new_case

NOW = datetime(2026, 3, 16, 2, tzinfo=UTC)


def closed_case():  # type: ignore[no-untyped-def]
    app = new_case()
    act(app, "accept", CLERK, {"clerk"})
    act(app, "approve", APPROVER, {"approver"})
    return app


def rate(app, score: int, *, roles: set[str] = {"owner"}, already: bool = False):  # type: ignore[no-untyped-def]
    return rating.rate(app, roles=roles, score=score, comment="办理太慢", now=NOW, already_rated=already, cal=WorkingCalendar(), rectification_days=5)


def test_a_good_rating_opens_nothing() -> None:
    result, rect, events = rate(closed_case(), 5)
    assert result.score == 5 and rect is None
    assert [(e.entity, e.verb) for e in events] == [("rating", "received")]
    assert events[0].data["department"] == "市场监管局" and events[0].data["label"] == "非常满意"


@pytest.mark.parametrize("score", [1, 2])
def test_a_rating_of_1_or_2_opens_a_rectification_due_in_5_working_days(score: int) -> None:
    result, rect, events = rate(closed_case(), score)
    assert rect is not None and result.rectification_id == rect.id
    assert rect.due_at == datetime(2026, 3, 23, 16, tzinfo=UTC)  # Monday + 5 working days, 24:00 CST
    assert set(rect.eligible_roles) == {"clerk", "approver", "supervisor"}
    assert [e.verb for e in events] == ["received", "opened"]
    assert events[1].data["eligible_roles"] == rect.eligible_roles and events[1].data["tenant_id"] == "hangzhou"


def test_only_the_owner_rates_only_closed_cases_once_and_in_range() -> None:
    with pytest.raises(PermissionDenied):
        rate(closed_case(), 4, roles={"clerk"})
    with pytest.raises(Conflict):
        rate(new_case(), 4)
    with pytest.raises(AlreadyExists):
        rate(closed_case(), 4, already=True)
    with pytest.raises(InvalidArgument):
        rate(closed_case(), 6)


def test_a_rectification_closes_only_with_a_callback_and_an_outcome() -> None:
    _, rect, _ = rate(closed_case(), 1)
    assert rect is not None
    with pytest.raises(InvalidArgument) as info:
        rect.close(actor=CLERK, roles={"clerk"}, callback="已电话回访", outcome="", now=NOW)
    assert info.value.field == "outcome"
    with pytest.raises(PermissionDenied):
        rect.close(actor=Actor("user", "x", "hangzhou"), roles={"tenant_admin"}, callback="a", outcome="b", now=NOW)
    rect.close(actor=CLERK, roles={"clerk"}, callback="已电话回访", outcome="已优化受理流程", now=NOW)
    assert rect.status == "closed" and rect.events[-1].verb == "closed" and rect.events[-1].data["outcome"] == "已优化受理流程"
    with pytest.raises(Conflict):
        rect.close(actor=CLERK, roles={"clerk"}, callback="a", outcome="b", now=NOW)


def test_uploads_are_typed_by_content_not_by_name_and_limited_to_10_mb() -> None:
    pdf = samples.PDF
    assert check_upload(pdf, "a.pdf") == ("application/pdf", hashlib.sha256(pdf).hexdigest(), "a.pdf")
    assert check_upload(samples.PNG, "photo.jpg")[:3:2] == ("image/png", "photo.jpg.png")
    with pytest.raises(InvalidArgument) as info:
        check_upload(b"MZ\x90\x00 an exe", "id.pdf")
    assert info.value.code == "unsupported_media_type"
    with pytest.raises(ResourceExhausted) as big:
        check_upload(b"%PDF-" + b"0" * MAX_BYTES, "big.pdf")
    assert big.value.code == "payload_too_large"
    with pytest.raises(InvalidArgument):
        check_upload(pdf, "a.pdf", declared_sha256="00" * 32)


def test_form_errors_name_each_field() -> None:
    schema = {"type": "object", "required": ["name", "phone"], "properties": {"name": {"type": "string", "minLength": 2},
                                                                               "phone": {"type": "string", "pattern": "^1[0-9]{10}$"}}}
    found = {(v.field, v.code) for v in check_form(schema, {"name": "张"})}
    assert found == {("form.name", "minLength"), ("form.phone", "required")}
    assert check_form(schema, {"name": "张小明", "phone": "13900000100"}) == []


def test_case_numbers_use_the_city_prefix() -> None:
    assert default_prefix("330106", "hangzhou") == "HZ" and default_prefix("330203", "ningbo") == "NB"
    assert default_prefix("110000", "beijing") == "BE"
    assert format_case_number("HZ", 2026, 123) == "HZ-2026-000123"
    assert uuid.UUID(int=0)  # noqa: keep uuid import used for readability of ids in other tests
