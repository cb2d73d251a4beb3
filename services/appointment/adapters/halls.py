"""Halls, their items, seat counters of slots, the working-calendar projection and the
per-tenant rules, over asyncpg (the service's own schema only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

import asyncpg

from mgov_common.calendars import CalendarProjection
from services.appointment.domain.halls import Hall, HallService, OpeningRange


def _hall(row: asyncpg.Record, services: list[HallService]) -> Hall:
    hours = [OpeningRange(int(h["weekday"]), time.fromisoformat(h["open"]), time.fromisoformat(h["close"])) for h in row["opening_hours"]]
    return Hall(row["id"], row["tenant_id"], dict(row["name"]), row["address"], row["latitude"], row["longitude"], hours,
                row["windows"], row["booking_days"], row["cancel_cutoff_minutes"], services, row["created_at"])


class HallRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, hall: Hall) -> None:
        await self.conn.execute(
            """INSERT INTO halls (id, tenant_id, name, address, latitude, longitude, opening_hours, windows, booking_days,
                                  cancel_cutoff_minutes, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)""",
            hall.id, hall.tenant_id, hall.name, hall.address, hall.latitude, hall.longitude,
            [r.to_dict() for r in hall.opening_hours], hall.windows, hall.booking_days, hall.cancel_cutoff_minutes, hall.created_at)
        await self.conn.executemany(
            "INSERT INTO hall_services (hall_id, service_id, service_name, slot_minutes, capacity) VALUES ($1,$2,$3,$4,$5)",
            [(hall.id, s.service_id, s.service_name, s.slot_minutes, s.capacity) for s in hall.services])

    async def _services(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[HallService]]:
        out: dict[uuid.UUID, list[HallService]] = {i: [] for i in ids}
        for r in await self.conn.fetch("SELECT * FROM hall_services WHERE hall_id = ANY($1::uuid[]) ORDER BY service_name->>'zh'", list(ids)):
            out[r["hall_id"]].append(HallService(r["service_id"], dict(r["service_name"]), r["slot_minutes"], r["capacity"]))
        return out

    async def get(self, hall_id: uuid.UUID) -> Hall | None:
        row = await self.conn.fetchrow("SELECT * FROM halls WHERE id = $1", hall_id)
        if row is None:
            return None
        return _hall(row, (await self._services([hall_id]))[hall_id])

    async def in_tenants(self, tenants: Sequence[str], service_id: uuid.UUID | None) -> list[Hall]:
        rows = await self.conn.fetch(
            """SELECT h.* FROM halls h WHERE h.tenant_id = ANY($1::text[])
               AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM hall_services s WHERE s.hall_id = h.id AND s.service_id = $2))
               ORDER BY h.name->>'zh', h.id LIMIT 500""", list(tenants), service_id)
        services = await self._services([r["id"] for r in rows])
        return [_hall(r, services[r["id"]]) for r in rows]

    async def exists_named(self, tenant_id: str, zh: str) -> bool:
        return bool(await self.conn.fetchval("SELECT true FROM halls WHERE tenant_id = $1 AND name->>'zh' = $2", tenant_id, zh))


class SlotRepository:
    """Seat counters. Capacity is enforced by PostgreSQL, under any concurrency."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def take_seat(self, hall_id: uuid.UUID, service_id: uuid.UUID, start: datetime, end: datetime, default_capacity: int) -> bool:
        """One seat of the slot, or False when it is full. The counter row is made on first
        use; the conditional UPDATE then waits on the row lock of any concurrent booking of
        the same slot and re-checks `booked < capacity` against the committed count."""
        await self.conn.execute(
            """INSERT INTO slots (hall_id, service_id, start_at, end_at, capacity) VALUES ($1,$2,$3,$4,$5)
               ON CONFLICT DO NOTHING""", hall_id, service_id, start, end, default_capacity)
        status = await self.conn.execute(
            "UPDATE slots SET booked = booked + 1 WHERE hall_id = $1 AND service_id = $2 AND start_at = $3 AND booked < capacity",
            hall_id, service_id, start)
        return status == "UPDATE 1"

    async def give_back(self, hall_id: uuid.UUID, service_id: uuid.UUID, start: datetime) -> None:
        await self.conn.execute(
            "UPDATE slots SET booked = booked - 1 WHERE hall_id = $1 AND service_id = $2 AND start_at = $3 AND booked > 0",
            hall_id, service_id, start)

    async def counters(self, hall_id: uuid.UUID, service_id: uuid.UUID, lo: datetime, hi: datetime) -> dict[datetime, tuple[int, int]]:
        rows = await self.conn.fetch(
            "SELECT start_at, capacity, booked FROM slots WHERE hall_id = $1 AND service_id = $2 AND start_at >= $3 AND start_at < $4",
            hall_id, service_id, lo, hi)
        return {r["start_at"]: (r["capacity"], r["booked"]) for r in rows}

    async def set_capacity(self, hall_id: uuid.UUID, service_id: uuid.UUID, start: datetime, end: datetime, capacity: int,
                           default_capacity: int) -> int:
        """Lock the slot's counter and set its capacity; returns the seats booked before."""
        await self.conn.execute(
            """INSERT INTO slots (hall_id, service_id, start_at, end_at, capacity) VALUES ($1,$2,$3,$4,$5)
               ON CONFLICT DO NOTHING""", hall_id, service_id, start, end, default_capacity)
        booked: int = await self.conn.fetchval(
            "SELECT booked FROM slots WHERE hall_id = $1 AND service_id = $2 AND start_at = $3 FOR UPDATE", hall_id, service_id, start)
        return booked

    async def write_capacity(self, hall_id: uuid.UUID, service_id: uuid.UUID, start: datetime, capacity: int, booked: int) -> tuple[int, int]:
        row = await self.conn.fetchrow(
            """UPDATE slots SET capacity = $4, booked = $5, overridden = true
               WHERE hall_id = $1 AND service_id = $2 AND start_at = $3 RETURNING capacity, booked""",
            hall_id, service_id, start, capacity, booked)
        return row["capacity"], row["booked"]


# The projection of the workflow service's calendars (holidays, 调休) is the platform's.
CalendarRepository = CalendarProjection


class RulesRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def chain(self, tenants: Sequence[str]) -> list[dict[str, Any]]:
        rows = {r["tenant_id"]: dict(r) for r in await self.conn.fetch("SELECT * FROM tenant_rules WHERE tenant_id = ANY($1::text[])", list(tenants))}
        return [rows[t] for t in tenants if t in rows]

    async def put(self, tenant: str, limit: int | None, window_days: int | None, block_days: int | None) -> None:
        await self.conn.execute(
            """INSERT INTO tenant_rules (tenant_id, no_show_limit, window_days, block_days) VALUES ($1,$2,$3,$4)
               ON CONFLICT (tenant_id) DO UPDATE SET no_show_limit = $2, window_days = $3, block_days = $4""",
            tenant, limit, window_days, block_days)
