"""Insight's drill-down reads against real PostgreSQL and JetStream: one department of a
tenant (its figures, its open cases, the staff able to act on them), the items of a
department, and one item; each only inside the caller's subtree. Expected counts are
worked out here from the events as published."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from mgov_common.errors import InvalidArgument, NotFound
from services.insight.service_layer import stats
from tests.integration.test_insight_aggregates import NOW, World, admin, event, item_event, world  # noqa: F401
from tests.integration.test_insight_calendar_and_zombies import roles_event, sign_in


def department_item(tenant: str, item: uuid.UUID, department: str):  # type: ignore[no-untyped-def]
    e = item_event(tenant, item, NOW - timedelta(days=100))
    e.data["department"] = department
    return e


async def test_a_department_shows_its_figures_open_cases_and_the_staff_able_to_act_and_only_its_own_items(world: World) -> None:
    w = world
    dept, other = f"民政局{uuid.uuid4().hex[:4]}", f"卫健委{uuid.uuid4().hex[:4]}"
    mine, also_mine, elsewhere, sibling_item = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    province = await w.pool.fetchval("SELECT parent_id FROM tenants WHERE id = $1", w.city)
    clerk, province_approver, sibling_approver, city_approver = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    waiting_clerk, waiting_dispatcher, finished = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await w.publish(department_item(w.county, mine, dept), department_item(w.county, also_mine, dept),
                    department_item(w.county, elsewhere, other), department_item(w.sibling, sibling_item, dept),
                    sign_in(w.county, clerk, [f"{w.county}:clerk"], NOW - timedelta(days=1)),
                    sign_in(province, province_approver, [f"{province}:approver"], NOW - timedelta(days=1)),
                    sign_in(w.sibling, sibling_approver, [f"{w.sibling}:approver"], NOW - timedelta(days=1)),
                    sign_in(w.city, city_approver, [f"{w.city}:approver"], NOW - timedelta(days=1)),
                    # Open and taken by the county's clerk; open and waiting on a dispatcher nobody is; finished.
                    roles_event("submitted", w.county, waiting_clerk, mine, NOW - timedelta(days=4), ["clerk"], dept),
                    roles_event("submitted", w.county, waiting_dispatcher, also_mine, NOW - timedelta(days=3), ["dispatcher"], dept),
                    roles_event("submitted", w.county, finished, mine, NOW - timedelta(days=6), ["approver"], dept),
                    roles_event("completed", w.county, finished, mine, NOW - timedelta(days=5), ["approver"], dept, terminal=True),
                    # The sibling's department of the same name has its own case.
                    roles_event("submitted", w.sibling, uuid.uuid4(), sibling_item, NOW - timedelta(days=2), ["clerk"], dept))
    await w.settled()
    r = stats.date_range(w.ctx, "", "")

    found = await stats.get_department(w.ctx, admin(w.county), w.county, dept, r)
    assert (found.tenant_id, found.department, found.quality.submitted, found.quality.completed) == (w.county, dept, 3, 1)
    # The county's clerk and the province's approver reach it; the sibling's and the city's approvers do not.
    s = found.staffing
    assert (s.open_cases, s.open_cases_unstaffed, s.staff_able_to_act) == (2, 1, 2)

    items, nxt = await stats.list_items(w.ctx, admin(w.county), w.county, r, 0, "", own_only=True, department=dept)
    assert sorted(i.item_id for i in items) == sorted([mine, also_mine]) and nxt == ""
    city_admin = admin(w.city)  # one caller: a page token is its caller's
    first, nxt = await stats.list_items(w.ctx, city_admin, w.city, r, 1, "", department=dept)
    rest, last = await stats.list_items(w.ctx, city_admin, w.city, r, 2, nxt, department=dept)
    assert sorted(i.item_id for i in first + rest) == sorted([mine, also_mine, sibling_item]) and last == ""

    item = await stats.get_item(w.ctx, admin(w.city), w.city, str(mine), r)
    assert (item.tenant_id, item.department, item.quality.submitted, item.quality.completed) == (w.county, dept, 2, 1)


async def test_a_county_admin_sees_neither_its_siblings_departments_nor_items_and_a_missing_one_is_not_found(world: World) -> None:
    w = world
    dept, sibling_item = f"档案馆{uuid.uuid4().hex[:4]}", uuid.uuid4()
    await w.publish(department_item(w.sibling, sibling_item, dept))
    await w.settled()
    r = stats.date_range(w.ctx, "", "")
    assert (await stats.get_department(w.ctx, admin(w.sibling), w.sibling, dept, r)).department == dept
    with pytest.raises(NotFound):
        await stats.get_department(w.ctx, admin(w.county), w.sibling, dept, r)
    with pytest.raises(NotFound):
        await stats.list_departments(w.ctx, admin(w.county, "supervisor"), w.sibling, r, 0, "")
    with pytest.raises(NotFound):  # the county's own view of another's item: not in its subtree
        await stats.get_item(w.ctx, admin(w.county), w.county, str(sibling_item), r)
    with pytest.raises(NotFound):  # a department the tenant itself has no item in (the city's subtree has it)
        await stats.get_department(w.ctx, admin(w.city), w.city, dept, r)
    with pytest.raises(InvalidArgument):
        await stats.get_item(w.ctx, admin(w.city), w.city, "not-a-uuid", r)
    with pytest.raises(InvalidArgument):
        await stats.list_departments(w.ctx, admin(w.city), w.city, r, 0, "", department="部" * 101)
