"""Time is injected: the service asks a `Clock`; tests drive a `ManualClock`.

In demo mode the clock reads the same offset file as the workflow service
(`$MGOV_HOME/workflow-clock.json`, `{"offset_s": N}`), so a demo that moves time forward
to show SLA breaches also sees rating invitations fall due. Outside demo mode: the
system clock, always.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
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
    def __init__(self, path: Path, *, reread_s: float = 0.2) -> None:
        self.path = path
        self.reread_s = reread_s
        self._offset = 0.0
        self._read_at = float("-inf")

    def now(self) -> datetime:
        if time.monotonic() - self._read_at >= self.reread_s:
            self._read_at = time.monotonic()
            try:
                self._offset = float(json.loads(self.path.read_text()).get("offset_s", 0))
            except (OSError, ValueError, AttributeError):
                self._offset = 0.0
        return datetime.now(UTC) + timedelta(seconds=self._offset)
