"""Service halls (政务服务大厅): opening hours, the items they serve, and the slots those
make on a working day.

A hall is open in one or more ranges per ISO weekday ("09:00"–"12:00", "13:30"–"17:00"),
China Standard Time; a weekend day the calendar declares working (调休) without hours
of its own opens with Monday's. An item served at a hall has a slot length and a number of seats
per slot (typically the windows that handle it). Slots are cut from each opening range
from its start; a remainder shorter than a slot is not offered. Which days are open at
all is the tenant's working calendar (holidays closed, 调休 Saturdays open), applied by
the caller: this module only knows weekdays and hours.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from mgov_common.errors import FieldViolation, InvalidArgument
from mgov_common.working_days import CST, WorkingCalendar

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_RANGES = 21  # three ranges a day is already generous
MAX_SERVICES = 200


@dataclass(frozen=True)
class OpeningRange:
    weekday: int  # ISO: 1 Monday … 7 Sunday
    open: time
    close: time

    def to_dict(self) -> dict[str, Any]:
        return {"weekday": self.weekday, "open": self.open.strftime("%H:%M"), "close": self.close.strftime("%H:%M")}


@dataclass(frozen=True)
class HallService:
    service_id: uuid.UUID
    service_name: dict[str, str]
    slot_minutes: int
    capacity: int


@dataclass
class Hall:
    id: uuid.UUID
    tenant_id: str
    name: dict[str, str]
    address: str
    latitude: float
    longitude: float
    opening_hours: list[OpeningRange]
    windows: int
    booking_days: int
    cancel_cutoff_minutes: int
    services: list[HallService] = field(default_factory=list)
    created_at: datetime | None = None

    def service(self, service_id: uuid.UUID) -> HallService | None:
        return next((s for s in self.services if s.service_id == service_id), None)

    def hours_weekday(self, d: date) -> int:
        """Whose hours a day opens with: its own weekday's, or for a weekend day without
        hours of its own (a 调休 working Saturday, when the calendar opens it) Monday's."""
        wd = d.isoweekday()
        if wd <= 5 or any(r.weekday == wd for r in self.opening_hours):
            return wd
        return 1

    def slots_on(self, d: date, service: HallService) -> list[tuple[datetime, datetime]]:
        """The slots of `service` on `d` from the opening hours (the calendar is the caller's)."""
        out: list[tuple[datetime, datetime]] = []
        step = timedelta(minutes=service.slot_minutes)
        for r in sorted((r for r in self.opening_hours if r.weekday == self.hours_weekday(d)), key=lambda r: r.open):
            start = datetime.combine(d, r.open, CST)
            close = datetime.combine(d, r.close, CST)
            while start + step <= close:
                out.append((start.astimezone(UTC), (start + step).astimezone(UTC)))
                start += step
        return out

    def slot_end(self, start: datetime, service: HallService) -> datetime | None:
        """The end of the slot starting at `start`, or None when no slot starts then."""
        d = start.astimezone(CST).date()
        for s, e in self.slots_on(d, service):
            if s == start:
                return e
        return None

    def cutoff(self, start: datetime) -> datetime:
        return start - timedelta(minutes=self.cancel_cutoff_minutes)


def bookable_dates(calendar: WorkingCalendar, today: date, working_days: int) -> list[date]:
    """From tomorrow, the next `working_days` working days of the calendar."""
    out: list[date] = []
    d = today
    for _ in range(working_days * 4 + 30):  # holidays never stretch a horizon further
        if len(out) >= working_days:
            break
        d += timedelta(days=1)
        if calendar.is_working(d):
            out.append(d)
    return out


def _hhmm(raw: str, path: str, bad: list[FieldViolation]) -> time | None:
    m = _HHMM.match(raw or "")
    if not m:
        bad.append(FieldViolation(path, "format", "a time of day is HH:MM (00:00–23:59)"))
        return None
    return time(int(m.group(1)), int(m.group(2)))


def _text(raw: Any, path: str, bad: list[FieldViolation], *, required: bool) -> dict[str, str]:
    zh = str((raw or {}).get("zh", "")).strip() if isinstance(raw, dict) else ""
    en = str((raw or {}).get("en", "")).strip() if isinstance(raw, dict) else ""
    if required and not zh:
        bad.append(FieldViolation(f"{path}.zh", "required", "a Chinese name is required"))
    if len(zh) > 100 or len(en) > 200:
        bad.append(FieldViolation(path, "too_long", "names are at most 100 (zh) / 200 (en) characters"))
    return {"zh": zh, "en": en}


