"""Working days, due times and SLA clocks (China Standard Time, the 2026 holidays as data)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.workflow.domain.calendar import CST, WorkingCalendar
from services.workflow.domain.sla import BREACHED, CASE, STATE, WARNING, SlaClocks
from services.workflow.service_layer.seed import demo_calendar


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
def cal() -> WorkingCalendar:
    days = demo_calendar()
    return WorkingCalendar({d: w for year in days.values() for d, w, _ in year})


def test_weekends_are_skipped() -> None:
    plain = WorkingCalendar()
    # Thursday 2026-03-12, 10:00: 3 working days -> Fri, Mon, Tue; due at the end of Tuesday.
    assert plain.due_after(cst(2026, 3, 12, 10), 3) == cst(2026, 3, 18, 0)


def test_the_spring_festival_and_its_adjusted_working_saturday_count_as_data_says(cal: WorkingCalendar) -> None:
    assert not cal.is_working(date(2026, 2, 16))  # 春节, a Monday
    assert cal.is_working(date(2026, 2, 14))  # 调休: a working Saturday
    # Friday 2026-02-13: next working days are Sat 14 (调休), then Tue 24 (the holiday runs to Mon 23).
    assert cal.due_after(cst(2026, 2, 13, 9), 1) == cst(2026, 2, 15, 0)
    assert cal.due_after(cst(2026, 2, 13, 9), 2) == cst(2026, 2, 25, 0)


def test_national_day_week_is_not_working_and_2027_holidays_are_loaded(cal: WorkingCalendar) -> None:
    assert [cal.is_working(date(2026, 10, d)) for d in range(1, 11)] == [False] * 7 + [True, True, True]  # the 10th: a working Saturday
    assert not cal.is_working(date(2027, 2, 8)) and not cal.is_working(date(2027, 10, 4))


def test_working_seconds_and_advance_are_inverse() -> None:
    plain = WorkingCalendar()
    start = cst(2026, 3, 13, 18)  # a Friday evening
    assert plain.working_seconds(start, cst(2026, 3, 16, 6)) == 12 * 3600  # 6 h Friday + 6 h Monday; the weekend is free
    assert plain.advance(start, 12 * 3600) == cst(2026, 3, 16, 6)
    assert plain.advance(cst(2026, 3, 14, 12), 1) == cst(2026, 3, 16, 0) + timedelta(seconds=1)


def test_timers_warn_at_80_percent_and_breach_at_the_due_time() -> None:
    plain = WorkingCalendar()
    clocks = SlaClocks(state_entered_at=cst(2026, 3, 9, 0))
    clocks.start_case(plain, cst(2026, 3, 9, 0), 5)  # a Monday at 00:00: due end of Monday next week
    clocks.enter_state(plain, cst(2026, 3, 9, 0), 1, 1)
    plans = {(p.scope, p.kind): p for p in clocks.timers(plain, "submitted", terminal=False)}
    assert clocks.case_due_at == cst(2026, 3, 17, 0)
    assert plans[(CASE, BREACHED)].fire_at == cst(2026, 3, 17, 0)
    # budget = 6 working days (rest of Monday + 5): 80 % = 4.8 days -> Saturday skipped: Monday 9th + 4.8 days = Fri 13th 19:12.
    assert plans[(CASE, WARNING)].fire_at == cst(2026, 3, 13, 19, 12)
    assert plans[(STATE, BREACHED)].fire_at == cst(2026, 3, 11, 0)
    assert clocks.timers(plain, "completed", terminal=True) == []


def test_a_paused_clock_resumes_with_what_was_left() -> None:
    plain = WorkingCalendar()
    clocks = SlaClocks(state_entered_at=cst(2026, 3, 9, 12))
    clocks.start_case(plain, cst(2026, 3, 9, 12), 2)  # due end of Wed 11th: 12 h + 2 days = 60 h of budget
    clocks.pause(plain, cst(2026, 3, 10, 0))  # 12 h used
    assert clocks.case_due_at is None and clocks.timers(plain, "returned", False) == []
    clocks.resume(plain, cst(2026, 3, 20, 0))  # a Friday, ten days later: 48 h left
    assert clocks.case_due_at == cst(2026, 3, 24, 0)  # Friday + Monday (the weekend does not count)
    assert clocks.remaining_case_s(plain, cst(2026, 3, 20, 0)) == 48 * 3600


def test_a_changed_calendar_moves_the_due_time() -> None:
    clocks = SlaClocks(state_entered_at=cst(2026, 3, 9, 0))
    clocks.start_case(WorkingCalendar(), cst(2026, 3, 9, 0), 3)
    assert clocks.case_due_at == cst(2026, 3, 13, 0)
    clocks.rederive(WorkingCalendar({date(2026, 3, 11): False}))  # a new holiday inside the window
    assert clocks.case_due_at == cst(2026, 3, 14, 0)
