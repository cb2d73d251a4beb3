"""What the appointment service learns from others' events: the working calendars the
workflow service owns (`mgov.workflow.calendar.updated.v1`: a tenant's whole year of
holidays and 调休 days). Tenants come through `mgov_common.tenants`."""

from __future__ import annotations

import logging
from datetime import date

import asyncpg

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from services.appointment.adapters.halls import CalendarRepository

log = logging.getLogger(__name__)
CALENDARS = ConsumerSpec("appointment-calendars", ["mgov.evt.*.workflow.calendar.updated"])
MAX_DAYS = 366


class BadCalendarEvent(ValueError):
    """A calendar event the projection cannot store (dead-lettered after retries)."""


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


async def apply_calendar(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """The consumer's handler (inside its transaction); an older event than the stored one is ignored."""
    tenant, year, days = parse_calendar(event)
    stored = await CalendarRepository(conn).replace_year(tenant, year, days, event.time)
    log.info("calendar projected" if stored else "older calendar event ignored", extra={"tenant": tenant, "year": year})
