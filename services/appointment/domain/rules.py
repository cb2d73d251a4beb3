"""No-show rules and reminder times (pure).

A booking nobody checked in by the end of its slot is a no-show. When a citizen's
no-shows in one tenant within `window_days` reach `limit`, they may not book in that
tenant for `block_days` from the no-show that reached it. Each tenant may set its own
numbers; unset ones inherit from the nearest ancestor, then these defaults.

Reminders go out twice: from a day before the slot (`day_before`) and from an hour
before (`hour_before`), each once. A booking made inside a window gets only the later
reminder (booked 3 hours ahead: no "tomorrow" message, but the one-hour one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_LIMIT, DEFAULT_WINDOW_DAYS, DEFAULT_BLOCK_DAYS = 3, 90, 30
DAY_BEFORE, HOUR_BEFORE = "day_before", "hour_before"
REMINDERS: dict[str, timedelta] = {DAY_BEFORE: timedelta(days=1), HOUR_BEFORE: timedelta(hours=1)}


@dataclass(frozen=True)
class NoShowRules:
    limit: int = DEFAULT_LIMIT
    window_days: int = DEFAULT_WINDOW_DAYS
    block_days: int = DEFAULT_BLOCK_DAYS

    @classmethod
    def resolve(cls, chain: Sequence[Mapping[str, int | None]]) -> "NoShowRules":
        """The rules from a tenant's settings chain (the tenant first, the province last)."""
        def first(key: str, default: int) -> int:
            for row in chain:
                if row.get(key) is not None:
                    return int(row[key])  # type: ignore[arg-type]
            return default

        return cls(first("no_show_limit", DEFAULT_LIMIT), first("window_days", DEFAULT_WINDOW_DAYS),
                   first("block_days", DEFAULT_BLOCK_DAYS))

    def window_start(self, now: datetime) -> datetime:
        return now - timedelta(days=self.window_days)

    def block_until(self, no_shows_in_window: int, now: datetime) -> datetime | None:
        """The end of the block a no-show at `now` starts, or None when it starts none."""
        if no_shows_in_window >= self.limit:
            return now + timedelta(days=self.block_days)
        return None


def due_reminder(start: datetime, now: datetime, *, day_sent: bool, hour_sent: bool) -> str | None:
    """The reminder a booking is due for at `now` (the later one first), or None."""
    if now >= start:
        return None
    if not hour_sent and now >= start - REMINDERS[HOUR_BEFORE]:
        return HOUR_BEFORE
    if not day_sent and not hour_sent and now >= start - REMINDERS[DAY_BEFORE]:
        return DAY_BEFORE
    return None
