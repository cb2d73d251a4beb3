"""The figures of an item, department or tenant, from its counters and case durations.

Pure arithmetic (no I/O): the adapters sum the daily counters, this turns them into rates.
A rate with nothing to divide by is -1 ("no data"), never 0, so "nobody waited" and
"nobody was served on time" are not confused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NO_DATA = -1.0
COUNTERS = ("guide_views", "started", "submitted", "completed", "rejected", "withdrawn", "on_time", "supplemented",
            "ratings", "rating_sum", "negative", "rect_opened", "rect_closed", "sla_breaches", "completed_app")

# The ranking score (docs/insight.md): on-time rate, satisfaction and online share, weighted
# as the provincial 好差评 and 一网通办 assessments weigh them.
WEIGHT_ON_TIME = 0.4
WEIGHT_SATISFACTION = 0.4
WEIGHT_ONLINE = 0.2


def ratio(part: float, whole: float) -> float:
    return part / whole if whole else NO_DATA


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not sorted_values:
        return NO_DATA
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


@dataclass(frozen=True)
class Quality:
    guide_views: int = 0
    started: int = 0
    submitted: int = 0
    completed: int = 0
    rejected: int = 0
    withdrawn: int = 0
    abandonment_rate: float = NO_DATA
    median_working_days: float = NO_DATA
    p90_working_days: float = NO_DATA
    on_time_rate: float = NO_DATA
    supplement_rate: float = NO_DATA
    ratings: int = 0
    rating_average: float = NO_DATA
    negative_share: float = NO_DATA
    rectifications_open: int = 0
    rectifications_overdue: int = 0
    online_share: float = NO_DATA
    sla_breaches: int = 0


def quality(sums: Mapping[str, int], durations: Sequence[float], rect_open: int = 0, rect_overdue: int = 0) -> Quality:
    """`sums`: the counters over the range; `durations`: working days of the cases
    finished in it (any order)."""
    s = {k: int(sums.get(k) or 0) for k in COUNTERS}
    finished = s["completed"] + s["rejected"] + s["withdrawn"]
    ordered = sorted(durations)
    return Quality(
        guide_views=s["guide_views"], started=s["started"], submitted=s["submitted"], completed=s["completed"],
        rejected=s["rejected"], withdrawn=s["withdrawn"],
        abandonment_rate=max(0.0, ratio(s["started"] - s["submitted"], s["started"])) if s["started"] else NO_DATA,
        median_working_days=percentile(ordered, 0.5), p90_working_days=percentile(ordered, 0.9),
        on_time_rate=ratio(s["on_time"], finished), supplement_rate=ratio(s["supplemented"], s["submitted"]),
        ratings=s["ratings"], rating_average=ratio(s["rating_sum"], s["ratings"]), negative_share=ratio(s["negative"], s["ratings"]),
        rectifications_open=rect_open, rectifications_overdue=rect_overdue,
        online_share=ratio(s["completed_app"], s["completed"]), sla_breaches=s["sla_breaches"],
    )


def score(q: Quality) -> float:
    """0..100: 40 × on-time rate + 40 × satisfaction ((average − 1) / 4) + 20 × online share;
    a part without data counts as 0, so a tenant with no activity ranks last."""
    on_time = max(q.on_time_rate, 0.0)
    satisfaction = (q.rating_average - 1) / 4 if q.rating_average != NO_DATA else 0.0
    online = max(q.online_share, 0.0)
    return round(100 * (WEIGHT_ON_TIME * on_time + WEIGHT_SATISFACTION * satisfaction + WEIGHT_ONLINE * online), 2)
