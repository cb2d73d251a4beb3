"""`mgov insight seed --days N`: a month of back-dated demo activity, written as insight's
own demo events (outbox → JetStream → the consumer, with the same handlers as the real
events), whose figures equal those computed here from the events themselves, day by day
in the past. Demo platforms only; written twice, written once."""

from __future__ import annotations

import asyncio
import statistics
import uuid
from collections import Counter
from datetime import timedelta

import pytest

from mgov_common.errors import FailedPrecondition
from mgov_common.events.outbox import OutboxRelay
from mgov_common.working_days import WorkingCalendar, local_date
from services.insight.domain.quality import percentile
from services.insight.service_layer import demo_history, stats
from tests.integration.test_insight_aggregates import NOW, World, admin, item_event, world  # noqa: F401

DAYS = 30


async def test_a_month_of_demo_history_gives_the_figures_computed_from_its_events_on_their_own_days(world: World) -> None:
    w = world
    item = uuid.uuid4()
    await w.publish(item_event(w.county, item, NOW - timedelta(days=200)))  # promised: 5 working days
    await w.settled()
    with pytest.raises(FailedPrecondition):
        await demo_history.record(w.ctx, demo=False, tenant_id=w.county, days=DAYS, seed=3)
    made = await demo_history.record(w.ctx, demo=True, tenant_id=w.county, days=DAYS, seed=3)
    assert made.events and all(e.time < NOW for e in made.events)
    schema = await w.pool.fetchval("SELECT current_schema()")
    relay = OutboxRelay(w.pool, w.js, schema, poll_interval_s=0.2)
    task = asyncio.create_task(relay.run())
    try:
        handled = w.consumer.counts.handled
        await w.consumer.wait_until(lambda c: c.handled >= handled + len(made.events), timeout=30)
        # Written again (same seed): the same ids, not written twice (and the consumer's event ids stop a repeat).
        rows = await w.pool.fetchval("SELECT count(*) FROM outbox")
        again = await demo_history.record(w.ctx, demo=True, tenant_id=w.county, days=DAYS, seed=3)
        assert [e.id for e in again.events] == [e.id for e in made.events]
        assert await w.pool.fetchval("SELECT count(*) FROM outbox") == rows
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    # Independently, from the events: counts on their own China dates, on time by the item's 5 working days.
    today = local_date(NOW)
    first = today - timedelta(days=DAYS + 1)
    per_day: Counter[object] = Counter()
    completed_on: Counter[object] = Counter()
    submitted_at, durations, on_time, finished, scores = {}, [], 0, 0, []
    cal = WorkingCalendar()
    for e in made.events:
        if e.entity == "demo_application" and e.verb == "submitted":
            per_day[local_date(e.time)] += 1
            submitted_at[e.data["application_id"]] = e.time
        elif e.entity == "demo_application":
            start = submitted_at[e.data["application_id"]]
            completed_on[local_date(e.time)] += e.verb == "completed"
            finished += 1
            on_time += e.time <= cal.due_after(start, 5)
            durations.append(cal.working_seconds(start, e.time) / 86400)
        elif e.entity == "demo_rating":
            scores.append(e.data["score"])
    assert len(per_day) >= DAYS * 2 // 3  # submissions on most days of the month: a trend, not a spike
    rows, _ = await stats.list_items(w.ctx, admin(w.county), w.county, stats.date_range(w.ctx, str(first), str(today)), 0, "")
    [q] = [r.quality for r in rows if r.item_id == item]
    assert q.submitted == sum(per_day.values()) == made.counts["demo_application.submitted"]
    assert q.completed + q.rejected == finished
    assert q.on_time_rate == pytest.approx(on_time / finished)
    assert q.rating_average == pytest.approx(sum(scores) / len(scores))
    assert q.median_working_days == pytest.approx(statistics.median(durations))
    assert q.p90_working_days == pytest.approx(percentile(sorted(durations), 0.9))
    # Day by day (the trend the dashboard draws): each day holds its own submissions and completions.
    trend = await stats.daily(w.ctx, admin(w.county), w.county, stats.date_range(w.ctx, str(first), str(today)))
    assert [r.day for r in trend] == [first + timedelta(days=i) for i in range((today - first).days + 1)]
    assert [r.quality.submitted for r in trend] == [per_day.get(r.day, 0) for r in trend]
    assert [r.quality.completed for r in trend] == [completed_on.get(r.day, 0) for r in trend]
    assert trend[-1].quality.submitted == 0  # today: only today's real activity, none here
