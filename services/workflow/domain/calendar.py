"""Working-day arithmetic over a tenant's holiday calendar (data, not code).

Time limits of Chinese service items are counted in working days (工作日): Monday to
Friday, minus public holidays, plus the weekend days declared working (调休). A limit
of N working days started at some moment ends at 24:00 (China Standard Time) of the
N-th working day after that moment's date (counted "from the next day", 次日起算).

To pause and resume a clock and to re-derive deadlines when a calendar changes, time
is also measured in *working seconds*: every second of a working day counts, no second
of a non-working day does. A case's budget is the working seconds from its start to its
due time; pausing keeps the unused rest, and resuming spends it from the new start.
"""

from __future__ import annotations

from mgov_common.working_days import CST, DAY_S, WorkingCalendar, day_start, local_date

__all__ = ["CST", "DAY_S", "WorkingCalendar", "day_start", "local_date"]
