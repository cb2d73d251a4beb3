"""A clock a demo can move forward: the system clock plus an offset read from a file.

Only used in demo mode (`MGOV_DEMO=1`), to show SLA warnings and breaches without
waiting days: write `{"offset_s": 864000}` to `$MGOV_HOME/workflow-clock.json` and
every workflow process of that home (replicas included) lives ten days ahead. The
file is re-read at most every 0.2 s. Outside demo mode the service uses the system
clock, always.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


class OffsetFileClock:
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