def validate_hall(raw: dict[str, Any], *, hall_id: uuid.UUID, tenant_id: str, now: datetime) -> Hall:
    """A hall from its API fields, every bad field named at once."""
    bad: list[FieldViolation] = []
    name = _text(raw.get("name"), "hall.name", bad, required=True)
    address = str(raw.get("address") or "").strip()
    if len(address) > 300:
        bad.append(FieldViolation("hall.address", "too_long", "at most 300 characters"))
    lat, lng = float(raw.get("latitude") or 0), float(raw.get("longitude") or 0)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        bad.append(FieldViolation("hall.latitude", "out_of_range", "latitude -90..90, longitude -180..180"))
    ranges: list[OpeningRange] = []
    hours = raw.get("opening_hours") or []
    if not hours:
        bad.append(FieldViolation("hall.opening_hours", "required", "a hall is open at some time"))
    if len(hours) > MAX_RANGES:
        bad.append(FieldViolation("hall.opening_hours", "too_many", f"at most {MAX_RANGES} ranges"))
    for i, h in enumerate(hours[:MAX_RANGES]):
        path = f"hall.opening_hours[{i}]"
        wd = int(h.get("weekday") or 0)
        if not 1 <= wd <= 7:
            bad.append(FieldViolation(f"{path}.weekday", "out_of_range", "1 (Monday) … 7 (Sunday)"))
        o, c = _hhmm(str(h.get("open") or ""), f"{path}.open", bad), _hhmm(str(h.get("close") or ""), f"{path}.close", bad)
        if o and c and o >= c:
            bad.append(FieldViolation(f"{path}.close", "before_open", "closes after it opens"))
        if o and c and 1 <= wd <= 7:
            for other in ranges:
                if other.weekday == wd and o < other.close and other.open < c:
                    bad.append(FieldViolation(path, "overlap", "ranges of one day do not overlap"))
            ranges.append(OpeningRange(wd, o, c))
    windows = int(raw.get("windows") or 0)
    if not 1 <= windows <= 500:
        bad.append(FieldViolation("hall.windows", "out_of_range", "1..500 windows"))
    booking_days = int(raw.get("booking_days") or 0)
    if not 1 <= booking_days <= 60:
        bad.append(FieldViolation("hall.booking_days", "out_of_range", "1..60 working days"))
    cutoff = int(raw.get("cancel_cutoff_minutes") or 0)
    if not 0 <= cutoff <= 10080:
        bad.append(FieldViolation("hall.cancel_cutoff_minutes", "out_of_range", "0..10080 minutes"))
    services: list[HallService] = []
    seen: set[uuid.UUID] = set()
    raw_services = raw.get("services") or []
    if len(raw_services) > MAX_SERVICES:
        bad.append(FieldViolation("hall.services", "too_many", f"at most {MAX_SERVICES} items"))
    for i, s in enumerate(raw_services[:MAX_SERVICES]):
        path = f"hall.services[{i}]"
        try:
            sid = uuid.UUID(str(s.get("service_id") or ""))
        except ValueError:
            bad.append(FieldViolation(f"{path}.service_id", "format", "an item id (UUID)"))
            continue
        if sid in seen:
            bad.append(FieldViolation(f"{path}.service_id", "duplicate", "an item is listed once"))
        seen.add(sid)
        minutes, capacity = int(s.get("slot_minutes") or 0), int(s.get("capacity") or 0)
        if not 5 <= minutes <= 240:
            bad.append(FieldViolation(f"{path}.slot_minutes", "out_of_range", "5..240 minutes"))
        if not 1 <= capacity <= 1000:
            bad.append(FieldViolation(f"{path}.capacity", "out_of_range", "1..1000 seats per slot"))
        services.append(HallService(sid, _text(s.get("service_name"), f"{path}.service_name", bad, required=True), minutes, capacity))
    if bad:
        raise InvalidArgument(f"invalid hall: {bad[0].field}: {bad[0].description}", code="invalid_hall", violations=bad)
    return Hall(hall_id, tenant_id, name, address, lat, lng, ranges, windows, booking_days, cutoff, services, now)
