"""Insight's pure rules: the figures from counters, the ranking score, what counts as a zombie."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.insight.domain import facts
from services.insight.domain import zombies as z
from services.insight.domain.quality import NO_DATA, percentile, quality, score
from services.insight.domain.zombies import DEFAULTS, Thresholds, idle, threshold_for

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_rates_come_from_the_counters_and_a_rate_without_a_denominator_is_no_data() -> None:
    q = quality({"started": 10, "submitted": 8, "completed": 5, "rejected": 1, "on_time": 4, "supplemented": 2, "ratings": 4,
                 "rating_sum": 14, "negative": 1, "completed_app": 4}, [1.0, 3.0, 2.0, 10.0], 2, 1)
    assert (q.abandonment_rate, q.on_time_rate, q.supplement_rate) == (0.2, 4 / 6, 0.25)
    assert (q.rating_average, q.negative_share, q.online_share) == (3.5, 0.25, 0.8)
    assert (q.median_working_days, q.rectifications_open, q.rectifications_overdue) == (2.5, 2, 1)
    empty = quality({}, [])
    assert (empty.on_time_rate, empty.rating_average, empty.median_working_days, empty.abandonment_rate) == (NO_DATA,) * 4


def test_percentiles_interpolate_between_ranks_as_postgresql_does() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == pytest.approx(9.1)
    assert percentile([4.0], 0.9) == 4.0 and percentile([], 0.5) == NO_DATA


def test_the_ranking_score_weighs_on_time_and_satisfaction_equally_and_online_share_half() -> None:
    perfect = quality({"completed": 10, "on_time": 10, "ratings": 1, "rating_sum": 5, "completed_app": 10}, [])
    assert score(perfect) == 100.0
    assert score(quality({"completed": 10, "on_time": 5, "ratings": 2, "rating_sum": 6, "completed_app": 0}, [])) == 40.0
    assert score(quality({}, [])) == 0.0


def test_an_item_idle_for_91_days_is_a_zombie_and_one_idle_for_89_days_is_not() -> None:
    item = uuid.uuid4().hex
    dead = idle("item_unused", "hangzhou", item, {}, NOW - timedelta(days=91), NOW, DEFAULTS)
    assert dead is not None and (dead.idle_days, dead.threshold_days, dead.action) == (91, 90, "retire_item")
    assert idle("item_unused", "hangzhou", item, {}, NOW - timedelta(days=89), NOW, DEFAULTS) is None
    assert idle("item_unused", "hangzhou", item, {}, NOW - timedelta(days=90), NOW, DEFAULTS) is None


def test_a_tenant_uses_its_own_thresholds_else_its_nearest_ancestors_else_the_defaults() -> None:
    own = {"hangzhou": Thresholds(30, 365, 30, 90, "hangzhou"), "zhejiang": Thresholds(60, 365, 30, 90, "zhejiang")}
    assert threshold_for(["xihu", "hangzhou", "zhejiang"], own).item_unused_days == 30
    assert threshold_for(["ningbo", "zhejiang"], own).item_unused_days == 60
    assert threshold_for(["elsewhere"], own) == DEFAULTS


def test_a_malformed_event_is_refused_naming_its_field() -> None:
    with pytest.raises(facts.BadEvent, match="application_id"):
        facts.case_fact("submitted", {"service_id": str(uuid.uuid4())})
    with pytest.raises(facts.BadEvent, match="score"):
        facts.rating_fact({"application_id": str(uuid.uuid4()), "service_id": str(uuid.uuid4()), "score": 9})
    with pytest.raises(facts.BadEvent, match="kind"):
        facts.usage_fact({"item_id": str(uuid.uuid4()), "kind": "liked"})
    case = facts.case_fact("submitted", {"application_id": str(uuid.uuid4()), "service_id": str(uuid.uuid4()),
                                          "actor": {"kind": "system"}, "case_due_at": "2026-12-01T00:00:00+08:00"})
    assert case.channel == "system" and case.case_due_at == datetime(2026, 11, 30, 16, tzinfo=UTC)


def test_only_accounts_with_a_staff_role_are_watched_for_idleness() -> None:
    assert facts.is_staff(["hangzhou:clerk", "hangzhou:citizen"]) and not facts.is_staff(["hangzhou:citizen"])


def test_a_role_reaches_a_case_in_its_own_tenant_or_from_the_province_above_it() -> None:
    from services.insight.domain.zombies import able_to_act, stranded

    chain, provinces = ["xihu", "hangzhou", "zhejiang"], frozenset({"zhejiang"})
    assert able_to_act(["xihu:approver"], chain, provinces, ["approver"])
    assert able_to_act(["zhejiang:approver"], chain, provinces, ["approver"])
    assert not able_to_act(["hangzhou:approver"], chain, provinces, ["approver"])  # a city's role stays in the city's own cases
    assert not able_to_act(["yuhang:approver", "xihu:clerk"], chain, provinces, ["approver"])
    assert stranded(["approver"], chain, provinces, [["xihu:clerk"]])
    assert not stranded(["owner"], chain, provinces, [])  # waiting on the applicant: nobody's staff work
    assert not stranded(["clerk", "approver"], chain, provinces, [["xihu:clerk"]])


def test_a_departments_staffing_counts_the_accounts_whose_roles_reach_it_and_the_open_cases_none_of_them_can_take() -> None:
    from services.insight.domain.zombies import staffing

    chain, provinces = ["xihu", "hangzhou", "zhejiang"], frozenset({"zhejiang"})
    staff = [["xihu:clerk"], ["zhejiang:approver"], ["yuhang:approver"], ["hangzhou:approver"], ["xihu:owner"], ["xihu:finance"]]
    # A clerk of the county and an approver of the province reach it; a sibling's or the city's approver does not.
    found = staffing([["clerk"], ["dispatcher"], ["owner"], ["approver"]], chain, provinces, staff)
    assert (found.open_cases, found.open_cases_unstaffed, found.staff_able_to_act) == (4, 1, 2)
    assert staffing([], chain, provinces, []) == staffing([], chain, provinces, [["yuhang:clerk"]])


def test_a_tenants_chain_runs_up_to_the_root_and_stops_at_a_tenant_nobody_knows() -> None:
    parents = {"zhejiang": None, "hangzhou": "zhejiang", "xihu": "hangzhou"}
    assert z.chain("xihu", parents) == ["xihu", "hangzhou", "zhejiang"]
    assert z.chain("atlantis", parents) == ["atlantis"]
