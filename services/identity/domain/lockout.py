"""Sign-in throttling arithmetic: growing delays after repeated failures, short caps.

Failures are counted in a sliding window per key: an *account* (the lookup hash of the
phone, so unknown phones are counted like known ones and nothing is revealed) and a
*source address*. A few failures are free; after that, each further attempt on the key
must wait a delay that doubles with every failure (1 s, 2 s, 4 s, ...) up to a cap.

There is no lock: the worst an attacker can do to someone else is make them wait the
cap (minutes for an account, a minute for an address). An account's delays also do not
apply at all from an address the account holder has signed in from recently, so a
guesser somewhere else cannot keep the holder out. Waiting out a delay does not count
as a failure; an attempt refused for the delay never reaches the password check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Scope = Literal["account", "address"]


@dataclass(frozen=True)
class ThrottlePolicy:
    # Failures of an account (from addresses it has not signed in from) before delays.
    threshold: int = 5
    # Failures from one address (every account) before delays: carrier-grade NAT puts
    # many citizens behind one address, so this is higher and its cap shorter.
    address_threshold: int = 10
    # An account's failures count for a day (a success forgets them): at the cap, a
    # guesser gets one try per cap, every day, rather than a fresh free burst each
    # window. An address's count for 15 minutes: many people may share it.
    account_window_s: int = 86_400
    address_window_s: int = 900
    account_max_delay_s: int = 300
    address_max_delay_s: int = 60
    # An address with a sign-in of the account this recent is the holder's own.
    known_address_days: int = 30

    def window(self, scope: Scope) -> timedelta:
        return timedelta(seconds=self.account_window_s if scope == "account" else self.address_window_s)

    @property
    def longest_window(self) -> timedelta:
        return timedelta(seconds=max(self.account_window_s, self.address_window_s))

    @property
    def known_address_age(self) -> timedelta:
        return timedelta(days=self.known_address_days)

    def limit(self, scope: Scope) -> int:
        return self.threshold if scope == "account" else self.address_threshold

    def max_delay_s(self, scope: Scope) -> int:
        return self.account_max_delay_s if scope == "account" else self.address_max_delay_s

    def delay_s(self, scope: Scope, failures: int) -> int:
        """How long the next attempt waits after the key's `failures`-th failure in the window."""
        excess = failures - self.limit(scope)
        if excess < 0:
            return 0
        cap = self.max_delay_s(scope)
        return cap if excess >= cap.bit_length() else min(cap, 2**excess)

    def next_attempt(self, scope: Scope, failures: int, last_failure: datetime | None) -> datetime | None:
        """When the key may be tried again, or None if it may be now."""
        delay = self.delay_s(scope, failures)
        if delay == 0 or last_failure is None:
            return None
        return last_failure + timedelta(seconds=delay)


def retry_after_s(not_before: datetime, now: datetime) -> int:
    """Whole seconds until the next attempt (at least 1), for `Retry-After`."""
    return max(1, math.ceil((not_before - now).total_seconds()))
