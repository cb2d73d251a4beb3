"""The projection of the workflow service's working calendars (holidays, 调休), kept by
every service that counts working days from events (appointment, insight).

The workflow service owns the calendars and announces each year it sets as
`mgov.workflow.calendar.updated.v1` ({tenant_id, year, days: [{date, working, name}]}:
the whole year's days that differ from Monday–Friday). A consumer replaces its copy of
that tenant's year unless it already holds a newer one, so events may arrive in any
order and be replayed. The tables (`calendar_days`, `calendar_years`) are each
service's own, created by its migrations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from mgov_common.events.envelope import CloudEvent
from mgov_common.working_days import WorkingCalendar

CALENDAR_SUBJECT = "mgov.evt.*.workflow.calendar.updated"
MAX_DAYS = 366


class BadCalendarEvent(ValueError):
    """A calendar event a projection cannot store (dead-lettered after retries)."""


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


class CalendarRepository:
    """A service's copy of the calendars, on the caller's connection."""

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
