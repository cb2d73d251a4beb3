"""One retry rhythm for every loop that waits after a failure: capped exponential backoff
with full jitter.

Full jitter (a delay drawn uniformly between 0 and the capped exponential) keeps many
processes that failed together (every consumer when NATS restarts, every replica when
PostgreSQL comes back) from retrying together; the cap keeps a long outage from growing
the wait past what an operator would accept. Loops use `Backoff`: `next_delay()` after a
failure, `reset()` after a success, `await sleep()` for both in one call.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays of base·2^n seconds, capped at `cap`, each drawn uniformly in [0, that]."""

    base: float = 0.1
    cap: float = 10.0
    attempt: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap < self.base:
            raise ValueError("backoff needs 0 < base <= cap")

    def ceiling(self) -> float:
        """The upper bound of the next delay (no jitter): base·2^attempt, at most cap."""
        return min(self.cap, self.base * (2 ** min(self.attempt, 62)))

    def next_delay(self) -> float:
        """The delay to wait after one more failure; advances the attempt count."""
        delay = self.rng.uniform(0.0, self.ceiling())
        self.attempt += 1
        return delay

    def reset(self) -> None:
        """After a success: the next failure starts again from `base`."""
        self.attempt = 0

    async def sleep(self) -> float:
        """Wait the next delay; returns it (for the log line)."""
        delay = self.next_delay()
        await asyncio.sleep(delay)
        return delay
