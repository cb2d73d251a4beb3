"""Injected time: services ask a `Clock`; tests drive a `ManualClock` instead of sleeping.

In demo mode, services whose behaviour is about days (SLA timers, rating invitations)
use an `OffsetFileClock`: the system clock plus an offset read from
`$MGOV_HOME/workflow-clock.json` (`{"offset_s": N}`), so a demo can move every process of
that home ten days ahead at once. Outside demo mode: the system clock, always.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

DEMO_CLOCK_FILE = "workflow-clock.json"


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


class OffsetFileClock:
    """The system clock plus an offset from a file, re-read at most every `reread_s`."""

    def __init__(self, path: Path, *, reread_s: float = 0.2) -> None:
        self.path = path
        self.reread_s = reread_s
        self._offset = 0.0
        self._read_at = float("-inf")

    def offset_s(self) -> float:
        if time.monotonic() - self._read_at >= self.reread_s:
            self._read_at = time.monotonic()
            try:
                self._offset = float(json.loads(self.path.read_text()).get("offset_s", 0))
            except (OSError, ValueError, AttributeError):
                self._offset = 0.0
        return self._offset

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset_s())
