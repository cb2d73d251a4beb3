"""Bookings, the halls' daily queues and no-show blocks, over asyncpg."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from services.appointment.domain.booking import CHECKED_IN, Appointment

_FIELDS = ("id", "tenant_id", "hall_id", "service_id", "citizen_id", "start_at", "end_at", "status", "code", "created_at",
           "application_id", "request_id", "request_hash", "ticket", "check_in_at", "call_at", "cancel_at", "no_show_at",
           "cancel_reason", "reminded_day_at", "reminded_hour_at", "version")
_COLS = ", ".join(_FIELDS)


def _appt(row: asyncpg.Record) -> Appointment:
    return Appointment(**{k: row[k] for k in _FIELDS})


class AppointmentRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.seen: list[Appointment] = []

    def _track(self, a: Appointment | None) -> Appointment | None:
        if a is not None:
            self.seen.append(a)
        return a

    async def add(self, a: Appointment) -> None:
        await self.conn.execute(
            f"INSERT INTO appointments ({_COLS}, day) VALUES ({', '.join(f'${i + 1}' for i in range(len(_FIELDS) + 1))})",
            *(getattr(a, k) for k in _FIELDS), a.day)
        self.seen.append(a)

    async def save(self, a: Appointment) -> None:
        await self.conn.execute(
            """UPDATE appointments SET start_at = $2, end_at = $3, day = $4, status = $5, ticket = $6, check_in_at = $7, call_at = $8,
                   cancel_at = $9, no_show_at = $10, cancel_reason = $11, reminded_day_at = $12, reminded_hour_at = $13, version = $14
               WHERE id = $1""",
            a.id, a.start_at, a.end_at, a.day, a.status, a.ticket, a.check_in_at, a.call_at, a.cancel_at, a.no_show_at,
            a.cancel_reason, a.reminded_day_at, a.reminded_hour_at, a.version)

    async def get(self, appointment_id: uuid.UUID, *, for_update: bool = False) -> Appointment | None:
        row = await self.conn.fetchrow(f"SELECT {_COLS} FROM appointments WHERE id = $1{' FOR UPDATE' if for_update else ''}", appointment_id)
        return self._track(_appt(row)) if row else None

    async def by_request(self, citizen_id: str, request_id: str) -> Appointment | None:
        row = await self.conn.fetchrow(f"SELECT {_COLS} FROM appointments WHERE citizen_id = $1 AND request_id = $2", citizen_id, request_id)
        return _appt(row) if row else None

    async def by_code(self, hall_id: uuid.UUID, code: str) -> Appointment | None:
        row = await self.conn.fetchrow(f"SELECT {_COLS} FROM appointments WHERE hall_id = $1 AND code = $2 FOR UPDATE", hall_id, code)
        return self._track(_appt(row)) if row else None

    async def active_of(self, citizen_id: str, service_id: uuid.UUID) -> Appointment | None:
        row = await self.conn.fetchrow(f"SELECT {_COLS} FROM appointments WHERE citizen_id = $1 AND service_id = $2 AND status = 'booked'",
                                       citizen_id, service_id)
        return _appt(row) if row else None

    async def of_citizen(self, citizen_id: str, limit: int) -> list[Appointment]:
        rows = await self.conn.fetch(
            f"""SELECT {_COLS} FROM appointments WHERE citizen_id = $1
                ORDER BY (status IN ('booked', 'checked_in')) DESC, start_at DESC LIMIT $2""", citizen_id, limit)
        return [_appt(r) for r in rows]

    async def in_slot_latest_first(self, hall_id: uuid.UUID, service_id: uuid.UUID, start: datetime) -> list[Appointment]:
        rows = await self.conn.fetch(
            f"""SELECT {_COLS} FROM appointments WHERE hall_id = $1 AND service_id = $2 AND start_at = $3 AND status = 'booked'
                ORDER BY created_at DESC, id FOR UPDATE""", hall_id, service_id, start)
        return [self._track(_appt(r)) for r in rows]  # type: ignore[misc]

    async def due_for_reminder(self, now: datetime, horizon: datetime, limit: int) -> list[Appointment]:
        """Booked, starting within the horizon, with a reminder still unsent (locked, skipping
        rows another worker holds)."""
        rows = await self.conn.fetch(
            f"""SELECT {_COLS} FROM appointments WHERE status = 'booked' AND start_at > $1 AND start_at <= $2
                AND reminded_hour_at IS NULL ORDER BY start_at LIMIT $3 FOR UPDATE SKIP LOCKED""", now, horizon, limit)
        return [self._track(_appt(r)) for r in rows]  # type: ignore[misc]

    async def ended_unchecked(self, now: datetime, limit: int) -> list[Appointment]:
        rows = await self.conn.fetch(
            f"""SELECT {_COLS} FROM appointments WHERE status = 'booked' AND end_at <= $1
                ORDER BY end_at LIMIT $2 FOR UPDATE SKIP LOCKED""", now, limit)
        return [self._track(_appt(r)) for r in rows]  # type: ignore[misc]

    async def no_shows_since(self, tenant_id: str, citizen_id: str, since: datetime) -> int:
        n: int = await self.conn.fetchval(
            "SELECT count(*) FROM appointments WHERE tenant_id = $1 AND citizen_id = $2 AND status = 'no_show' AND no_show_at > $3",
            tenant_id, citizen_id, since)
        return n

    # -- the queue
    async def next_ticket(self, hall_id: uuid.UUID, day: date) -> int:
        ticket: int = await self.conn.fetchval(
            """INSERT INTO queue_days (hall_id, day, last_ticket) VALUES ($1, $2, 1)
               ON CONFLICT (hall_id, day) DO UPDATE SET last_ticket = queue_days.last_ticket + 1 RETURNING last_ticket""", hall_id, day)
        return ticket

    async def lock_queue(self, hall_id: uuid.UUID, day: date) -> int:
        """Lock the hall's queue of the day (callers at two windows take turns); the last called."""
        await self.conn.execute("INSERT INTO queue_days (hall_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING", hall_id, day)
        called: int = await self.conn.fetchval("SELECT last_called FROM queue_days WHERE hall_id = $1 AND day = $2 FOR UPDATE", hall_id, day)
        return called

    async def set_called(self, hall_id: uuid.UUID, day: date, ticket: int) -> None:
        await self.conn.execute("UPDATE queue_days SET last_called = $3 WHERE hall_id = $1 AND day = $2", hall_id, day, ticket)

    async def last_called(self, hall_id: uuid.UUID, day: date) -> int:
        return int(await self.conn.fetchval("SELECT last_called FROM queue_days WHERE hall_id = $1 AND day = $2", hall_id, day) or 0)

    async def waiting(self, hall_id: uuid.UUID, day: date, *, first_locked: bool = False) -> list[Appointment]:
        rows = await self.conn.fetch(
            f"SELECT {_COLS} FROM appointments WHERE hall_id = $1 AND day = $2 AND status = '{CHECKED_IN}' ORDER BY ticket"
            + (" LIMIT 1 FOR UPDATE" if first_locked else ""), hall_id, day)
        return [self._track(_appt(r)) if first_locked else _appt(r) for r in rows]  # type: ignore[misc]

    async def ahead_of(self, a: Appointment) -> int:
        if a.status != CHECKED_IN or a.ticket is None:
            return 0
        n: int = await self.conn.fetchval(
            f"SELECT count(*) FROM appointments WHERE hall_id = $1 AND day = $2 AND status = '{CHECKED_IN}' AND ticket < $3",
            a.hall_id, a.day, a.ticket)
        return n

    async def stats(self, hall_id: uuid.UUID, lo: date, hi: date) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            """SELECT day, service_id, count(*) FILTER (WHERE status <> 'cancelled') AS bookings,
                      count(*) FILTER (WHERE check_in_at IS NOT NULL) AS check_ins,
                      count(*) FILTER (WHERE status = 'no_show') AS no_shows,
                      count(*) FILTER (WHERE status = 'cancelled') AS cancellations,
                      coalesce(avg(extract(epoch FROM call_at - check_in_at)) FILTER (WHERE call_at IS NOT NULL), 0) AS mean_wait
               FROM appointments WHERE hall_id = $1 AND day BETWEEN $2 AND $3 GROUP BY day, service_id ORDER BY day, service_id""",
            hall_id, lo, hi)
        return [dict(r) for r in rows]


class BlockRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def until(self, tenant_id: str, citizen_id: str) -> datetime | None:
        return await self.conn.fetchval("SELECT until FROM booking_blocks WHERE tenant_id = $1 AND citizen_id = $2", tenant_id, citizen_id)  # type: ignore[no-any-return]

    async def put(self, tenant_id: str, citizen_id: str, until: datetime, no_shows: int, now: datetime) -> None:
        await self.conn.execute(
            """INSERT INTO booking_blocks (tenant_id, citizen_id, until, no_shows, created_at) VALUES ($1,$2,$3,$4,$5)
               ON CONFLICT (tenant_id, citizen_id) DO UPDATE SET until = EXCLUDED.until, no_shows = EXCLUDED.no_shows,
               created_at = EXCLUDED.created_at""", tenant_id, citizen_id, until, no_shows, now)
