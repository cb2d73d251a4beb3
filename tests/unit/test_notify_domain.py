"""The notify service's pure rules: templates in their sandbox, the delivery state
machine and its backoff, quiet hours, preferences, the rate limit, who is told what,
and which push tokens are accepted."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from mgov_common.errors import FailedPrecondition, InvalidArgument
from services.notify.domain import rules
from services.notify.domain.categories import CASE_OUTCOME, CASE_PROGRESS, IN_APP, PUSH, SMS
from services.notify.domain.delivery import (IllegalTransition, Outcome, RetryPolicy, SendResult, Status, check_transition,
                                             classify_http, decide)
from services.notify.domain.devices import EndpointPolicy, check_device
from services.notify.domain.preferences import Preferences, QuietHours, build
from services.notify.domain.rate_limit import Bucket
from services.notify.domain.templates import RenderError, Template, check_template, choose, localize, placeholders, render

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def tpl(tenant: str, channel: str = IN_APP, locale: str = "zh-CN", version: int = 1, body: str = "b") -> Template:
    return Template(uuid.uuid4(), tenant, "application.completed", channel, locale, version, CASE_OUTCOME, "t", body, False, NOW)


# --- templates ---------------------------------------------------------------

def test_placeholders_are_filled_and_nothing_else_is_evaluated() -> None:
    assert render("您的申请 {{ case_number }}（{{service_name}}）", {"case_number": "HZ-1", "service_name": "市民卡"}) == "您的申请 HZ-1（市民卡）"
    # No expressions, attributes or calls: they are not placeholders, and saving refuses them.
    assert placeholders("{{ case_number }}") == ["case_number"]
    for bad in ("{{ case_number.__class__ }}", "{{ 7*7 }}", "{{ cycler() }}", "{% for x in y %}{{ x }}{% endfor %}{{"):
        with pytest.raises(ValueError):
            placeholders(bad)


def test_a_missing_value_is_a_render_error_naming_it_and_an_empty_comment_is_a_value() -> None:
    with pytest.raises(RenderError, match="due_at"):
        render("due {{ due_at }} for {{ case_number }}", {"case_number": "HZ-1", "due_at": None})
    assert render("原因：{{ comment }}", {"comment": ""}) == "原因："


def test_saving_checks_key_channel_locale_syntax_and_unknown_placeholders() -> None:
    ok = check_template(key="application.completed", channel=SMS, locale="zh-CN", title="", body="{{ case_number }}已办结")
    assert ok == []
    bad = check_template(key="application.completed", channel=SMS, locale="fr", title="x", body="{{ password }} {{ x")
    codes = {(v.field, v.code) for v in bad}
    assert ("template.locale", "unknown_locale") in codes and ("template.title", "not_allowed") in codes
    assert ("template.body", "syntax") in codes
    assert ("template.body", "unknown_placeholder") in {(v.field, v.code) for v in check_template(
        key="application.completed", channel=IN_APP, locale="en", title="t", body="{{ national_id }}")}
    assert {v.code for v in check_template(key="nope", channel="fax", locale="en", title="t", body="")} >= {"unknown_key", "unknown_channel", "required"}


def test_the_readers_locale_then_the_nearest_tenant_then_the_latest_version_and_push_falls_back_to_in_app() -> None:
    chain = ["xihu", "hangzhou", "zhejiang"]
    province, city_v1, city_v2 = tpl("zhejiang"), tpl("hangzhou"), tpl("hangzhou", version=2)
    assert choose([province, city_v1, city_v2], chain, IN_APP, "zh-CN") is city_v2
    assert choose([province], chain, IN_APP, "en") is province  # no English: the default locale
    english = tpl("zhejiang", locale="en")
    assert choose([province, english, city_v1], chain, IN_APP, "en") is english  # the reader's locale first, then the nearest tenant
    assert choose([province], chain, PUSH, "zh-CN") is province  # push uses the in-app text when it has none of its own
    assert choose([province], chain, SMS, "zh-CN") is None  # no SMS template: the tenant sends no SMS for this key


def test_values_are_localized_for_the_recipient() -> None:
    out = localize({"service_name": {"zh": "市民卡", "en": "Citizen card"}, "due_at": "2026-03-02T08:00:00Z", "score": 2, "x": None},
                   "en", SHANGHAI)
    assert out == {"service_name": "Citizen card", "due_at": "2026-03-02 16:00", "score": "2", "x": None}
    assert localize({"service_name": {"zh": "市民卡", "en": ""}}, "en", SHANGHAI)["service_name"] == "市民卡"


# --- delivery state machine and backoff -----------------------------------------

def test_http_answers_are_classified_once() -> None:
    assert [classify_http(s) for s in (200, 202, 400, 401, 404, 408, 429, 500, 503, 302)] == [
        Outcome.OK, Outcome.OK, Outcome.PERMANENT, Outcome.PERMANENT, Outcome.PERMANENT, Outcome.TEMPORARY, Outcome.TEMPORARY,
        Outcome.TEMPORARY, Outcome.TEMPORARY, Outcome.TECHNICAL]


def test_backoff_doubles_up_to_the_cap_and_retries_are_bounded() -> None:
    policy = RetryPolicy(timedelta(seconds=30), timedelta(minutes=5), max_attempts=4)
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 4, 5, 9)] == [30, 60, 120, 240, 300, 300]
    temporary = SendResult(Outcome.TEMPORARY, "503")
    first = decide(temporary, 1, NOW, policy)
    assert (first.status, first.next_attempt_at) == (Status.TEMPORARY_FAILURE, NOW + timedelta(seconds=30))
    last = decide(temporary, 4, NOW, policy)
    assert last.status is Status.TECHNICAL_FAILURE and last.next_attempt_at is None and "gave up after 4 attempts" in last.error
    assert decide(SendResult(Outcome.PERMANENT, "400"), 1, NOW, policy).status is Status.PERMANENT_FAILURE
    assert decide(SendResult(Outcome.OK), 3, NOW, policy).status is Status.DELIVERED


def test_only_the_documented_transitions_are_allowed() -> None:
    check_transition(Status.CREATED, Status.SENDING)
    check_transition(Status.SENDING, Status.TEMPORARY_FAILURE)
    check_transition(Status.TEMPORARY_FAILURE, Status.SENDING)
    check_transition(Status.CREATED, Status.VALIDATION_FAILED)
    for current, target in ((Status.DELIVERED, Status.SENDING), (Status.CREATED, Status.DELIVERED),
                            (Status.PERMANENT_FAILURE, Status.SENDING), (Status.TEMPORARY_FAILURE, Status.DELIVERED)):
        with pytest.raises(IllegalTransition):
            check_transition(current, target)


# --- quiet hours and preferences ----------------------------------------------------

def test_quiet_hours_wrap_midnight_in_the_users_zone() -> None:
    quiet = QuietHours(time(22, 0), time(7, 0))
    late = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert quiet.until(late, SHANGHAI) == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 07:00 next morning, Shanghai
    early = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)  # 05:00 in Shanghai
    assert quiet.until(early, SHANGHAI) == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert quiet.until(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), SHANGHAI) is None  # 10:00
    assert QuietHours(time(12, 0), time(14, 0)).until(datetime(2026, 3, 2, 5, 0, tzinfo=UTC), SHANGHAI) == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert QuietHours(time(8, 0), time(8, 0)).until(late, SHANGHAI) is None


def test_quiet_hours_spare_urgent_templates() -> None:
    prefs = Preferences("u", quiet=QuietHours(time(22, 0), time(7, 0)))
    late = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    assert prefs.quiet_until(late, urgent=False) is not None
    assert prefs.quiet_until(late, urgent=True) is None


def test_defaults_overrides_and_the_locked_in_app_case_outcome() -> None:
    prefs = build("u", channels=[(CASE_PROGRESS, PUSH, False), (CASE_OUTCOME, SMS, True)], quiet_enabled=True, quiet_start="22:00",
                  quiet_end="07:00", locale="en", time_zone="Europe/Berlin", notice_tenants=["hangzhou", "hangzhou"])
    assert not prefs.allows(CASE_PROGRESS, PUSH) and prefs.allows(CASE_PROGRESS, IN_APP) and not prefs.allows(CASE_PROGRESS, SMS)
    assert prefs.overrides == {(CASE_PROGRESS, PUSH): False}  # only what differs from the default is kept
    assert prefs.notice_tenants == ("hangzhou",) and prefs.locale == "en"
    with pytest.raises(FailedPrecondition) as locked:
        build("u", channels=[(CASE_OUTCOME, IN_APP, False)], quiet_enabled=False, quiet_start="", quiet_end="", locale="",
              time_zone="", notice_tenants=[])
    assert locked.value.code == "locked_preference"
    with pytest.raises(InvalidArgument) as bad:
        build("u", channels=[("gossip", IN_APP, True), (CASE_OUTCOME, "fax", True)], quiet_enabled=True, quiet_start="25:00",
              quiet_end="7", locale="fr", time_zone="Mars/Olympus", notice_tenants=["Hang Zhou"])
    assert {v.field for v in bad.value.violations} == {"channels[0].category", "channels[1].channel", "quiet_hours.start",
                                                       "quiet_hours.end", "locale", "time_zone", "notice_tenant_ids[0]"}


# --- the rate limit -------------------------------------------------------------------

def test_the_token_bucket_grants_the_burst_then_the_rate() -> None:
    bucket = Bucket(rate=2.0, burst=3.0)
    granted, left, wait = bucket.take(3.0, 0.0, 5)
    assert (granted, left, wait) == (3, 0.0, 0.5)
    granted, left, _ = bucket.take(left, 1.0, 5)  # one second later: two tokens
    assert granted == 2
    assert bucket.take(0.0, 100.0, 10)[0] == 3  # refills only up to the burst


# --- who is told what ----------------------------------------------------------------------

CASE = {"application_id": str(uuid.uuid4()), "case_number": "HZ-2026-000001", "tenant_id": "hangzhou", "service_id": "s",
        "service_name": {"zh": "市民卡", "en": "Citizen card"}, "applicant_id": "citizen", "status": "submitted", "previous_status": "",
        "action": "submit", "actor": {"kind": "user", "id": "citizen", "tenant_id": "hangzhou"}, "comment": "",
        "assignee_id": None, "eligible_roles": ["clerk"], "due_at": "2026-03-05T08:00:00Z", "terminal": False}


def keys(plans: list[rules.Plan]) -> list[tuple[str, rules.Audience]]:
    return [(p.key, p.audience) for p in plans]


def test_a_submission_tells_the_applicant_and_the_staff_who_may_act() -> None:
    assert keys(rules.plans_for("workflow.application.submitted", CASE)) == [
        ("application.submitted", rules.Audience(users=("citizen",))),
        ("task.new", rules.Audience(staff_roles=("clerk",), exclude=("citizen",)))]


def test_transitions_tell_the_applicant_once_and_never_the_actor() -> None:
    accept = {**CASE, "action": "accept", "status": "under_review", "previous_status": "submitted", "eligible_roles": ["approver"],
              "actor": {"kind": "user", "id": "clerk-1"}}
    assert keys(rules.plans_for("workflow.application.transitioned", accept)) == [
        ("application.progressed", rules.Audience(users=("citizen",))),
        ("task.new", rules.Audience(staff_roles=("approver",), exclude=("clerk-1",)))]
    sent_back = {**accept, "action": "return", "status": "returned", "eligible_roles": []}
    assert keys(rules.plans_for("workflow.application.transitioned", sent_back)) == [("application.returned", rules.Audience(users=("citizen",)))]
    approved = {**accept, "action": "approve", "status": "completed", "terminal": True, "eligible_roles": []}
    assert rules.plans_for("workflow.application.transitioned", approved) == []  # the outcome event tells
    assert keys(rules.plans_for("workflow.application.completed", approved)) == [("application.completed", rules.Audience(users=("citizen",)))]
    resubmit = {**CASE, "action": "resubmit", "status": "submitted", "actor": {"kind": "user", "id": "citizen"}}
    assert [k for k, _ in keys(rules.plans_for("workflow.application.transitioned", resubmit))] == ["task.new"]


def test_an_applicant_who_withdrew_is_not_told_the_case_was_refused_but_a_refused_applicant_is() -> None:
    withdrawn = {**CASE, "action": "withdraw", "status": "withdrawn", "terminal": True, "eligible_roles": [],
                 "actor": {"kind": "user", "id": "citizen"}}
    assert rules.plans_for("workflow.application.rejected", withdrawn) == []
    refused = {**withdrawn, "action": "reject", "status": "rejected", "actor": {"kind": "user", "id": "approver-1"}}
    assert keys(rules.plans_for("workflow.application.rejected", refused)) == [("application.rejected", rules.Audience(users=("citizen",)))]


def test_sla_events_go_to_the_assignee_or_eligible_staff_and_a_breach_escalates() -> None:
    sla = {"application_id": CASE["application_id"], "case_number": "HZ-1", "tenant_id": "hangzhou", "state": "submitted",
           "due_at": "2026-03-05T08:00:00Z", "scope": "state", "assignee_id": None, "eligible_roles": ["clerk"],
           "escalate_to_roles": ["supervisor"]}
    assert keys(rules.plans_for("workflow.sla.warning", sla)) == [("sla.warning", rules.Audience(staff_roles=("clerk",)))]
    assert keys(rules.plans_for("workflow.sla.breached", {**sla, "assignee_id": "clerk-1"})) == [
        ("sla.breached", rules.Audience(users=("clerk-1",), staff_roles=("supervisor",)))]


def test_a_throttled_sign_in_tells_the_account_holder_only() -> None:
    event = {"user_id": "citizen", "failure_count": 5, "window_s": 86400, "max_delay_s": 300}
    [plan] = rules.plans_for("identity.user.sign_in_throttled", event)
    assert (plan.key, plan.audience) == ("account.sign_in_throttled", rules.Audience(users=("citizen",)))
    assert plan.values["max_delay_minutes"] == 5 and plan.values["failure_count"] == 5
    with pytest.raises(rules.BadEvent):
        rules.plans_for("identity.user.sign_in_throttled", {"failure_count": 5})


def test_notices_go_to_subscribers_and_bad_events_are_refused() -> None:
    [plan] = rules.plans_for("catalog.notice.published", {"id": "n1", "tenant_id": "hangzhou", "title": {"zh": "公告"}, "category": "policy"})
    assert plan.audience.notice_subscribers and plan.link == "/notices/n1"
    with pytest.raises(rules.BadEvent):
        rules.plans_for("workflow.application.submitted", {"applicant_id": "x"})
    assert rules.plans_for("workflow.rating.received", {"application_id": "a"}) == []


# --- devices ---------------------------------------------------------------------------------

SUB = {"endpoint": "https://updates.push.services.mozilla.com/wpush/v2/abc", "keys": {
    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}}


def test_device_tokens_are_checked_by_platform() -> None:
    policy = EndpointPolicy()
    assert check_device("android", "  fcm-token-0123456789  ", policy) == "fcm-token-0123456789"
    assert json.loads(check_device("web", json.dumps(SUB), policy))["endpoint"] == SUB["endpoint"]
    cases = [("blackberry", "token-0123456789", "unknown_platform"), ("ios", "   ", "required"), ("web", "not json", "invalid_token"),
             ("web", json.dumps({**SUB, "endpoint": "https://evil.example/steal"}), "endpoint_not_allowed"),
             ("web", json.dumps({**SUB, "endpoint": "http://127.0.0.1:9/x"}), "endpoint_not_allowed"),
             ("web", json.dumps({**SUB, "keys": {"p256dh": "AAAA", "auth": "AAAA"}}), "invalid_token"),
             ("harmony", "has space in it", "invalid_token"),
             ("web", "[" * 2000 + "]" * 2000, "invalid_token")]  # nested past the parser's recursion: refused, not a crash
    for platform, token, code in cases:
        with pytest.raises(InvalidArgument) as err:
            check_device(platform, token, policy)
        assert err.value.code == code, (platform, token)
    assert check_device("web", json.dumps({**SUB, "endpoint": "http://127.0.0.1:9/x"}), EndpointPolicy(allow_loopback_http=True))


def test_control_characters_never_reach_a_template() -> None:
    bad = check_template(key="application.completed", channel=IN_APP, locale="zh-CN", title="办结\x00", body="第一行\n第二行\t{{ case_number }}")
    assert [(v.field, v.code) for v in bad] == [("template.title", "invalid_characters")]
