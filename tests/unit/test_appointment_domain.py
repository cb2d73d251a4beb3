"""The appointment service's pure rules: slots from opening hours, 调休 days' hours, the
booking code and QR text, no-show blocks and when reminders are due."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from mgov_common.errors import FailedPrecondition, InvalidArgument
from mgov_common.working_days import CST, WorkingCalendar
from services.appointment.domain.booking import CODE_ALPHABET, new_code, parse_code, qr_payload
from services.appointment.domain.halls import bookable_dates, validate_hall
from services.appointment.domain.rules import NoShowRules, due_reminder

pytestmark = pytest.mark.unit
NOW = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
ITEM = str(uuid.uuid4())


def hall(**over: object):  # type: ignore[no-untyped-def]
    raw = {"name": {"zh": "大厅"}, "windows": 3, "booking_days": 5, "cancel_cutoff_minutes": 60,
           "opening_hours": [{"weekday": 1, "open": "09:00", "close": "12:00"}, {"weekday": 1, "open": "13:30", "close": "17:00"},
                             {"weekday": 4, "open": "09:00", "close": "10:45"}],
           "services": [{"service_id": ITEM, "service_name": {"zh": "事项"}, "slot_minutes": 30, "capacity": 3}]}
    raw.update(over)
    return validate_hall(raw, hall_id=uuid.uuid4(), tenant_id="xihu", now=NOW)


def test_slots_are_cut_from_each_opening_range_and_a_short_remainder_is_not_offered() -> None:
    h = hall()
    thursday = [s.astimezone(CST).strftime("%H:%M") for s, _ in h.slots_on(date(2026, 10, 8), h.services[0])]
    assert thursday == ["09:00", "09:30", "10:00"]  # 10:30–10:45 is too short
    assert len(h.slots_on(date(2026, 10, 12), h.services[0])) == 6 + 7


def test_a_weekend_day_without_hours_of_its_own_opens_with_mondays() -> None:
    h = hall()
    assert h.hours_weekday(date(2026, 10, 10)) == 1  # a Saturday
    assert h.hours_weekday(date(2026, 10, 8)) == 4


def test_bookable_dates_skip_holidays_and_keep_tiaoxiu_days() -> None:
    cal = WorkingCalendar({date(2026, 10, d): False for d in (1, 2, 5, 6, 7)} | {date(2026, 10, 10): True})
    assert bookable_dates(cal, date(2026, 9, 30), 3) == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]


def test_a_hall_names_every_bad_field() -> None:
    with pytest.raises(InvalidArgument) as exc:
        hall(windows=0, opening_hours=[{"weekday": 8, "open": "25:00", "close": "09:00"},
                                       {"weekday": 1, "open": "09:00", "close": "12:00"}, {"weekday": 1, "open": "11:00", "close": "13:00"}],
             services=[{"service_id": "x", "slot_minutes": 30, "capacity": 1}])
    fields = {v.field for v in exc.value.violations}
    assert {"hall.windows", "hall.opening_hours[0].weekday", "hall.opening_hours[0].open", "hall.opening_hours[2]",
            "hall.services[0].service_id"} <= fields


def test_a_booking_code_is_read_as_typed_or_from_the_qr_of_its_own_hall_only() -> None:
    hall_id = uuid.uuid4()
    code = new_code()
    assert len(code) == 8 and set(code) <= set(CODE_ALPHABET)
    assert parse_code(f" {code[:4].lower()}-{code[4:]} ", hall_id) == code
    assert parse_code(qr_payload(hall_id, code), hall_id) == code
    with pytest.raises(FailedPrecondition):
        parse_code(qr_payload(uuid.uuid4(), code), hall_id)
    for bad in ("", "O0O0O0O0", "ABC", "mgov-appointment:x", "1" * 500):
        with pytest.raises(InvalidArgument):
            parse_code(bad, hall_id)


def test_the_no_show_that_reaches_the_limit_starts_the_block() -> None:
    rules = NoShowRules.resolve([{"no_show_limit": None, "window_days": 60}, {"no_show_limit": 2, "block_days": 7}])
    assert rules == NoShowRules(limit=2, window_days=60, block_days=7)
    assert rules.block_until(1, NOW) is None
    assert rules.block_until(2, NOW) == NOW + timedelta(days=7)
    assert NoShowRules.resolve([]) == NoShowRules(3, 90, 30)


@pytest.mark.parametrize(("before", "day_sent", "hour_sent", "due"), [
    (timedelta(days=1, seconds=1), False, False, None),
    (timedelta(days=1), False, False, "day_before"),
    (timedelta(hours=5), True, False, None),
    (timedelta(hours=1), True, False, "hour_before"),
    (timedelta(minutes=30), False, False, "hour_before"),
    (timedelta(minutes=30), True, True, None),
    (timedelta(0), False, False, None),
])
def test_a_reminder_is_due_once_at_each_time(before: timedelta, day_sent: bool, hour_sent: bool, due: str | None) -> None:
    start = NOW + timedelta(days=3)
    assert due_reminder(start, start - before, day_sent=day_sent, hour_sent=hour_sent) == due
