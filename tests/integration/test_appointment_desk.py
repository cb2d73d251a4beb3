"""The hall's desk and the clock against the real PostgreSQL: check-in by code, the queue
and its live places, other tenants' staff kept out, no-shows and the block they cause,
reminders sent once at each time, the hall's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mgov_common.errors import FailedPrecondition, NotFound, PermissionDenied
from mgov_common.working_days import CST
from services.appointment.domain.booking import qr_payload
from services.appointment.service_layer import booking, queue, sweeps
from tests.integration.appointment_support import (HZ_CLERK, ITEM, NINGBO_CLERK, OTHER_ITEM, XIHU_CLERK, Core, citizen,  # noqa: F401
                                                   core)

pytestmark = pytest.mark.asyncio


def cst(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CST).astimezone(UTC)


SLOT = cst(2026, 10, 8, 9, 0)


async def _book(core: Core, who: int | str, start: datetime = SLOT, item: object = ITEM) -> booking.AppointmentView:
    return await booking.book(core.ctx, citizen(who), str(core.hall.id), str(item), start, "", "")


async def test_staff_check_in_by_code_or_qr_and_calling_moves_everyones_place(core: Core) -> None:
    views = [await _book(core, n) for n in range(3)]
    core.clock.set(SLOT + timedelta(minutes=5))
    hall = str(core.hall.id)
    first = await queue.check_in(core.ctx, XIHU_CLERK, hall, views[0].appointment.code.lower())  # typed, in lower case
    second = await queue.check_in(core.ctx, XIHU_CLERK, hall, qr_payload(core.hall.id, views[1].appointment.code))  # scanned
    third = await queue.check_in(core.ctx, XIHU_CLERK, hall, views[2].appointment.code)
    assert [(v.appointment.ticket, v.people_ahead) for v in (first, second, third)] == [(1, 0), (2, 1), (3, 2)]
    core.published.clear()
    called = await queue.call_next(core.ctx, XIHU_CLERK, hall)
    assert (called.appointment.ticket, called.appointment.status) == (1, "called")
    places = {u["ticket_number"]: u["people_ahead"] for u in core.published if u["status"] == "checked_in"}
    assert places == {2: 0, 3: 1}  # the live places the waiting citizens are sent
    assert {u["recipient_id"] for u in core.published} == {"citizen-0", "citizen-1", "citizen-2"}
    mine = await booking.get(core.ctx, citizen(2), str(views[2].appointment.id))
    assert mine.people_ahead == 1
    q = await queue.get_queue(core.ctx, XIHU_CLERK, hall)
    assert ([a.ticket for a in q.waiting], q.last_called) == ([2, 3], 1)
    await queue.call_next(core.ctx, XIHU_CLERK, hall)
    await queue.call_next(core.ctx, XIHU_CLERK, hall)
    with pytest.raises(FailedPrecondition) as exc:
        await queue.call_next(core.ctx, XIHU_CLERK, hall)
    assert exc.value.code == "queue_empty"
    with pytest.raises(FailedPrecondition) as again:
        await queue.check_in(core.ctx, XIHU_CLERK, hall, views[0].appointment.code)
    assert again.value.code == "not_active"


async def test_another_tenants_hall_staff_cannot_check_in_this_halls_bookings(core: Core) -> None:
    view = await _book(core, 1)
    core.clock.set(SLOT)
    for outsider in (NINGBO_CLERK, HZ_CLERK):  # another city; the city above the county is not the hall's desk either
        with pytest.raises(PermissionDenied) as exc:
            await queue.check_in(core.ctx, outsider, str(core.hall.id), view.appointment.code)
        assert exc.value.code == "not_hall_staff"
        with pytest.raises(PermissionDenied):
            await queue.call_next(core.ctx, outsider, str(core.hall.id))
        with pytest.raises(NotFound):
            await booking.get(core.ctx, outsider, str(view.appointment.id))
    with pytest.raises(PermissionDenied):
        await queue.check_in(core.ctx, citizen(1), str(core.hall.id), view.appointment.code)  # not even the holder
    assert (await core.pool.fetchval("SELECT status FROM appointments WHERE id = $1", view.appointment.id)) == "booked"


async def test_a_code_is_only_checked_in_on_its_day_at_its_hall(core: Core) -> None:
    view = await _book(core, 1)
    with pytest.raises(FailedPrecondition) as exc:  # the clock is still on 09-30
        await queue.check_in(core.ctx, XIHU_CLERK, str(core.hall.id), view.appointment.code)
    assert exc.value.code == "not_today"
    core.clock.set(SLOT)
    with pytest.raises(FailedPrecondition) as other:
        await queue.check_in(core.ctx, XIHU_CLERK, str(core.hall.id), f"mgov-appointment:{'0' * 8}-0000-0000-0000-{'0' * 12}:{view.appointment.code}")
    assert other.value.code == "other_hall"
    with pytest.raises(NotFound):
        await queue.check_in(core.ctx, XIHU_CLERK, str(core.hall.id), "23456789")


async def test_the_third_no_show_blocks_a_fourth_booking_until_the_blocks_end_date(core: Core) -> None:
    who = "absent"
    days = [cst(2026, 10, 8, 9, 0), cst(2026, 10, 9, 9, 0), cst(2026, 10, 12, 9, 0)]
    for i, start in enumerate(days):
        await _book(core, who, start)
        core.clock.set(start + timedelta(minutes=29))
        assert await sweeps.mark_no_shows(core.ctx) == 0  # the slot has not ended
        core.clock.set(start + timedelta(minutes=30))
        assert await sweeps.mark_no_shows(core.ctx) == 1
        if i < 2:
            assert await core.pool.fetchval("SELECT count(*) FROM booking_blocks") == 0
    third = days[-1] + timedelta(minutes=30)
    with pytest.raises(FailedPrecondition) as exc:
        await _book(core, who, cst(2026, 10, 14, 9, 0))
    assert exc.value.code == "booking_blocked"
    end = (third + timedelta(days=30)).astimezone(CST).date().isoformat()
    assert end == "2026-11-11" and f"blocked until {end}" in str(exc.value)
    assert (await _book(core, "someone-else", cst(2026, 10, 14, 9, 0))).appointment.status == "booked"
    core.clock.set(third + timedelta(days=30, minutes=1))
    after = await _book(core, who, cst(2026, 11, 12, 9, 0))
    assert after.appointment.status == "booked"


async def test_each_reminder_is_sent_once_at_its_time(core: Core) -> None:
    start = cst(2026, 10, 9, 14, 0)
    view = await _book(core, 1, start)
    core.clock.set(start - timedelta(days=1, seconds=1))
    assert await sweeps.send_reminders(core.ctx) == 0
    core.clock.set(start - timedelta(days=1))
    assert await sweeps.send_reminders(core.ctx) == 1
    core.clock.advance(minutes=10)
    assert await sweeps.send_reminders(core.ctx) == 0  # sent once
    core.clock.set(start - timedelta(hours=1, seconds=1))
    assert await sweeps.send_reminders(core.ctx) == 0
    core.clock.set(start - timedelta(hours=1))
    assert await sweeps.send_reminders(core.ctx) == 1
    core.clock.advance(minutes=30)
    assert await sweeps.send_reminders(core.ctx) == 0
    events = await core.outbox("appointment.reminded")
    assert [(e.data["reminder"], e.data["appointment_id"]) for e in events] == [
        ("day_before", str(view.appointment.id)), ("hour_before", str(view.appointment.id))]
    assert events[0].data["code"] == view.appointment.code and events[0].data["hall_name"]["zh"] == "西湖区政务服务中心"


async def test_a_booking_made_within_a_day_gets_only_the_hour_reminder_and_a_cancelled_one_none(core: Core) -> None:
    start = cst(2026, 10, 8, 15, 0)
    core.clock.set(cst(2026, 10, 7, 18, 0))  # 21 hours ahead (10-07 is a holiday: the 08th is bookable from it)
    await _book(core, 1, start)
    cancelled = await _book(core, 2, start)
    await booking.cancel(core.ctx, citizen(2), str(cancelled.appointment.id))
    assert await sweeps.send_reminders(core.ctx) == 1  # the day-before one, now
    core.clock.set(start - timedelta(minutes=59))
    assert await sweeps.send_reminders(core.ctx) == 1
    kinds = [(e.data["citizen_id"], e.data["reminder"]) for e in await core.outbox("appointment.reminded")]
    assert kinds == [("citizen-1", "day_before"), ("citizen-1", "hour_before")]


async def test_the_halls_figures_count_bookings_check_ins_no_shows_and_the_wait(core: Core) -> None:
    a, b, c = [await _book(core, n) for n in range(3)]
    await booking.cancel(core.ctx, citizen(2), str(c.appointment.id))
    core.clock.set(SLOT + timedelta(minutes=2))
    await queue.check_in(core.ctx, XIHU_CLERK, str(core.hall.id), a.appointment.code)
    core.clock.advance(minutes=10)
    await queue.call_next(core.ctx, XIHU_CLERK, str(core.hall.id))
    core.clock.set(SLOT + timedelta(minutes=31))
    await sweeps.mark_no_shows(core.ctx)
    rows = await queue.stats(core.ctx, XIHU_CLERK, str(core.hall.id), "2026-10-08", "2026-10-08")
    assert [(r["bookings"], r["check_ins"], r["no_shows"], r["cancellations"], int(r["mean_wait"])) for r in rows] == [(2, 1, 1, 1, 600)]
    assert b.appointment.id != a.appointment.id
    with pytest.raises(PermissionDenied):
        await queue.stats(core.ctx, NINGBO_CLERK, str(core.hall.id), "2026-10-08", "")


async def test_a_tenants_own_no_show_rules_apply_and_only_its_admins_set_them(core: Core) -> None:
    from services.appointment.service_layer import rules
    from tests.integration.appointment_support import XIHU_ADMIN

    with pytest.raises(PermissionDenied):
        await rules.set_rules(core.ctx, XIHU_CLERK, "xihu", {"no_show_limit": 2})
    with pytest.raises(Exception) as bad:
        await rules.set_rules(core.ctx, XIHU_ADMIN, "xihu", {"no_show_limit": 101})
    assert getattr(bad.value, "code", "") == "invalid_rules"
    view = await rules.set_rules(core.ctx, XIHU_ADMIN, "xihu", {"no_show_limit": 2, "block_days": 7})
    assert (view.own, view.effective.limit, view.effective.window_days, view.effective.block_days) == (
        {"no_show_limit": 2, "window_days": None, "block_days": 7}, 2, 90, 7)
    who = "twice"
    for start in (cst(2026, 10, 8, 9, 0), cst(2026, 10, 9, 9, 0)):
        await _book(core, who, start)
        core.clock.set(start + timedelta(minutes=30))
        await sweeps.mark_no_shows(core.ctx)
    with pytest.raises(FailedPrecondition) as exc:
        await _book(core, who, cst(2026, 10, 12, 9, 0))
    assert exc.value.code == "booking_blocked" and "2026-10-16" in str(exc.value)  # 7 days after 10-09 09:30
