"""Insight's consumer against real PostgreSQL and JetStream: the aggregates it keeps, a
rebuild from the stream that gives the same tables, replayed events that change nothing,
and zombies under an injected clock (an item idle for 91 days is listed, 89 days is not).

Events are published as the services publish them (CloudEvents on their subjects), with
the times a month of activity would have."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext

from mgov_common.bus import connect_nats
from mgov_common.clock import ManualClock
from mgov_common.db import create_pool
from mgov_common.events.consumer import EventConsumer
from mgov_common.events.envelope import CloudEvent
from mgov_common.events.streams import ensure_streams
from mgov_common.migrations import migrate
from mgov_common.paging import PageTokens
from mgov_common.principal import Principal, RoleBinding
from mgov_common.tenant_tree import TenantNode
from mgov_common.tenants import TenantProjection
from services.insight.bootstrap import MIGRATIONS
from services.insight.entrypoints.consumers import events_consumer, events_spec, ingest_spec
from services.insight.service_layer import stats, zombies
from services.insight.service_layer.context import Context
from services.insight.service_layer.rebuild import rebuild
from tests.conftest import Servers

NOW = datetime(2026, 11, 30, 4, tzinfo=UTC)  # noon in China
TABLES = ("items", "cases", "daily", "rectifications", "systems", "accounts")


@dataclass
class World:
    pool: asyncpg.Pool
    js: JetStreamContext
    ctx: Context
    consumer: EventConsumer
    city: str
    county: str
    sibling: str
    items: dict[str, uuid.UUID]
    published: list[CloudEvent]

    async def publish(self, *events: CloudEvent) -> None:
        for e in events:
            await self.js.publish(e.platform_subject(), e.to_json().encode(), headers={"Nats-Msg-Id": str(e.id)})
        self.published += events

    async def settled(self) -> None:
        """Until the consumer has applied or skipped every event published so far."""
        await self.consumer.wait_until(lambda c: c.handled + c.skipped >= len(self.published), timeout=20)


def event(service: str, entity: str, verb: str, tenant: str, subject: str, data: dict[str, Any], at: datetime) -> CloudEvent:
    return CloudEvent.new(service=service, entity=entity, verb=verb, tenant=tenant, subject=subject, data=data, time=at)


def case_event(verb: str, tenant: str, case: uuid.UUID, item: uuid.UUID, at: datetime, *, due: datetime, action: str = "",
               paused: bool = False, terminal: bool = False, system: bool = False) -> CloudEvent:
    return event("workflow", "application", verb, tenant, str(case), {
        "application_id": str(case), "case_number": "X-1", "tenant_id": tenant, "service_id": str(item), "service_version": 1,
        "service_name": {"zh": "事项"}, "department": "市民卡中心", "applicant_id": "u1", "status": verb, "previous_status": "",
        "action": action, "actor": {"kind": "system" if system else "user", "id": "u1", "tenant_id": tenant}, "comment": "",
        "due_at": due.isoformat(), "case_due_at": due.isoformat(), "clock_paused": paused, "terminal": terminal, "version": 1}, at)


def item_event(tenant: str, item: uuid.UUID, at: datetime) -> CloudEvent:
    return event("catalog", "item", "published", tenant, str(item), {
        "id": str(item), "tenant_id": tenant, "code": f"C-{item.hex[:6]}", "version": 1, "name": {"zh": f"事项{item.hex[:4]}", "en": "An item"},
        "department": "市民卡中心", "promised_limit_days": 5}, at)


def weekday_hours(start: datetime, end: datetime) -> int:
    """Whole hours from `start` to `end` (both on the hour) that fall on a Monday to Friday in China."""
    return sum(1 for h in range(int((end - start).total_seconds()) // 3600)
               if (start + timedelta(hours=h) + timedelta(hours=8)).weekday() < 5)


def admin(tenant: str, role: str = "tenant_admin") -> Principal:
    return Principal(subject=str(uuid.uuid4()), tenant=tenant, roles=frozenset({RoleBinding(tenant, role)}))


async def snapshot(pool: asyncpg.Pool) -> dict[str, list[tuple[Any, ...]]]:
    async with pool.acquire() as conn:
        return {t: sorted(tuple(r.values()) for r in await conn.fetch(f"SELECT * FROM {t}")) for t in TABLES}


@pytest.fixture(scope="module")
async def world(servers: Servers) -> AsyncIterator[World]:
    schema = f"ins_{uuid.uuid4().hex[:8]}"
    await migrate(servers.dsn, schema, MIGRATIONS)
    pool = await create_pool(servers.dsn, schema, min_size=1, max_size=5)
    nc = await connect_nats(servers.nats_url, "insight-tests")
    js = nc.jetstream()
    await ensure_streams(js)
    suffix = uuid.uuid4().hex[:8]
    province, city, county, sibling = (f"p{suffix}", f"c{suffix}", f"x{suffix}", f"y{suffix}")
    async with pool.acquire() as conn:
        tree = TenantProjection(conn)
        for node in (TenantNode(province, None, "330000", "province", {"zh": "省"}), TenantNode(city, province, "330100", "city", {"zh": "市"}),
                     TenantNode(county, city, "330106", "county", {"zh": "区"}), TenantNode(sibling, city, "330110", "county", {"zh": "邻区"})):
            await tree.upsert(node, NOW)
    spec = events_spec(f"insight-events-{suffix}", [province, city, county, sibling])
    consumer = events_consumer(pool, js, spec)
    task = asyncio.create_task(consumer.run())
    ctx = Context(pool=pool, clock=ManualClock(NOW), pages=PageTokens.ephemeral())
    w = World(pool, js, ctx, consumer, city, county, sibling, {}, [])
    try:
        yield w
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await nc.close()
        await pool.close()


@pytest.fixture(scope="module")
async def month(world: World) -> World:
    """A month of one item's cases in the city, and two items whose last applications
    were 91 and 89 days ago."""
    w = world
    item, idle91, idle89, county_item = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    w.items.update(item=item, idle91=idle91, idle89=idle89, county_item=county_item)
    await w.publish(*(item_event(w.city, i, NOW - timedelta(days=200)) for i in (item, idle91, idle89)),
                    item_event(w.county, county_item, NOW - timedelta(days=200)))
    await w.publish(case_event("submitted", w.city, uuid.uuid4(), idle91, NOW - timedelta(days=91), due=NOW),
                    case_event("submitted", w.city, uuid.uuid4(), idle89, NOW - timedelta(days=89), due=NOW))
    for day in range(20):  # one case a day: on time unless day % 5 == 0, 补正 when day % 4 == 0, rated 5 or 2
        case, start = uuid.uuid4(), NOW - timedelta(days=25 - day)
        due = start + timedelta(days=7)
        finish = start + (timedelta(days=9) if day % 5 == 0 else timedelta(days=2))
        evts = [case_event("submitted", w.city, case, item, start, due=due, action="submit", system=day % 3 == 0)]
        if day % 4 == 0:
            evts.append(case_event("transitioned", w.city, case, item, start + timedelta(hours=2), due=due, action="return", paused=True))
        if day % 7 == 6:
            evts.append(case_event("rejected", w.city, case, item, finish, due=due, action="reject", terminal=True))
        else:
            evts.append(case_event("completed", w.city, case, item, finish, due=due, action="approve", terminal=True))
            evts.append(event("workflow", "rating", "received", w.city, str(case), {
                "application_id": str(case), "tenant_id": w.city, "service_id": str(item), "department": "市民卡中心",
                "score": 2 if day % 6 == 0 else 5}, finish + timedelta(hours=1)))
        await w.publish(*evts)
    await w.settled()
    return w


async def test_the_aggregates_count_each_case_once_with_its_on_time_rate_correction_rate_and_ratings(month: World) -> None:
    w = month
    rows, _ = await stats.list_items(w.ctx, admin(w.city), w.city, stats.date_range(w.ctx, "", ""), 0, "")
    [q] = [r.quality for r in rows if r.item_id == w.items["item"]]
    finished = [d for d in range(20)]  # every case finished within the 30 days
    late = [d for d in finished if d % 5 == 0]
    rated = [d for d in finished if d % 7 != 6]
    assert (q.submitted, q.completed, q.rejected) == (20, len(rated), 20 - len(rated))
    assert q.on_time_rate == pytest.approx((len(finished) - len(late)) / len(finished))
    assert q.supplement_rate == pytest.approx(len([d for d in range(20) if d % 4 == 0]) / 20)
    assert q.rating_average == pytest.approx(sum(2 if d % 6 == 0 else 5 for d in rated) / len(rated))
    assert q.online_share == pytest.approx(len([d for d in rated if d % 3 != 0]) / len(rated))
    # Working days by hand: each case's hours on Monday–Friday (China dates; no calendar in this world), ranked.
    durations = sorted(weekday_hours(NOW - timedelta(days=25 - d), NOW - timedelta(days=25 - d) + timedelta(days=9 if d % 5 == 0 else 2)) / 24
                       for d in finished)
    assert q.median_working_days == pytest.approx((durations[9] + durations[10]) / 2)  # 20 cases: between the 10th and 11th
    assert q.p90_working_days == pytest.approx(durations[17] + 0.1 * (durations[18] - durations[17]))  # (20 − 1) × 0.9 = 17.1


async def test_rebuilding_from_the_stream_gives_the_same_aggregates_and_replayed_events_change_nothing(month: World) -> None:
    w = month
    before = await snapshot(w.pool)
    assert before["daily"] and before["cases"]
    result = await rebuild(w.pool, w.js, w.consumer.spec, ingest_spec(f"{w.consumer.spec.durable}-ingest", [w.city]))
    assert result.applied == len(w.published) and result.refused == 0
    assert await snapshot(w.pool) == before
    # The same events again (another message id, so JetStream keeps them): skipped by id.
    skipped = w.consumer.counts.skipped
    for e in w.published[:10]:
        await w.js.publish(e.platform_subject(), e.to_json().encode(), headers={"Nats-Msg-Id": f"again-{e.id}"})
    await w.consumer.wait_until(lambda c: c.skipped >= skipped + 10, timeout=20)
    assert await snapshot(w.pool) == before


async def test_an_item_without_an_application_for_91_days_is_a_zombie_and_one_with_an_application_89_days_ago_is_not(month: World) -> None:
    w = month
    found, _ = await zombies.list_zombies(w.ctx, admin(w.city), w.city, "item_unused", 0, "")
    ids = {z.target_id for z in found}
    assert str(w.items["idle91"]) in ids and str(w.items["idle89"]) not in ids and str(w.items["item"]) not in ids
    [z] = [z for z in found if z.target_id == str(w.items["idle91"])]
    assert (z.idle_days, z.threshold_days, z.action) == (91, 90, "retire_item")


async def test_a_city_admin_sees_its_counties_and_a_county_supervisor_not_its_sibling(month: World) -> None:
    from mgov_common.errors import NotFound

    w = month
    rows, _ = await stats.list_items(w.ctx, admin(w.city), w.city, stats.date_range(w.ctx, "", ""), 0, "")
    assert w.items["county_item"] in {r.item_id for r in rows}
    own, _ = await stats.list_items(w.ctx, admin(w.county, "supervisor"), w.county, stats.date_range(w.ctx, "", ""), 0, "")
    assert {r.item_id for r in own} == {w.items["county_item"]}
    with pytest.raises(NotFound):
        await stats.list_items(w.ctx, admin(w.county, "supervisor"), w.sibling, stats.date_range(w.ctx, "", ""), 0, "")
    with pytest.raises(NotFound):
        await stats.list_items(w.ctx, admin(w.county, "supervisor"), w.city, stats.date_range(w.ctx, "", ""), 0, "")
    with pytest.raises(NotFound):
        await stats.list_items(w.ctx, admin(w.city, "clerk"), w.city, stats.date_range(w.ctx, "", ""), 0, "")


async def test_item_pages_follow_signed_cursors_and_a_token_of_another_query_is_refused(month: World) -> None:
    from mgov_common.errors import InvalidArgument

    w = month
    r, me = stats.date_range(w.ctx, "", ""), admin(w.city)
    first, token = await stats.list_items(w.ctx, me, w.city, r, 2, "")
    second, last = await stats.list_items(w.ctx, me, w.city, r, 2, token)
    assert len(first) == 2 and token and len(second) == 2 and not last
    assert not {x.item_id for x in first} & {x.item_id for x in second}
    with pytest.raises(InvalidArgument):
        await stats.list_items(w.ctx, me, w.county, r, 2, token)
    with pytest.raises(InvalidArgument):
        await stats.list_items(w.ctx, admin(w.city), w.city, r, 2, token)  # another caller


async def test_the_weekly_report_of_each_province_and_city_is_published_once_with_its_subtrees_figures(month: World) -> None:
    from services.insight.service_layer import reports

    w = month
    monday_morning = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 09:30 in China
    w.ctx.clock.set(monday_morning)  # type: ignore[attr-defined]
    try:
        assert await reports.publish_due(w.ctx) == 2  # the province and the city; counties get none
        assert await reports.publish_due(w.ctx) == 0  # once per week, whatever passes follow
        async with w.pool.acquire() as conn:
            rows = await conn.fetch("SELECT subject, payload FROM outbox WHERE type = 'mgov.insight.report.published.v1'")
        # The week of 23-29 November: the month's cases of the 23rd and 24th.
        [city] = [CloudEvent.parse(r["payload"]) for r in rows if r["subject"].startswith(f"mgov.evt.{w.city}.")]
        assert city.data["week_start"] == "2026-11-23" and city.data["submitted"] == 2 and city.data["zombies"] >= 1
    finally:
        w.ctx.clock.set(NOW)  # type: ignore[attr-defined]
