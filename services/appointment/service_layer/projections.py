"""What the appointment service learns from others' events: the working calendars the
workflow service owns (`mgov.workflow.calendar.updated.v1`: a tenant's whole year of
holidays and 调休 days), through the platform's projection (`mgov_common.calendars`).
Tenants come through `mgov_common.tenants`."""

from __future__ import annotations

from mgov_common.calendars import BadCalendarEvent, apply_calendar_event, consumer_spec, parse_calendar

CALENDARS = consumer_spec("appointment")
apply_calendar = apply_calendar_event

__all__ = ["CALENDARS", "BadCalendarEvent", "apply_calendar", "parse_calendar"]
