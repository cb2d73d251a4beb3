"""Sign-in lockout arithmetic: failures in a sliding window lock a key for a while.

Keys are an account (the lookup hash of the phone, so unknown phones are counted like
known ones and lockout reveals nothing) and a source address. While locked, even the
right password is refused; failures during a lock do not extend it, so an attacker
cannot keep an account locked for ever with one request per window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Scope = Literal["account", "address"]


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int = 5
    address_threshold: int = 5
    window_s: int = 900
    duration_s: int = 900

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_s)

    def limit(self, scope: Scope) -> int:
        return self.threshold if scope == "account" else self.address_threshold

    def lock_until(self, scope: Scope, failures_in_window: int, now: datetime) -> datetime | None:
        """When the key's lock ends if this many recent failures lock it, else None."""
        if failures_in_window >= self.limit(scope):
            return now + timedelta(seconds=self.duration_s)
        return None


def retry_after_s(locked_until: datetime, now: datetime) -> int:
    """Whole seconds until the lock ends (at least 1), for `Retry-After`."""
    return max(1, math.ceil((locked_until - now).total_seconds()))
