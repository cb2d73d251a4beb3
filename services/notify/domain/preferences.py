"""A user's notification preferences: channel switches per category, quiet hours,
locale, time zone and the tenants whose notices they follow.

Quiet hours hold back push and SMS of non-urgent templates until the window ends in
the user's own time zone; the in-app inbox is silent and always filled at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mgov_common.errors import FailedPrecondition, FieldViolation, InvalidArgument
from services.notify.domain.categories import CATEGORIES, CHANNELS, LOCKED, default_enabled
from services.notify.domain.templates import DEFAULT_LOCALE, LOCALES

DEFAULT_TIME_ZONE = "Asia/Shanghai"
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_TENANT = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
MAX_NOTICE_TENANTS = 20


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def until(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """The end of the quiet window if `now` falls inside it, else None.

        The window may wrap midnight (22:00 to 07:00). A start equal to the end means
        no window at all (rather than a whole day of silence)."""
        if self.start == self.end:
            return None
        local = now.astimezone(zone)
        t = local.time().replace(tzinfo=None)
        wraps = self.start > self.end
        inside = (self.start <= t or t < self.end) if wraps else (self.start <= t < self.end)
        if not inside:
            return None
        end_day = local.date()
        if wraps and t >= self.start:
            end_day += timedelta(days=1)
        # Wall-clock end in the user's zone (a DST gap is resolved by zoneinfo's fold rules).
        return datetime.combine(end_day, self.end, tzinfo=zone).astimezone(now.tzinfo)


@dataclass(frozen=True)
class Preferences:
    user_id: str
    # (category, channel) -> enabled, only where it differs from the default.
    overrides: dict[tuple[str, str], bool] = field(default_factory=dict)
    quiet: QuietHours | None = None
    locale: str = DEFAULT_LOCALE
    time_zone: str = DEFAULT_TIME_ZONE
    notice_tenants: tuple[str, ...] = ()

    def allows(self, category: str, channel: str) -> bool:
        if (category, channel) in LOCKED:
            return True
        return self.overrides.get((category, channel), default_enabled(category, channel))

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def quiet_until(self, now: datetime, urgent: bool) -> datetime | None:
        """When a non-urgent push or SMS may go out if `now` is in quiet hours."""
        if urgent or self.quiet is None:
            return None
        return self.quiet.until(now, self.zone())

    def channel_list(self) -> list[tuple[str, str, bool]]:
        """Every (category, channel, enabled), defaults included, for display."""
        return [(c, ch, self.allows(c, ch)) for c in CATEGORIES for ch in CHANNELS]


def _parse_time(raw: str, field_name: str, bad: list[FieldViolation]) -> time | None:
    m = _HHMM.match(raw or "")
    if not m:
        bad.append(FieldViolation(field_name, "invalid_time", "a local time HH:MM, e.g. 22:00"))
        return None
    return time(int(m.group(1)), int(m.group(2)))


def build(user_id: str, *, channels: list[tuple[str, str, bool]], quiet_enabled: bool, quiet_start: str, quiet_end: str,
          locale: str, time_zone: str, notice_tenants: list[str]) -> Preferences:
    """Validated preferences from a request; every bad field named in one error."""
    bad: list[FieldViolation] = []
    overrides: dict[tuple[str, str], bool] = {}
    for i, (category, channel, enabled) in enumerate(channels):
        if category not in CATEGORIES:
            bad.append(FieldViolation(f"channels[{i}].category", "unknown_category", f"one of {', '.join(CATEGORIES)}"))
            continue
        if channel not in CHANNELS:
            bad.append(FieldViolation(f"channels[{i}].channel", "unknown_channel", f"one of {', '.join(CHANNELS)}"))
            continue
        if (category, channel) in LOCKED and not enabled:
            raise FailedPrecondition("case outcomes in the in-app inbox cannot be turned off", code="locked_preference",
                                     field=f"channels[{i}].enabled")
        if enabled != default_enabled(category, channel) and (category, channel) not in LOCKED:
            overrides[(category, channel)] = enabled
    quiet = None
    if quiet_enabled:
        start = _parse_time(quiet_start, "quiet_hours.start", bad)
        end = _parse_time(quiet_end, "quiet_hours.end", bad)
        if start is not None and end is not None:
            quiet = QuietHours(start, end)
    locale = locale or DEFAULT_LOCALE
    if locale not in LOCALES:
        bad.append(FieldViolation("locale", "unknown_locale", f"one of {', '.join(LOCALES)}"))
    time_zone = time_zone or DEFAULT_TIME_ZONE
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        bad.append(FieldViolation("time_zone", "unknown_time_zone", "an IANA time zone, e.g. Asia/Shanghai"))
    tenants = list(dict.fromkeys(notice_tenants))
    for i, t in enumerate(tenants):
        if not _TENANT.match(t):
            bad.append(FieldViolation(f"notice_tenant_ids[{i}]", "invalid_tenant", "a tenant id such as hangzhou"))
    if len(tenants) > MAX_NOTICE_TENANTS:
        bad.append(FieldViolation("notice_tenant_ids", "too_many", f"at most {MAX_NOTICE_TENANTS} tenants"))
    if bad:
        raise InvalidArgument(f"invalid preferences: {', '.join(v.field for v in bad[:5])}", code="validation_failed", violations=bad)
    return Preferences(user_id, overrides, quiet, locale, time_zone, tuple(tenants))
