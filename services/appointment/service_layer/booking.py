"""A citizen's bookings: book, read, list, cancel, reschedule.

Every seat is taken and given back in the transaction of the booking's change, on the
slot's counter row (adapters/halls.py: `SlotRepository`), so a slot is never oversold
however many book at once, and a reschedule racing a booking for the last seat lets
exactly one of them have it. A deadlock between two reschedules crossing the same two
slots is retried once; if it happens again the caller gets ABORTED.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import asyncpg

from mgov_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, Unavailable
from mgov_common.principal import Principal
from mgov_common.working_days import CST
from services.appointment.adapters.uow import UnitOfWork
from services.appointment.domain.booking import BOOKED, Appointment, new_code, request_hash
from services.appointment.domain.halls import Hall
from services.appointment.service_layer.context import DESK_ROLES, Context, person
from services.appointment.service_layer.halls import free_slots, load_hall, near, open_dates, parse_uuid, served

MAX_REQUEST_ID = 200
T = TypeVar("T")


@dataclass(frozen=True)
class AppointmentView:
    appointment: Appointment
    hall: Hall
    people_ahead: int = 0


async def _retry_deadlock(work: Callable[[], Awaitable[T]]) -> T:
    for attempt in range(2):
        try:
            return await work()
        except asyncpg.DeadlockDetectedError:
            if attempt:
                raise Unavailable("the booking collided with another; try again", code="busy", retry_after_s=1) from None
    raise AssertionError("unreachable")


async def view(uow: UnitOfWork, a: Appointment, hall: Hall | None = None) -> AppointmentView:
    hall = hall or await uow.halls.get(a.hall_id)
    assert hall is not None
    return AppointmentView(a, hall, await uow.appointments.ahead_of(a))


async def _slot_end(uow: UnitOfWork, hall: Hall, service_id: uuid.UUID, start: datetime | None, now: datetime) -> datetime:
    if start is None:
        raise InvalidArgument("slot_start_time is required", code="required", field="slot_start_time")
    svc = hall.service(service_id)
    assert svc is not None
    end = hall.slot_end(start, svc) if near(start, now) else None
    if end is None:
        raise InvalidArgument("no slot of this item starts then", code="slot_not_bookable", field="slot_start_time")
    if start.astimezone(CST).date() not in await open_dates(uow, hall, now):
        raise FailedPrecondition("that day cannot be booked (closed, or outside the booking period)", code="slot_not_bookable",
                                 field="slot_start_time")
    return end


async def _full(uow: UnitOfWork, hall: Hall, service_id: uuid.UUID, start: datetime, now: datetime) -> FailedPrecondition:
    svc = hall.service(service_id)
    assert svc is not None
    nxt = await free_slots(uow, hall, svc, start, now, 3)
    shown = ", ".join(s.start.astimezone(CST).strftime("%m-%d %H:%M") for s in nxt) or "none in the booking period"
    return FailedPrecondition(f"the slot is full; next free: {shown}", code="slot_full", field="slot_start_time")


async def _check_may_book(uow: UnitOfWork, hall: Hall, citizen: str, service_id: uuid.UUID, now: datetime) -> None:
    until = await uow.blocks.until(hall.tenant_id, citizen)
    if until is not None and until > now:
        day = until.astimezone(CST).date().isoformat()
        raise FailedPrecondition(f"too many missed appointments: booking is blocked until {day}", code="booking_blocked")
    if await uow.appointments.active_of(citizen, service_id) is not None:
        raise FailedPrecondition("you already have an appointment for this item; cancel or reschedule it", code="already_booked")


async def book(ctx: Context, principal: Principal, hall_id: str, service_id: str, start: datetime | None,
               application_id: str, request_id: str, token: str | None = None) -> AppointmentView:
    """`token` is the caller's own, to show the workflow service that a linked case is theirs."""
    person(principal)
    if len(request_id) > MAX_REQUEST_ID:
        raise InvalidArgument("the idempotency key is too long", code="too_long", field="request_id")
    app_id = parse_uuid(application_id, "application_id", "case id") if application_id else None
    if app_id is not None and await ctx.cases.applicant_of(str(app_id), token) != principal.subject:
        raise NotFound("no case of yours with this id", code="case_not_found", field="application_id")

    async def attempt() -> AppointmentView:
        now = ctx.clock.now()
        async with ctx.uow() as uow:
            hall = await load_hall(uow, hall_id)
            svc = served(hall, service_id)
            digest = request_hash(hall.id, svc.service_id, start, app_id) if start else ""
            if request_id:
                prior = await uow.appointments.by_request(principal.subject, request_id)
                if prior is not None:
                    if prior.request_hash != digest:
                        raise AlreadyExists("this Idempotency-Key was used for another booking", code="idempotency_key_reused",
                                            field="request_id")
                    return await view(uow, prior)
            end = await _slot_end(uow, hall, svc.service_id, start, now)
            assert start is not None
            await _check_may_book(uow, hall, principal.subject, svc.service_id, now)
            if not await uow.slots.take_seat(hall.id, svc.service_id, start, end, svc.capacity):
                raise await _full(uow, hall, svc.service_id, start, now)
            a = Appointment(uuid.uuid4(), hall.tenant_id, hall.id, svc.service_id, principal.subject, start, end, BOOKED,
                            new_code(), now, app_id, request_id, digest)
            a.booked()
            await uow.appointments.add(a)
            await uow.commit()
            return AppointmentView(a, hall)

    for _ in range(3):
        try:
            return await _retry_deadlock(attempt)
        except asyncpg.UniqueViolationError as exc:
            name = exc.constraint_name or ""
            if name == "appointments_one_active":
                raise FailedPrecondition("you already have an appointment for this item; cancel or reschedule it",
                                         code="already_booked") from None
            if name not in ("appointments_request", "appointments_code"):
                raise
            # A concurrent repeat of the same key committed first (its answer is read next
            # time round), or a code collided (a new one is drawn).
    raise Unavailable("the booking could not be stored; try again", code="busy", retry_after_s=1)


