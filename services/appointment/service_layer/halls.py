"""Halls and their slots: create, list, the slots of a day, free-slot suggestions, and a
hall's change of one slot's capacity (closing it with 0)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound
from mgov_common.principal import Principal
from mgov_common.working_days import WorkingCalendar, local_date
from services.appointment.adapters.uow import UnitOfWork
from services.appointment.domain.halls import Hall, HallService, bookable_dates, validate_hall
from services.appointment.service_layer.context import Context, require_admin, require_desk

CALENDAR_AHEAD_DAYS = 200
MAX_SUGGESTIONS = 10
# Times further than this from now name no slot (and are never converted to a hall's
# zone: 9999-12-31T23:59Z in China Standard Time is past the last datetime).
HORIZON = timedelta(days=400)


def near(when: datetime, now: datetime) -> bool:
    return now - HORIZON < when < now + HORIZON


@dataclass(frozen=True)
class SlotView:
    hall_id: uuid.UUID
    service_id: uuid.UUID
    start: datetime
    end: datetime
    capacity: int
    booked: int

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.booked)


def parse_uuid(raw: str, field: str, what: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (ValueError, TypeError, AttributeError):
        raise InvalidArgument(f"{field} is not a valid {what}", code="invalid_id", field=field) from None


def parse_date(raw: str, field: str = "date") -> date:
    try:
        return date.fromisoformat(raw)
    except (ValueError, TypeError):
        raise InvalidArgument("a date is YYYY-MM-DD", code="invalid_date", field=field) from None


async def create_hall(ctx: Context, principal: Principal, raw: dict[str, Any]) -> Hall:
    tenant = str(raw.get("tenant_id") or "")
    if not tenant:
        raise InvalidArgument("tenant_id is required", code="required", field="hall.tenant_id")
    async with ctx.uow() as uow:
        if not await uow.tenants.chain(tenant):
            raise NotFound(f"no tenant {tenant!r}", code="tenant_not_found", field="hall.tenant_id")
        await require_admin(uow, principal, tenant)
        hall = validate_hall(raw, hall_id=uuid.uuid4(), tenant_id=tenant, now=ctx.clock.now())
        await uow.halls.add(hall)
        await uow.commit()
    return hall


async def get_hall(ctx: Context, hall_id: str) -> Hall:
    async with ctx.uow(begin=False) as uow:
        return await load_hall(uow, hall_id)


async def load_hall(uow: UnitOfWork, hall_id: str) -> Hall:
    hall = await uow.halls.get(parse_uuid(hall_id, "hall_id", "hall id"))
    if hall is None:
        raise NotFound("no such hall", code="hall_not_found")
    return hall


def served(hall: Hall, service_id: str) -> HallService:
    svc = hall.service(parse_uuid(service_id, "service_id", "item id"))
    if svc is None:
        raise NotFound("this hall does not take appointments for that item", code="service_not_at_hall", field="service_id")
    return svc


async def list_halls(ctx: Context, tenant_id: str, service_id: str) -> list[Hall]:
    sid = parse_uuid(service_id, "service_id", "item id") if service_id else None
    async with ctx.uow(begin=False) as uow:
        tenants = await uow.tenants.subtree(tenant_id) if tenant_id else []
        if tenant_id and not tenants:
            tenants = [tenant_id]
        if not tenant_id:
            raise InvalidArgument("tenant_id is required", code="required", field="tenant_id")
        return await uow.halls.in_tenants(tenants, sid)


async def calendar_of(uow: UnitOfWork, tenant_id: str, today: date) -> WorkingCalendar:
    chain = [t.id for t in await uow.tenants.chain(tenant_id)] or [tenant_id]
    return await uow.calendars.calendar(chain, today - timedelta(days=1), today + timedelta(days=CALENDAR_AHEAD_DAYS))


async def open_dates(uow: UnitOfWork, hall: Hall, now: datetime) -> list[date]:
    today = local_date(now)
    return bookable_dates(await calendar_of(uow, hall.tenant_id, today), today, hall.booking_days)


async def slots_of_day(uow: UnitOfWork, hall: Hall, svc: HallService, d: date) -> list[SlotView]:
    made = hall.slots_on(d, svc)
    if not made:
        return []
    counters = await uow.slots.counters(hall.id, svc.service_id, made[0][0], made[-1][1])
    out = []
    for start, end in made:
        capacity, booked = counters.get(start, (svc.capacity, 0))
        out.append(SlotView(hall.id, svc.service_id, start, end, capacity, booked))
    return out


async def list_slots(ctx: Context, hall_id: str, service_id: str, day: str) -> tuple[list[SlotView], list[date]]:
    async with ctx.uow(begin=False) as uow:
        hall = await load_hall(uow, hall_id)
        svc = served(hall, service_id)
        dates = await open_dates(uow, hall, ctx.clock.now())
        if not day:
            return [], dates
        d = parse_date(day)
        return (await slots_of_day(uow, hall, svc, d) if d in dates else []), dates


async def free_slots(uow: UnitOfWork, hall: Hall, svc: HallService, after: datetime, now: datetime, limit: int) -> list[SlotView]:
    out: list[SlotView] = []
    for d in await open_dates(uow, hall, now):
        if d < local_date(after):
            continue
        out += [s for s in await slots_of_day(uow, hall, svc, d) if s.start > after and s.available > 0]
        if len(out) >= limit:
            break
    return out[:limit]


async def find_free_slots(ctx: Context, hall_id: str, service_id: str, after: datetime | None, limit: int) -> list[SlotView]:
    limit = min(max(limit or 3, 1), MAX_SUGGESTIONS)
    now = ctx.clock.now()
    after = after if after is not None and near(after, now) else now
    async with ctx.uow(begin=False) as uow:
        hall = await load_hall(uow, hall_id)
        return await free_slots(uow, hall, served(hall, service_id), after, now, limit)


async def set_slot_capacity(ctx: Context, principal: Principal, hall_id: str, service_id: str, start: datetime | None,
                            capacity: int, reason: str) -> SlotView:
    """Change one slot's seats. Bookings beyond the new capacity are cancelled, latest
    first, as `hall_changed` (their holders are notified from the events)."""
    if start is None:
        raise InvalidArgument("start_time is required", code="required", field="start_time")
    if not 0 <= capacity <= 1000:
        raise InvalidArgument("capacity is 0 (closed) to 1000", code="out_of_range", field="capacity")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        hall = await load_hall(uow, hall_id)
        require_desk(principal, hall.tenant_id)
        svc = served(hall, service_id)
        end = hall.slot_end(start, svc) if near(start, now) else None
        if end is None or end <= now:
            raise InvalidArgument("no future slot of this item starts then", code="slot_not_found", field="start_time")
        cap, left, _ = await _set_capacity(uow, hall, svc, start, end, capacity, reason, now)
        await uow.commit()
    return SlotView(hall.id, svc.service_id, start, end, cap, left)


async def _set_capacity(uow: UnitOfWork, hall: Hall, svc: HallService, start: datetime, end: datetime, capacity: int, reason: str,
                        now: datetime) -> tuple[int, int, int]:
    """Lock the slot's counter, cancel what no longer fits (latest bookings first, as
    `hall_changed`), write the capacity; (capacity, booked, cancelled)."""
    booked = await uow.slots.set_capacity(hall.id, svc.service_id, start, end, capacity, svc.capacity)
    cancelled = 0
    if booked > capacity:
        for a in (await uow.appointments.in_slot_latest_first(hall.id, svc.service_id, start))[:booked - capacity]:
            a.cancel(now, now, reason="hall_changed", by_hall=True,
                     labels={"hall_name": hall.name, "service_name": svc.service_name, "note": reason[:200]})
            await uow.appointments.save(a)
            cancelled += 1
    cap, left = await uow.slots.write_capacity(hall.id, svc.service_id, start, capacity, min(booked, capacity))
    return cap, left, cancelled


async def close_day(ctx: Context, principal: Principal, hall_id: str, day: str, reason: str) -> tuple[date, int]:
    """Close every slot of a future day (all items); returns the day and the bookings cancelled."""
    d = parse_date(day)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        hall = await load_hall(uow, hall_id)
        require_desk(principal, hall.tenant_id)
        if not local_date(now) < d <= local_date(now + HORIZON):
            raise FailedPrecondition("only a day after today (within the booking horizon) can be closed", code="not_future",
                                     field="date")
        cancelled = 0
        for svc in hall.services:
            for start, end in hall.slots_on(d, svc):
                cancelled += (await _set_capacity(uow, hall, svc, start, end, 0, reason, now))[2]
        await uow.commit()
    return d, cancelled
