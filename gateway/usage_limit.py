"""Bounds on what anyone's app may report to the operations figures.

`POST /v1/insight/usage` (a guide viewed, an application form started) needs no sign-in:
the app reports what a visitor does before they have an account. Unbounded, anyone could
inflate an item's funnel at will, and, since every report becomes an event in the
platform's stream, fill that stream with noise. So, per client address (the peer, or the
forwarded address from a trusted proxy), counted in this replica's memory by the `limits`
library:

- a report counts once per address, item and kind in `once_per_s` (a reload, a tab
  reopened, or a script repeating it is not another view): the repeat answers 204 and
  records nothing;
- at most `per_minute` reports a minute from one address; beyond that 429
  `rate_limited` with `Retry-After`.

Per replica, so N replicas allow N times as much: a bound on damage, not a quota.
"""

from __future__ import annotations

import math
import time
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from gateway.problems import Problem


class UsageLimiter:
    def __init__(self, *, per_minute: int, once_per_s: int) -> None:
        storage = MemoryStorage()
        self._rate = RateLimitItemPerMinute(per_minute)
        self._once = RateLimitItemPerSecond(1, once_per_s)
        self._window = MovingWindowRateLimiter(storage)
        self._fixed = FixedWindowRateLimiter(storage)

    def admit(self, address: str, item_id: str, kind: str) -> bool:
        """True when this report is to be recorded; False for a repeat (answered, not
        recorded). Raises a 429 problem past the address's rate."""
        if not self._window.hit(self._rate, "usage", address):
            reset, _ = self._window.get_window_stats(self._rate, "usage", address)
            retry = max(1, math.ceil(reset - time.time()))
            raise Problem(429, "rate_limited", f"at most {self._rate.amount} usage reports a minute from one address",
                          headers={"Retry-After": str(retry)})
        return self._fixed.test(self._once, "usage-once", address, item_id, kind)

    def recorded(self, address: str, item_id: str, kind: str) -> None:
        """The report was recorded: repeats in the window are not (a refused one, e.g. an
        unknown item, is not remembered and keeps its error)."""
        self._fixed.hit(self._once, "usage-once", address, item_id, kind)


async def _usage_limiter(request: Request) -> UsageLimiter:
    return request.app.state.usage_limiter  # type: ignore[no-any-return]


UsageLimiterDep = Annotated[UsageLimiter, Depends(_usage_limiter)]