async def _own(uow: UnitOfWork, principal: Principal, appointment_id: str, *, for_update: bool) -> Appointment:
    a = await uow.appointments.get(parse_uuid(appointment_id, "appointment_id", "appointment id"), for_update=for_update)
    if a is None or a.citizen_id != principal.subject:
        raise NotFound("no such appointment", code="appointment_not_found")
    return a


async def get(ctx: Context, principal: Principal, appointment_id: str) -> AppointmentView:
    async with ctx.uow(begin=False) as uow:
        a = await uow.appointments.get(parse_uuid(appointment_id, "appointment_id", "appointment id"))
        if a is None or (a.citizen_id != principal.subject and not principal.roles_in(a.tenant_id) & DESK_ROLES):
            raise NotFound("no such appointment", code="appointment_not_found")
        return await view(uow, a)


async def list_mine(ctx: Context, principal: Principal, page_size: int) -> list[AppointmentView]:
    person(principal)
    limit = min(max(page_size or 50, 1), 200)
    async with ctx.uow(begin=False) as uow:
        halls: dict[uuid.UUID, Hall] = {}
        out = []
        for a in await uow.appointments.of_citizen(principal.subject, limit):
            if a.hall_id not in halls:
                halls[a.hall_id] = await load_hall(uow, str(a.hall_id))
            out.append(await view(uow, a, halls[a.hall_id]))
        return out


async def cancel(ctx: Context, principal: Principal, appointment_id: str) -> AppointmentView:
    person(principal)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        a = await _own(uow, principal, appointment_id, for_update=True)
        hall = await load_hall(uow, str(a.hall_id))
        svc = hall.service(a.service_id)
        a.cancel(now, hall.cutoff(a.start_at), labels={"hall_name": hall.name, "service_name": svc.service_name if svc else {}})
        await uow.slots.give_back(a.hall_id, a.service_id, a.start_at)
        await uow.appointments.save(a)
        await uow.commit()
        return AppointmentView(a, hall)


async def reschedule(ctx: Context, principal: Principal, appointment_id: str, start: datetime | None) -> AppointmentView:
    person(principal)

    async def attempt() -> AppointmentView:
        now = ctx.clock.now()
        async with ctx.uow() as uow:
            a = await _own(uow, principal, appointment_id, for_update=True)
            hall = await load_hall(uow, str(a.hall_id))
            svc = served(hall, str(a.service_id))
            end = await _slot_end(uow, hall, a.service_id, start, now)
            assert start is not None
            old = a.reschedule(start, end, now, hall.cutoff(a.start_at))
            if not await uow.slots.take_seat(hall.id, svc.service_id, start, end, svc.capacity):
                raise await _full(uow, hall, svc.service_id, start, now)
            await uow.slots.give_back(hall.id, svc.service_id, old)
            await uow.appointments.save(a)
            await uow.commit()
            return AppointmentView(a, hall)

    return await _retry_deadlock(attempt)
