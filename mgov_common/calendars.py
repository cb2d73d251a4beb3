"""The working-calendar projection every service counting working days keeps: the
workflow service owns each tenant's calendar (holidays, 调休) and announces a whole year
whenever it changes (`mgov.workflow.calendar.updated.v1`); a service stores what it
needs locally (no cross-schema SQL) and reads a tenant's `WorkingCalendar` from it.

A service opts in with `calendars` in its migrations' `platform.txt` (the tables) and by
running `EventConsumer(pool, js, consumer_spec("<service>"), apply_calendar_event)`.
A tenant without a calendar of its own inherits, day by day, from the nearest tenant
above it that sets the day (a county follows its province). Redelivery can reorder
events: an event older than the stored year is ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import asyncpg

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from mgov_common.tenants import TenantProjection
from mgov_common.working_days import WorkingCalendar

log = logging.getLogger(__name__)
SUBJECTS = ["mgov.evt.*.workflow.calendar.updated"]
MAX_DAYS = 366
# Calendar rows loaded around a date: wide enough for any time limit counted from it.
BEFORE_DAYS, AFTER_DAYS = 31, 400


class BadCalendarEvent(ValueError):
    """A calendar event the projection cannot store (dead-lettered after retries)."""


def consumer_spec(service: str) -> ConsumerSpec:
    """The durable consumer of the workflow service's calendar events for `service`."""
    return ConsumerSpec(f"{service}-calendars", list(SUBJECTS))


def parse_calendar(event: CloudEvent) -> tuple[str, int, list[tuple[date, bool, str]]]:
    data = event.data if isinstance(event.data, dict) else {}
    tenant, year, days = data.get("tenant_id"), data.get("year"), data.get("days")
    if tenant != event.tenant or not isinstance(year, int) or not isinstance(days, list) or len(days) > MAX_DAYS:
        raise BadCalendarEvent(f"calendar event {event.id}: tenant_id, year and days are required")
    out: list[tuple[date, bool, str]] = []
    for d in days:
        try:
            day = date.fromisoformat(str(d["date"]))
        except (KeyError, TypeError, ValueError):
            raise BadCalendarEvent(f"calendar event {event.id}: a day without a valid date") from None
        if day.year != year:
            raise BadCalendarEvent(f"calendar event {event.id}: {day} is not in {year}")
        out.append((day, bool(d.get("working")), str(d.get("name") or "")[:100]))
    return tenant, year, out


class CalendarProjection:
    """The `calendar_days` / `calendar_years` tables of one service's schema."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def replace_year(self, tenant: str, year: int, days: list[tuple[date, bool, str]], event_time: datetime) -> bool:
        """Store the year unless a newer event already did; True when stored."""
        stored = await self.conn.fetchval(
            """INSERT INTO calendar_years (tenant_id, year, event_time) VALUES ($1,$2,$3)
               ON CONFLICT (tenant_id, year) DO UPDATE SET event_time = EXCLUDED.event_time
               WHERE calendar_years.event_time <= EXCLUDED.event_time RETURNING true""", tenant, year, event_time)
        if not stored:
            return False
        await self.conn.execute("DELETE FROM calendar_days WHERE tenant_id = $1 AND day >= $2 AND day < $3",
                                tenant, date(year, 1, 1), date(year + 1, 1, 1))
        await self.conn.executemany("INSERT INTO calendar_days (tenant_id, day, working, name) VALUES ($1,$2,$3,$4)",
                                    [(tenant, d, w, n) for d, w, n in days])
        return True

    async def calendar(self, chain: Sequence[str], lo: date, hi: date) -> WorkingCalendar:
        """The calendar of the first tenant of `chain`: each day from the nearest tenant that sets it."""
        rows = await self.conn.fetch("SELECT tenant_id, day, working FROM calendar_days WHERE tenant_id = ANY($1::text[]) AND day BETWEEN $2 AND $3",
                                     list(chain), lo, hi)
        rank = {t: i for i, t in enumerate(chain)}
        best: dict[date, tuple[int, bool]] = {}
        for r in rows:
            if r["day"] not in best or rank[r["tenant_id"]] < best[r["day"]][0]:
                best[r["day"]] = (rank[r["tenant_id"]], r["working"])
        return WorkingCalendar({d: w for d, (_, w) in best.items()})

    async def of_tenant(self, tenant_id: str, around: date) -> WorkingCalendar:
        """`tenant_id`'s calendar (inherited up its chain) from a month before `around` to
        more than a year after it."""
        chain = [t.id for t in await TenantProjection(self.conn).chain(tenant_id)] or [tenant_id]
        return await self.calendar(chain, around - timedelta(days=BEFORE_DAYS), around + timedelta(days=AFTER_DAYS))


async def apply_calendar_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """The consumer's handler (inside its transaction); an older event than the stored one is ignored."""
    tenant, year, days = parse_calendar(event)
    stored = await CalendarProjection(conn).replace_year(tenant, year, days, event.time)
    log.info("calendar projected" if stored else "older calendar event ignored", extra={"tenant": tenant, "year": year})
