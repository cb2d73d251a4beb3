"""Enforcement's deadlines count the tenant's working days: holidays and 调休 from the
workflow service's calendar (projected from its events, inherited down the tenant tree),
not Monday to Friday. Zhejiang's calendar here: Thursday 12-24 and Friday 12-25 are
holidays, Sunday 12-20 is a working day (调休), New Year's Day 2027 a holiday."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from mgov_common.working_days import day_start
from services.enforcement.service_layer import sweeps
from tests.integration.enforcement_support import Core, core, seed_calendar  # noqa: F401
from tests.integration.test_enforcement_outcomes import FAIL, PASS, _complete, _drawn

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def holidays(core: Core) -> Core:
    await seed_calendar(core.pool, "zhejiang", 2026, [(date(2026, 12, 20), True, "调休"), (date(2026, 12, 24), False, "假日"),
                                                      (date(2026, 12, 25), False, "假日")])
    await seed_calendar(core.pool, "zhejiang", 2027, [(date(2027, 1, 1), False, "元旦")])
    return core


async def test_the_results_notice_deadline_skips_the_holidays_and_counts_the_working_sunday(holidays: Core) -> None:
    drawn = await _drawn(holidays, count=1)
    await _complete(holidays, *drawn[0], PASS, "pass")
    due = await holidays.pool.fetchval("SELECT notice_due_time FROM plans")
    # 20 working days after Monday 11-30: Monday to Friday would end on 12-28; the working
    # Sunday adds one, the two holidays take two away.
    assert due == day_start(date(2026, 12, 30))  # 24:00 of 12-29


async def test_an_order_to_correct_due_on_a_holiday_ends_on_the_next_working_day_and_its_follow_up_skips_new_year(
        holidays: Core) -> None:
    (iid, a, b), = await _drawn(holidays)
    await _complete(holidays, iid, a, b, FAIL, "rectify", date(2026, 12, 24))
    stored = await holidays.pool.fetchval("SELECT rectify_due_date FROM inspections WHERE id = $1", uuid.UUID(iid))
    assert stored == date(2026, 12, 28)  # the holidays and the weekend pass first
    holidays.clock.set(day_start(date(2026, 12, 24)) + timedelta(hours=1))
    assert await sweeps.follow_ups(holidays.ctx) == 0
    holidays.clock.set(day_start(date(2026, 12, 28)) + timedelta(hours=1))
    assert await sweeps.follow_ups(holidays.ctx) == 1
    follow = await holidays.pool.fetchval("SELECT due_date FROM inspections WHERE follow_up_of = $1", uuid.UUID(iid))
    assert follow == date(2027, 1, 5)  # 12-29, 12-30, 12-31, (元旦), 01-04, 01-05
