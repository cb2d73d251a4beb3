"""What the appointment service learns from others' events: the working calendars the
workflow service owns (`mgov.workflow.calendar.updated.v1`: a tenant's whole year of
holidays and 调休 days). Tenants come through `mgov_common.tenants`."""

from __future__ import annotations

import logging
import asyncpg

from mgov_common.calendars import CALENDAR_SUBJECT, BadCalendarEvent, CalendarRepository, parse_calendar
from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent

log = logging.getLogger(__name__)
CALENDARS = ConsumerSpec("appointment-calendars", [CALENDAR_SUBJECT])
__all__ = ["CALENDARS", "BadCalendarEvent", "apply_calendar", "parse_calendar"]


async def apply_calendar(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """The consumer's handler (inside its transaction); an older event than the stored one is ignored."""
    tenant, year, days = parse_calendar(event)
    stored = await CalendarRepository(conn).replace_year(tenant, year, days, event.time)
    log.info("calendar projected" if stored else "older calendar event ignored", extra={"tenant": tenant, "year": year})
