"""Time-driven work, by the injected clock: no-shows and reminders.

- A booking not checked in by the end of its slot becomes a no-show; the no-show that
  reaches the tenant's limit in its window blocks the citizen's bookings in that tenant
  (`domain/rules.py`).
- A booking is reminded a day before and an hour before its slot, each once: the
  reminder's time is stored with the booking in the transaction of its event, so a
  second sweep (or a second replica: rows are locked with SKIP LOCKED) sends nothing
  again. The notify service turns the `reminded` event into messages and holds SMS and
  push until the citizen's quiet hours end.
"""

from __future__ import annotations

import asyncio
import logging
import uuid


from services.appointment.domain.halls import Hall
from services.appointment.domain.rules import DAY_BEFORE, REMINDERS, NoShowRules, due_reminder
from services.appointment.service_layer.context import Context

log = logging.getLogger(__name__)
BATCH = 200


async def mark_no_shows(ctx: Context) -> int:
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        found = await uow.appointments.ended_unchecked(now, BATCH)
        for a in found:
            a.mark_no_show(now)
            await uow.appointments.save(a)
            chain = [t.id for t in await uow.tenants.chain(a.tenant_id)] or [a.tenant_id]
            rules = NoShowRules.resolve(await uow.rules.chain(chain))
            count = await uow.appointments.no_shows_since(a.tenant_id, a.citizen_id, rules.window_start(now))
            until = rules.block_until(count, now)
            current = await uow.blocks.until(a.tenant_id, a.citizen_id)
            if until is not None and (current is None or current <= now):
                await uow.blocks.put(a.tenant_id, a.citizen_id, until, count, now)
                log.info("bookings blocked after no-shows", extra={"tenant": a.tenant_id, "no_shows": count})
        await uow.commit()
    return len(found)


async def send_reminders(ctx: Context) -> int:
    now = ctx.clock.now()
    sent = 0
    halls: dict[uuid.UUID, Hall | None] = {}
    async with ctx.uow() as uow:
        for a in await uow.appointments.due_for_reminder(now, now + REMINDERS[DAY_BEFORE], BATCH):
            kind = due_reminder(a.start_at, now, day_sent=a.reminded_day_at is not None, hour_sent=a.reminded_hour_at is not None)
            if kind is None:
                continue
            if a.hall_id not in halls:
                halls[a.hall_id] = await uow.halls.get(a.hall_id)
            hall = halls[a.hall_id]
            assert hall is not None
            svc = hall.service(a.service_id)
            a.remind(kind, now, hall.name, svc.service_name if svc else {"zh": "", "en": ""}, hall.address)
            await uow.appointments.save(a)
            sent += 1
        await uow.commit()
    return sent


async def run_once(ctx: Context) -> tuple[int, int]:
    return await mark_no_shows(ctx), await send_reminders(ctx)


async def run_forever(ctx: Context, poll_s: float) -> None:
    """The background loop (the runtime restarts it if it ever ends)."""
    while True:
        await run_once(ctx)
        await asyncio.sleep(poll_s)


