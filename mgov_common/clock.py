"""Injected time: services ask a `Clock`; tests drive a `ManualClock` instead of sleeping.

In demo mode, services whose behaviour is about days (SLA timers, rating invitations)
use an `OffsetFileClock`: the system clock plus an offset read from
`$MGOV_HOME/workflow-clock.json` (`{"offset_s": N}`), so a demo can move every process of
that home ten days ahead at once, or a month back (`mgov insight seed --days`). Outside
demo mode: the system clock, always.

The file is looked at (one `stat`) on every reading, so a request sent after the file was
replaced sees the new offset: whoever moves the clock needs no wait. Replace it atomically
(`set_demo_offset`): a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
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
    """The system clock plus an offset from a file, re-read whenever the file changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0.0
        self._seen: tuple[int, int, int] | None = None

    def offset_s(self) -> float:
        try:
            st = os.stat(self.path)
        except OSError:
            self._offset, self._seen = 0.0, None
            return 0.0
        seen = (st.st_ino, st.st_mtime_ns, st.st_size)
        if seen != self._seen:
            try:
                self._offset = float(json.loads(self.path.read_text()).get("offset_s", 0))
                self._seen = seen
            except (OSError, ValueError, AttributeError, TypeError):
                self._offset, self._seen = 0.0, None  # half-written by a plain write: read again next time
        return self._offset

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset_s())


def set_demo_offset(path: Path, offset_s: float) -> None:
    """Move every demo process of the home whose clock file is `path` (atomically: a new file renamed over the old)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"offset_s": offset_s}))
    os.replace(tmp, path)
