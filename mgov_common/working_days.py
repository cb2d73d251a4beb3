"""Working days (工作日) over a tenant's holiday calendar: data, not code.

Monday to Friday, minus public holidays, plus the weekend days declared working
(调休). The workflow service counts time limits in them and the appointment service
opens a hall's slots on them; both read the same calendar data (the workflow service
owns it and announces each year it changes). Dates are China Standard Time.

To pause and resume a clock and to re-derive deadlines when a calendar changes, time
is also measured in *working seconds*: every second of a working day counts, no second
of a non-working day does.
"""


from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")  # China has no daylight saving time
DAY_S = 86400.0
_HORIZON_DAYS = 3 * 366  # a guard: no time limit spans years of holidays


def local_date(when: datetime) -> date:
    return when.astimezone(CST).date()


# Every submission's clocks walk the same few weeks of dates, two starts a day (a time
# limit, its working seconds, the warnings' times): each date's start is made once.
@functools.lru_cache(maxsize=4096)
def day_start(d: date) -> datetime:
    return datetime.combine(d, time(0), CST).astimezone(UTC)


@dataclass(frozen=True)
class WorkingCalendar:
    """`overrides` maps a date to working (True) or not (False), over the Mon–Fri default."""

    overrides: Mapping[date, bool] = field(default_factory=dict)

    def is_working(self, d: date) -> bool:
        if d in self.overrides:
            return self.overrides[d]
        return d.weekday() < 5

    def first_working_day_from(self, d: date) -> date:
        """`d` if it is a working day, else the first working day after it: a period whose
        last day is a holiday ends on the first working day after the holiday."""
        return d if self.is_working(d) else self.nth_working_day_after(d, 1)

    def nth_working_day_after(self, d: date, n: int) -> date:
        count, cur = 0, d
        for _ in range(_HORIZON_DAYS):
            if count >= n:
                return cur
            cur += timedelta(days=1)
            if self.is_working(cur):
                count += 1
        raise ValueError("the calendar has no working days for years: check its data")

    def due_after(self, start: datetime, days: int) -> datetime:
        """24:00 CST of the `days`-th working day after `start`'s date."""
        last = self.nth_working_day_after(local_date(start), days)
        return day_start(last + timedelta(days=1))

    def working_seconds(self, a: datetime, b: datetime) -> float:
        """Working seconds in [a, b) (0 when b <= a)."""
        if b <= a:
            return 0.0
        total, d = 0.0, local_date(a)
        while True:
            lo, hi = day_start(d), day_start(d + timedelta(days=1))
            if lo >= b:
                return total
            if self.is_working(d):
                total += (min(hi, b) - max(lo, a)).total_seconds()
            d += timedelta(days=1)

    def advance(self, start: datetime, seconds: float) -> datetime:
        """The moment when `seconds` working seconds have passed since `start`."""
        if seconds <= 0:
            return start
        d, cur = local_date(start), start
        for _ in range(_HORIZON_DAYS):
            hi = day_start(d + timedelta(days=1))
            if self.is_working(d):
                available = (hi - cur).total_seconds()
                if seconds <= available:
                    return cur + timedelta(seconds=seconds)
                seconds -= available
            d += timedelta(days=1)
            cur = hi
        raise ValueError("the calendar has no working days for years: check its data")
