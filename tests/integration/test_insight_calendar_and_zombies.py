"""Insight's consumer against real PostgreSQL and JetStream, for what the tenants' own
data changes: working days over the tenant's holiday calendar (holidays off, 调休
weekends on), stale notices, and departments whose open cases no active staff account
can act on. Thresholds are inherited down the tree. Expected figures are worked out here
by hand from the calendar, not by the code under test."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.insight.domain.zombies import Thresholds
from services.insight.service_layer import stats, zombies
from tests.integration.test_insight_aggregates import NOW, World, admin, case_event, event, item_event, world  # noqa: F401

CST = timedelta(hours=8)


def cst(y: int, m: int, d: int, h: int = 0) -> datetime:
    """A China Standard Time wall clock as UTC."""
    return datetime(y, m, d, h, tzinfo=UTC) - CST


def calendar_event(tenant: str, year: int, days: list[tuple[str, bool, str]], at: datetime):  # type: ignore[no-untyped-def]
    return event("workflow", "calendar", "updated", tenant, f"{tenant}/{year}", {
        "tenant_id": tenant, "year": year, "updated_at": at.isoformat(),
        "days": [{"date": d, "working": w, "name": n} for d, w, n in days]}, at)


def sign_in(tenant: str, user: uuid.UUID, roles: list[str], at: datetime):  # type: ignore[no-untyped-def]
    return event("identity", "user", "signed_in", tenant, str(user), {"user_id": str(user), "roles": roles}, at)


def roles_event(verb: str, tenant: str, case: uuid.UUID, item: uuid.UUID, at: datetime, roles: list[str], department: str,
                terminal: bool = False):  # type: ignore[no-untyped-def]
    e = case_event(verb, tenant, case, item, at, due=at + timedelta(days=30), terminal=terminal, action="approve" if terminal else "")
    e.data["eligible_roles"] = roles
    e.data["department"] = department
    return e


async def figures(w: World, tenant: str, item: uuid.UUID, first: str, last: str) -> stats.Quality:  # type: ignore[name-defined]
    rows, _ = await stats.list_items(w.ctx, admin(tenant), tenant, stats.date_range(w.ctx, first, last), 0, "", own_only=True)
    [q] = [r.quality for r in rows if r.item_id == item]
    return q


async def test_working_days_skip_the_tenants_holidays_and_count_its_working_weekend(world: World) -> None:
    w = world
    item = uuid.uuid4()
    # The city's November: Monday 16 and Tuesday 17 are holidays, Saturday 14 a working day (调休).
    await w.publish(calendar_event(w.city, 2026, [("2026-11-14", True, "调休"), ("2026-11-16", False, "假日"),
                                                  ("2026-11-17", False, "假日")], NOW - timedelta(days=60)),
                    item_event(w.county, item, NOW - timedelta(days=100)))
    # The county inherits the city's calendar. Case A: Friday 13 10:00 → Wednesday 18 10:00;
    # case B: Monday 9 09:00 → Thursday 19 09:00 (the hours of each working day, by hand below).
    a, b = uuid.uuid4(), uuid.uuid4()
    far = cst(2027, 1, 1)
    await w.publish(case_event("submitted", w.county, a, item, cst(2026, 11, 13, 10), due=far),
                    case_event("completed", w.county, a, item, cst(2026, 11, 18, 10), due=far, action="approve", terminal=True),
                    case_event("submitted", w.county, b, item, cst(2026, 11, 9, 9), due=far),
                    case_event("completed", w.county, b, item, cst(2026, 11, 19, 9), due=far, action="approve", terminal=True))
    await w.settled()
    a_hours = 14 + 24 + 10                       # Fri 13 from 10:00, Sat 14 (调休), Wed 18 to 10:00; Mon 16, Tue 17 off
    b_hours = 15 + 4 * 24 + 24 + 24 + 9          # Mon 9 from 09:00, Tue–Fri, Sat 14, Wed 18, Thu 19 to 09:00
    a_days, b_days = a_hours / 24, b_hours / 24  # 2.0 and 7.0 (Monday–Friday alone would say 3.0 and 8.0)
    q = await figures(w, w.county, item, "2026-11-01", "2026-11-30")
    assert q.median_working_days == pytest.approx((a_days + b_days) / 2)
    assert q.p90_working_days == pytest.approx(a_days + 0.9 * (b_days - a_days))


async def test_a_calendar_announced_after_the_cases_finished_recounts_their_working_days(world: World) -> None:
    w = world
    item, case = uuid.uuid4(), uuid.uuid4()
    await w.publish(item_event(w.sibling, item, NOW - timedelta(days=100)),
                    case_event("submitted", w.sibling, case, item, cst(2026, 10, 5, 0), due=cst(2027, 1, 1)),
                    case_event("completed", w.sibling, case, item, cst(2026, 10, 10, 0), due=cst(2027, 1, 1), action="approve", terminal=True))
    await w.settled()
    assert (await figures(w, w.sibling, item, "2026-10-01", "2026-10-31")).median_working_days == pytest.approx(5.0)  # Mon 5 – Fri 9
    # The sibling county's own October: Monday 5 to Wednesday 7 off (国庆), Saturday 10 working.
    await w.publish(calendar_event(w.sibling, 2026, [("2026-10-05", False, "国庆"), ("2026-10-06", False, "国庆"),
                                                     ("2026-10-07", False, "国庆"), ("2026-10-10", True, "调休")], NOW - timedelta(days=1)))
    await w.settled()
    assert (await figures(w, w.sibling, item, "2026-10-01", "2026-10-31")).median_working_days == pytest.approx(2.0)  # Thu 8, Fri 9


async def test_without_a_due_time_a_case_is_on_time_by_its_items_limit_in_the_tenants_working_days(world: World) -> None:
    w = world
    item, case = uuid.uuid4(), uuid.uuid4()
    published = item_event(w.county, item, NOW - timedelta(days=100))
    published.data["promised_limit_days"] = 2
    submitted = case_event("submitted", w.county, case, item, cst(2026, 11, 13, 10), due=NOW)
    done = case_event("completed", w.county, case, item, cst(2026, 11, 18, 10), due=NOW, action="approve", terminal=True)
    for e in (submitted, done):
        e.data["case_due_at"] = e.data["due_at"] = None
    await w.publish(published, submitted, done)
    await w.settled()
    # Two working days after Friday 13 are Saturday 14 (调休) and Wednesday 18: due Thursday 19 00:00, so on time
    # (Monday–Friday would have made it due Wednesday 18 00:00: late).
    assert (await figures(w, w.county, item, "2026-11-01", "2026-11-30")).on_time_rate == 1.0


async def test_a_tenant_whose_newest_notice_is_older_than_its_threshold_is_listed_and_thresholds_are_inherited(world: World) -> None:
    w = world
    old, newer, stale = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def notice(tenant: str, nid: uuid.UUID, at: datetime):  # type: ignore[no-untyped-def]
        return event("catalog", "notice", "published", tenant, str(nid), {
            "id": str(nid), "tenant_id": tenant, "title": {"zh": f"公告{nid.hex[:4]}"}, "category": "announcement",
            "publish_time": at.isoformat(), "published_by": {}}, at)

    await w.publish(notice(w.sibling, old, NOW - timedelta(days=300)), notice(w.sibling, newer, NOW - timedelta(days=10)),
                    notice(w.county, stale, NOW - timedelta(days=181)))
    await w.settled()
    found, _ = await zombies.list_zombies(w.ctx, admin(w.city), w.city, "notice_stale", 0, "")
    assert [(z.tenant_id, z.target_id, z.idle_days, z.threshold_days, z.action) for z in found] == [(w.county, str(stale), 181, 180, "")]
    # The city's own threshold, 200 days, holds for its counties (they have none of their own).
    me = admin(w.city)
    before = await zombies.get_thresholds(w.ctx, me, w.county)
    set_to = await zombies.update_thresholds(w.ctx, me, w.city, Thresholds(90, 365, 30, 90, "", 200, 1))
    try:
        assert (set_to.notice_stale_days, (await zombies.get_thresholds(w.ctx, me, w.county)).source_tenant_id) == (200, w.city)
        assert (await zombies.list_zombies(w.ctx, me, w.city, "notice_stale", 0, "")) == ([], "")
        # An update that leaves the new thresholds out keeps the values in force.
        kept = await zombies.update_thresholds(w.ctx, me, w.city, Thresholds(90, 365, 30, 90, "", 0, 0),
                                               keep=("notice_stale_days", "department_unstaffed_days"))
        assert (kept.notice_stale_days, kept.department_unstaffed_days) == (200, 1)
    finally:
        async with w.pool.acquire() as conn:
            await conn.execute("DELETE FROM thresholds WHERE tenant_id = $1", w.city)
    assert before.source_tenant_id == "" and before.notice_stale_days == 180


async def test_a_department_whose_open_case_no_active_staff_account_can_act_on_is_listed(world: World) -> None:
    w = world
    item, case, owner_case, done_case, fresh = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    dept, other = f"市场监管局{item.hex[:4]}", f"卫健委{item.hex[:4]}"
    clerk, approver, province_approver = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    province = (await w.pool.fetchval("SELECT parent_id FROM tenants WHERE id = $1", w.city))
    await w.publish(item_event(w.county, item, NOW - timedelta(days=100)),
                    sign_in(w.county, clerk, [f"{w.county}:clerk"], NOW - timedelta(days=1)),
                    sign_in(w.sibling, approver, [f"{w.sibling}:approver"], NOW - timedelta(days=1)),  # another county's approver
                    # Waiting for an approver for 3 days: nobody in the county, nobody in the province.
                    roles_event("submitted", w.county, case, item, NOW - timedelta(days=5), ["clerk"], dept),
                    roles_event("transitioned", w.county, case, item, NOW - timedelta(days=3), ["approver"], dept),
                    # Just submitted, waiting for an approver for 2 days (its roles from the submission alone).
                    roles_event("submitted", w.county, fresh, item, NOW - timedelta(days=2), ["approver"], other),
                    # Waiting on the applicant only: not staff's to act on.
                    roles_event("submitted", w.county, owner_case, item, NOW - timedelta(days=9), ["owner"], dept),
                    # Finished: nothing waits.
                    roles_event("submitted", w.county, done_case, item, NOW - timedelta(days=9), ["approver"], dept),
                    roles_event("completed", w.county, done_case, item, NOW - timedelta(days=8), ["approver"], dept, terminal=True))
    await w.settled()

    async def listed() -> list[tuple[str, str, int, str]]:
        found, _ = await zombies.list_zombies(w.ctx, admin(w.city), w.city, "department_unstaffed", 0, "")
        return [(z.tenant_id, z.target_id, z.idle_days, z.action) for z in found if z.target_id in (dept, other)]

    assert sorted(await listed()) == sorted([(w.county, dept, 3, ""), (w.county, other, 2, "")])
    # An approver of the province reaches every county's cases.
    await w.publish(sign_in(province, province_approver, [f"{province}:approver"], NOW - timedelta(hours=1)))
    await w.settled()
    assert await listed() == []
    # Disabled, that approver acts on nothing: the departments are listed again.
    await w.publish(event("identity", "user", "disabled", province, str(province_approver), {"user_id": str(province_approver)}, NOW))
    await w.settled()
    assert sorted(await listed()) == sorted([(w.county, dept, 3, ""), (w.county, other, 2, "")])


async def test_a_guide_without_a_new_version_for_more_than_365_days_is_stale_and_one_published_364_days_ago_is_not(world: World) -> None:
    w = world
    stale, exactly, recent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await w.publish(item_event(w.county, stale, NOW - timedelta(days=365, hours=1)),
                    item_event(w.county, exactly, NOW - timedelta(days=365)),  # exactly the threshold: not yet
                    item_event(w.county, recent, NOW - timedelta(days=364)))
    await w.settled()
    found, _ = await zombies.list_zombies(w.ctx, admin(w.city), w.city, "guide_stale", 0, "")
    mine = [(z.tenant_id, z.target_id, z.idle_days, z.threshold_days, z.action) for z in found
            if z.target_id in (str(stale), str(exactly), str(recent))]
    assert mine == [(w.county, str(stale), 365, 365, "retire_item")]


async def test_a_tenant_system_silent_for_more_than_30_days_is_listed_and_a_younger_or_revoked_one_is_not(world: World) -> None:
    w = world
    silent, young, revoked = (f"sys-{uuid.uuid4().hex[:8]}" for _ in range(3))

    def registered(sid: str, at: datetime):  # type: ignore[no-untyped-def]
        return event("identity", "system", "registered", w.sibling, sid, {"id": sid, "name": f"办件系统{sid[-4:]}"}, at)

    await w.publish(registered(silent, NOW - timedelta(days=31)), registered(young, NOW - timedelta(days=29)),
                    registered(revoked, NOW - timedelta(days=60)),
                    event("identity", "system", "revoked", w.sibling, revoked, {"id": revoked}, NOW - timedelta(days=40)))
    await w.settled()
    found, _ = await zombies.list_zombies(w.ctx, admin(w.city), w.city, "system_silent", 0, "")
    mine = [(z.tenant_id, z.target_id, z.name["zh"], z.idle_days, z.threshold_days, z.action) for z in found
            if z.target_id in (silent, young, revoked)]
    assert mine == [(w.sibling, silent, f"办件系统{silent[-4:]}", 31, 30, "revoke_system")]
