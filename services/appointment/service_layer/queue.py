"""The hall's desk: check-in by booking code, the day's queue, calling the next ticket,
and the hall's figures.

Tickets are numbered per hall and day from 1 in check-in order. Calling locks the day's
queue row, so two windows calling at once take two different tickets. After each
commit the citizens still waiting are sent their new place on their live subject
(best effort: the app also reads it with the appointment).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound
from mgov_common.principal import Principal
from mgov_common.working_days import local_date
from services.appointment.domain.booking import Appointment, parse_code
from services.appointment.service_layer.booking import AppointmentView
from services.appointment.service_layer.context import Context, require_desk
from services.appointment.service_layer.halls import load_hall, parse_date

MAX_STATS_DAYS = 92


@dataclass(frozen=True)
class QueueView:
    hall_id: uuid.UUID
    day: date
    waiting: list[Appointment]
    last_called: int


async def _announce(ctx: Context, hall_id: uuid.UUID, day: date, changed: list[Appointment]) -> None:
    """Each waiting citizen's place (and the changed bookings' own state), after the commit."""
    async with ctx.uow(begin=False) as uow:
        waiting = await uow.appointments.waiting(hall_id, day)
        last = await uow.appointments.last_called(hall_id, day)
    updates: list[dict[str, Any]] = []
    for i, a in enumerate(waiting):
        updates.append(_update(a, i, last))
    waiting_ids = {a.id for a in waiting}
    updates += [_update(a, 0, last) for a in changed if a.id not in waiting_ids]
    await ctx.live.publish(updates)


def _update(a: Appointment, ahead: int, last_called: int) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kind": "queue", "recipient_id": a.citizen_id, "appointment_id": str(a.id),
            "hall_id": str(a.hall_id), "status": a.status, "ticket_number": a.ticket or 0, "people_ahead": ahead,
            "last_called": last_called}


async def check_in(ctx: Context, principal: Principal, hall_id: str, raw_code: str) -> AppointmentView:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        hall = await load_hall(uow, hall_id)
        require_desk(principal, hall.tenant_id)
        code = parse_code(raw_code, hall.id)
        a = await uow.appointments.by_code(hall.id, code)
        if a is None:
            raise NotFound("no appointment with this code at this hall", code="appointment_not_found", field="code")
        a.check_in(now, await uow.appointments.next_ticket(hall.id, a.day))
        await uow.appointments.save(a)
        await uow.commit()
        ahead = await uow.appointments.ahead_of(a)
    await _announce(ctx, hall.id, a.day, [a])
    return AppointmentView(a, hall, ahead)


async def call_next(ctx: Context, principal: Principal, hall_id: str) -> AppointmentView:
    now = ctx.clock.now()
    day = local_date(now)
    async with ctx.uow() as uow:
        hall = await load_hall(uow, hall_id)
        require_desk(principal, hall.tenant_id)
        await uow.appointments.lock_queue(hall.id, day)
        first = await uow.appointments.waiting(hall.id, day, first_locked=True)
        if not first:
            raise FailedPrecondition("nobody is waiting", code="queue_empty")
        a = first[0]
        a.call(now)
        await uow.appointments.set_called(hall.id, day, a.ticket or 0)
        await uow.appointments.save(a)
        await uow.commit()
    await _announce(ctx, hall.id, day, [a])
    return AppointmentView(a, hall, 0)


async def get_queue(ctx: Context, principal: Principal, hall_id: str) -> QueueView:
    day = local_date(ctx.clock.now())
    async with ctx.uow(begin=False) as uow:
        hall = await load_hall(uow, hall_id)
        require_desk(principal, hall.tenant_id)
        return QueueView(hall.id, day, await uow.appointments.waiting(hall.id, day), await uow.appointments.last_called(hall.id, day))


async def stats(ctx: Context, principal: Principal, hall_id: str, start: str, end: str) -> list[dict[str, Any]]:
    today = local_date(ctx.clock.now())
    lo = parse_date(start, "start_date") if start else today
    hi = parse_date(end, "end_date") if end else lo
    if hi < lo or (hi - lo).days > MAX_STATS_DAYS:
        raise InvalidArgument(f"end_date is on or after start_date, at most {MAX_STATS_DAYS} days later", code="out_of_range",
                              field="end_date")
    async with ctx.uow(begin=False) as uow:
        hall = await load_hall(uow, hall_id)
        require_desk(principal, hall.tenant_id)
        return await uow.appointments.stats(hall.id, lo, hi)
