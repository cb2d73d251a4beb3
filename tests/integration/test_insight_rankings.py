"""Insight's rankings against real PostgreSQL and JetStream: a tenant's direct children,
each scored over its own subtree only, best first. The expected scores are worked out
here from the cases as written, with the weighting the documentation gives
(40 × on-time rate + 40 × (average − 1) / 4 + 20 × online share), not by the code under test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from services.insight.service_layer import stats
from tests.integration.test_insight_aggregates import World, admin, case_event, event, item_event, world  # noqa: F401


@dataclass(frozen=True)
class Case:
    tenant: str  # "city", "county" or "sibling"
    on_time: bool
    outcome: str  # "completed" or "rejected"
    app: bool  # a person acted in the app (else a hall's back office for the citizen)
    score: int | None  # 好差评, if rated


CASES = [
    # The county: half on time, rated 2 and 2, one of two completions in the app.
    Case("county", True, "completed", True, 2), Case("county", False, "completed", False, 2),
    # The sibling county: better on every part, and its id sorts after the county's (so the order is not the ids').
    Case("sibling", True, "completed", True, 5), Case("sibling", True, "completed", False, 4),
    Case("sibling", False, "completed", True, None), Case("sibling", True, "rejected", False, None),
    # The city's own case counts for the city's subtree (ranked under the province), for neither county.
    Case("city", False, "rejected", True, None),
]
SUBTREES = {"county": {"county"}, "sibling": {"sibling"}, "city": {"city", "county", "sibling"}}


def expected_score(subtree: set[str]) -> float:
    mine = [c for c in CASES if c.tenant in subtree]
    completed = [c for c in mine if c.outcome == "completed"]
    scores = [c.score for c in mine if c.score is not None]
    on_time = sum(c.on_time for c in mine) / len(mine) if mine else 0.0
    satisfaction = (sum(scores) / len(scores) - 1) / 4 if scores else 0.0
    online = sum(c.app for c in completed) / len(completed) if completed else 0.0
    return 40 * on_time + 40 * satisfaction + 20 * online


async def test_rankings_order_the_direct_children_by_the_score_of_each_ones_own_subtree(world: World) -> None:
    w = world
    tenants = {"city": w.city, "county": w.county, "sibling": w.sibling}
    province = await w.pool.fetchval("SELECT parent_id FROM tenants WHERE id = $1", w.city)
    items = {name: uuid.uuid4() for name in tenants}
    await w.publish(*(item_event(tenants[n], i, datetime(2026, 8, 1, tzinfo=UTC)) for n, i in items.items()))
    for n, c in enumerate(CASES):  # September 2026, one case a day, all finished within the month
        tenant, item, case = tenants[c.tenant], items[c.tenant], uuid.uuid4()
        start = datetime(2026, 9, 1 + n, 2, tzinfo=UTC)
        due = start + timedelta(days=7)
        finish = start + timedelta(days=2 if c.on_time else 9)
        evts = [case_event("submitted", tenant, case, item, start, due=due, action="submit", system=not c.app),
                case_event(c.outcome, tenant, case, item, finish, due=due, action="approve" if c.outcome == "completed" else "reject",
                           terminal=True, system=not c.app)]
        if c.score is not None:
            evts.append(event("workflow", "rating", "received", tenant, str(case), {
                "application_id": str(case), "tenant_id": tenant, "service_id": str(item), "department": "市民卡中心",
                "score": c.score}, finish + timedelta(hours=1)))
        await w.publish(*evts)
    await w.settled()
    september = stats.date_range(w.ctx, "2026-09-01", "2026-09-30")

    async def ranked(tenant: str) -> list[tuple[int, str, float]]:
        rows, _ = await stats.rankings(w.ctx, admin(tenant), tenant, september, 0, "")
        return [(r.rank, r.tenant_id, r.score) for r in rows]

    county, sibling, city = (expected_score(SUBTREES[n]) for n in ("county", "sibling", "city"))
    assert sibling > county  # the order under test is not the ids' order
    got = await ranked(w.city)
    assert [(rank, t) for rank, t, _ in got] == [(1, w.sibling), (2, w.county)]
    assert [s for _, _, s in got] == [pytest.approx(sibling, abs=0.005), pytest.approx(county, abs=0.005)]
    # Under the province the city is scored over its whole subtree: its own case and both counties'.
    [(rank, tid, score)] = await ranked(province)
    assert (rank, tid, score) == (1, w.city, pytest.approx(city, abs=0.005))
