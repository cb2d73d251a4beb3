"""Booking a hall's slot against the real PostgreSQL: never oversold, however many book
at once; a reschedule racing a booking for the last seat; the working calendar's holidays
and 调休 days; idempotency; one active booking per item; cancel and its cut-off."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from mgov_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from mgov_common.working_days import CST
from services.appointment.service_layer import booking, halls
from tests.integration.appointment_support import ITEM, OTHER_ITEM, Core, citizen, core  # noqa: F401

pytestmark = pytest.mark.asyncio


def cst(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:  # a time at the hall
    return datetime(y, mo, d, h, mi, tzinfo=CST).astimezone(UTC)


SLOT = cst(2026, 10, 8, 9, 0)  # Thursday after the 国庆 holidays


async def _book(core: Core, who: int | str, start: datetime = SLOT, item: object = ITEM, key: str = "") -> object:
    return await booking.book(core.ctx, citizen(who), str(core.hall.id), str(item), start, "", key)


async def test_two_hundred_concurrent_bookings_of_a_three_seat_slot_seat_exactly_three(core: Core) -> None:
    results = await asyncio.gather(*(_book(core, n) for n in range(200)), return_exceptions=True)
    won = [r for r in results if isinstance(r, booking.AppointmentView)]
    lost = [r for r in results if not isinstance(r, booking.AppointmentView)]
    assert len(won) == 3
    assert len(lost) == 197 and all(isinstance(e, FailedPrecondition) and e.code == "slot_full" for e in lost), \
        {type(e).__name__ + ":" + getattr(e, "code", "") for e in lost}
    assert "next free: 10-08 09:30" in str(lost[0])  # the next slots are suggested
    row = await core.pool.fetchrow("SELECT capacity, booked FROM slots WHERE start_at = $1 AND service_id = $2", SLOT, ITEM)
    assert (row["capacity"], row["booked"]) == (3, 3)
    assert await core.pool.fetchval("SELECT count(*) FROM appointments WHERE start_at = $1 AND status = 'booked'", SLOT) == 3
    slots, _ = await halls.list_slots(core.ctx, str(core.hall.id), str(ITEM), "2026-10-08")
    assert (slots[0].booked, slots[0].available) == (3, 0)


async def test_a_reschedule_racing_a_booking_for_the_last_seat_gives_it_to_exactly_one(core: Core) -> None:
    for round_ in range(6):  # the six morning slots
        target = cst(2026, 10, 9, 9, 0) + timedelta(minutes=30 * round_)
        mover = await _book(core, f"mover-{round_}", SLOT + timedelta(minutes=30 * round_))
        for n in range(2):  # two of the three seats are gone
            await _book(core, f"early-{round_}-{n}", target)
        move = booking.reschedule(core.ctx, citizen(f"mover-{round_}"), str(mover.appointment.id), target)  # type: ignore[attr-defined]
        book = _book(core, f"late-{round_}", target)
        moved, booked = await asyncio.gather(move, book, return_exceptions=True)
        outcomes = [isinstance(moved, booking.AppointmentView), isinstance(booked, booking.AppointmentView)]
        assert outcomes.count(True) == 1, (moved, booked)
        loser = booked if outcomes[0] else moved
        assert isinstance(loser, FailedPrecondition) and loser.code == "slot_full"
        counts = {r["start_at"]: r["booked"] for r in await core.pool.fetch(
            "SELECT start_at, booked FROM slots WHERE service_id = $1 AND start_at = ANY($2::timestamptz[])", ITEM,
            [target, SLOT + timedelta(minutes=30 * round_)])}
        assert counts[target] == 3
        # the seat the mover held is given back only if the move won
        assert counts[SLOT + timedelta(minutes=30 * round_)] == (0 if outcomes[0] else 1)
        real = await core.pool.fetch("SELECT start_at, count(*) AS n FROM appointments WHERE status = 'booked' GROUP BY start_at")
        assert {r["start_at"]: r["n"] for r in real}.get(target) == 3


async def test_slots_skip_the_seeded_holidays_and_include_the_tiaoxiu_working_saturday(core: Core) -> None:
    _, dates = await halls.list_slots(core.ctx, str(core.hall.id), str(ITEM), "")
    # from Wednesday 09-30: 10-01..07 are 国庆 holidays and a weekend; 10-10 is a Saturday worked (调休)
    assert [d.isoformat() for d in dates] == ["2026-10-08", "2026-10-09", "2026-10-10"]
    saturday, _ = await halls.list_slots(core.ctx, str(core.hall.id), str(ITEM), "2026-10-10")
    assert [s.start.astimezone(CST).strftime("%H:%M") for s in saturday][:3] == ["09:00", "09:30", "10:00"]
    assert len(saturday) == 6 + 7  # Monday's hours: 09:00–12:00 and 13:30–17:00 in 30-minute slots
    holiday, _ = await halls.list_slots(core.ctx, str(core.hall.id), str(ITEM), "2026-10-01")
    assert holiday == []
    with pytest.raises(FailedPrecondition) as exc:
        await _book(core, 1, cst(2026, 10, 1, 9, 0))
    assert exc.value.code == "slot_not_bookable"
    assert (await _book(core, 1, cst(2026, 10, 10, 9, 0))).appointment.status == "booked"  # type: ignore[attr-defined]


async def test_a_repeated_idempotency_key_answers_the_same_booking_and_another_body_is_refused(core: Core) -> None:
    first = await _book(core, 7, key="k-1")
    again = await _book(core, 7, key="k-1")
    assert again.appointment.id == first.appointment.id  # type: ignore[attr-defined]
    with pytest.raises(AlreadyExists) as exc:
        await _book(core, 7, SLOT + timedelta(minutes=30), key="k-1")
    assert exc.value.code == "idempotency_key_reused"
    assert await core.pool.fetchval("SELECT booked FROM slots WHERE start_at = $1 AND service_id = $2", SLOT, ITEM) == 1


async def test_one_active_booking_per_citizen_and_item(core: Core) -> None:
    await _book(core, 8)
    with pytest.raises(FailedPrecondition) as exc:
        await _book(core, 8, SLOT + timedelta(minutes=30))
    assert exc.value.code == "already_booked"
    assert (await _book(core, 8, SLOT, OTHER_ITEM)).appointment.status == "booked"  # type: ignore[attr-defined]


async def test_cancelling_gives_the_seat_back_until_the_cutoff(core: Core) -> None:
    a = await _book(core, 9)
    b = await _book(core, 10, SLOT + timedelta(minutes=30))
    cancelled = await booking.cancel(core.ctx, citizen(9), str(a.appointment.id))  # type: ignore[attr-defined]
    assert cancelled.appointment.status == "cancelled"
    assert await core.pool.fetchval("SELECT booked FROM slots WHERE start_at = $1 AND service_id = $2", SLOT, ITEM) == 0
    events = await core.outbox("appointment.cancelled")
    assert events[0].data["reason"] == "citizen" and events[0].data["hall_name"]["zh"] == "西湖区政务服务中心"
    core.clock.set(SLOT + timedelta(minutes=1))  # 08:31 is past the 60-minute cut-off of the 09:30 slot
    with pytest.raises(FailedPrecondition) as exc:
        await booking.cancel(core.ctx, citizen(10), str(b.appointment.id))  # type: ignore[attr-defined]
    assert exc.value.code == "past_cutoff"


async def test_another_citizen_cannot_see_or_cancel_a_booking(core: Core) -> None:
    a = await _book(core, 11)
    for call in (booking.get(core.ctx, citizen(12), str(a.appointment.id)),  # type: ignore[attr-defined]
                 booking.cancel(core.ctx, citizen(12), str(a.appointment.id))):  # type: ignore[attr-defined]
        with pytest.raises(Exception) as exc:
            await call
        assert getattr(exc.value, "code", "") == "appointment_not_found"


async def test_a_slot_that_does_not_start_at_a_slot_boundary_is_refused(core: Core) -> None:
    with pytest.raises(InvalidArgument) as exc:
        await _book(core, 13, SLOT + timedelta(minutes=10))
    assert exc.value.code == "slot_not_bookable"


async def test_closing_a_slot_cancels_its_bookings_latest_first_and_tells_them(core: Core) -> None:
    from tests.integration.appointment_support import XIHU_CLERK

    for n in range(3):
        await _book(core, f"c{n}")
        core.clock.advance(seconds=1)
    view = await halls.set_slot_capacity(core.ctx, XIHU_CLERK, str(core.hall.id), str(ITEM), SLOT, 1, "窗口检修")
    assert (view.capacity, view.booked) == (1, 1)
    left = await core.pool.fetch("SELECT citizen_id FROM appointments WHERE start_at = $1 AND status = 'booked'", SLOT)
    assert [r["citizen_id"] for r in left] == ["citizen-c0"]
    cancelled = await core.outbox("appointment.cancelled")
    assert sorted(e.data["citizen_id"] for e in cancelled) == ["citizen-c1", "citizen-c2"]
    assert {e.data["reason"] for e in cancelled} == {"hall_changed"} and cancelled[0].data["note"] == "窗口检修"
    with pytest.raises(FailedPrecondition) as exc:
        await _book(core, "c9")
    assert exc.value.code == "slot_full"


async def test_times_at_the_ends_of_the_timestamp_range_are_refused_not_failed(core: Core) -> None:
    from tests.integration.appointment_support import XIHU_CLERK

    for when in (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)):
        with pytest.raises(InvalidArgument):
            await _book(core, 1, when)
        with pytest.raises(InvalidArgument):
            await halls.set_slot_capacity(core.ctx, XIHU_CLERK, str(core.hall.id), str(ITEM), when, 0, "")
        assert [s.start for s in await halls.find_free_slots(core.ctx, str(core.hall.id), str(ITEM), when, 1)] == [SLOT]


async def test_closing_a_day_cancels_every_booking_of_it_and_no_seat_is_left(core: Core) -> None:
    from tests.integration.appointment_support import NINGBO_CLERK, XIHU_CLERK

    await _book(core, "d1")
    await _book(core, "d2", SLOT + timedelta(hours=5), OTHER_ITEM)
    kept = await _book(core, "d3", cst(2026, 10, 9, 9, 0))
    with pytest.raises(Exception) as refused:
        await halls.close_day(core.ctx, NINGBO_CLERK, str(core.hall.id), "2026-10-08", "")
    assert getattr(refused.value, "code", "") == "not_hall_staff"
    with pytest.raises(FailedPrecondition):
        await halls.close_day(core.ctx, XIHU_CLERK, str(core.hall.id), "2026-09-30", "")  # today
    day, cancelled = await halls.close_day(core.ctx, XIHU_CLERK, str(core.hall.id), "2026-10-08", "系统升级")
    assert (day.isoformat(), cancelled) == ("2026-10-08", 2)
    assert {e.data["citizen_id"] for e in await core.outbox("appointment.cancelled")} == {"citizen-d1", "citizen-d2"}
    slots, _ = await halls.list_slots(core.ctx, str(core.hall.id), str(ITEM), "2026-10-08")
    assert slots and all(s.available == 0 for s in slots)
    with pytest.raises(FailedPrecondition) as full:
        await _book(core, "d4")
    assert full.value.code == "slot_full"
    assert (await booking.get(core.ctx, citizen("d3"), str(kept.appointment.id))).appointment.status == "booked"  # type: ignore[attr-defined]
