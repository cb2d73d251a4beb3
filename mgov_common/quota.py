"""Quotas of tenant systems on ingest: events per second (a token bucket with a burst)
and bytes per UTC day, per system, kept in the memory of the admitting process.

Each admitting process keeps its own books: with several replicas a system may get up
to that many times its quota, and a restart starts the day's count afresh. Both are
bounded (replicas are few; restarts are rare and logged); the stream limits in bytes
bound the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

DAY_S = 86400


@dataclass(frozen=True)
class Quotas:
    events_per_s: float = 100.0
    burst: int = 1000
    bytes_per_day: int = 256 * 1024 * 1024


class QuotaExceeded(Exception):
    """Over a quota; `retry_after_s` is when trying again can succeed."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass
class _Book:
    tokens: float
    refilled_at: float
    day: int
    bytes_today: int = 0


@dataclass
class QuotaBook:
    quotas: Quotas
    _books: dict[str, _Book] = field(default_factory=dict)

    def charge(self, key: str, size: int, now: float) -> None:
        """Count one event of `size` bytes for `key` at `now` (epoch seconds), or raise
        QuotaExceeded without counting it."""
        q = self.quotas
        day = int(now // DAY_S)
        book = self._books.get(key)
        if book is None:
            if len(self._books) > 100_000:  # systems are far fewer; a bound all the same
                self._books.clear()
            book = self._books[key] = _Book(tokens=float(q.burst), refilled_at=now, day=day)
        book.tokens = min(float(q.burst), book.tokens + max(0.0, now - book.refilled_at) * q.events_per_s)
        book.refilled_at = now
        if book.day != day:
            book.day, book.bytes_today = day, 0
        if book.bytes_today + size > q.bytes_per_day:
            raise QuotaExceeded(f"this system has sent its {q.bytes_per_day} bytes for today (UTC)",
                                max(1, math.ceil((day + 1) * DAY_S - now)))
        if book.tokens < 1.0:
            raise QuotaExceeded(f"this system may send {q.events_per_s:g} events per second",
                                max(1, math.ceil((1.0 - book.tokens) / q.events_per_s)))
        book.tokens -= 1.0
        book.bytes_today += size
