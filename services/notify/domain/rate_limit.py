"""Per-tenant sending rate: a token bucket whose state lives in PostgreSQL.

`rate` tokens per second refill up to `burst`; each send takes one. Kept as plain
numbers so that the delivery worker can update the bucket row in the same transaction
that claims deliveries (every replica shares one bucket per tenant and channel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bucket:
    rate: float  # tokens per second
    burst: float

    def take(self, tokens: float, elapsed_s: float, wanted: int) -> tuple[int, float, float]:
        """(granted, tokens left, seconds until the next token if some were refused)."""
        level = min(self.burst, tokens + max(0.0, elapsed_s) * self.rate)
        granted = min(wanted, int(math.floor(level + 1e-9)))
        level -= granted
        wait = 0.0 if granted == wanted else max(0.0, (1.0 - level) / self.rate)
        return granted, level, wait
