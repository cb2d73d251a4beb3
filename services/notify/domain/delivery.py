"""The delivery state machine and its retry schedule.

    created ─▶ sending ─▶ delivered
                  │──────▶ temporary_failure ─▶ sending … (backoff; bounded)
                  │──────▶ permanent_failure      (the provider refused: bad number, gone device)
                  └──────▶ technical_failure      (no provider, our error, or retries exhausted)
    created ─▶ validation_failed                  (the template could not be rendered)

Provider outcomes are classified once, here: HTTP 2xx delivered; 408, 429, 5xx and
network errors temporary; other 4xx permanent. Retries back off exponentially from
`base` to `cap` and stop after `max_attempts` (then technical_failure: the platform gave
up, which ops must look at). Times come from the caller's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    CREATED = "created"
    SENDING = "sending"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary_failure"
    PERMANENT_FAILURE = "permanent_failure"
    TECHNICAL_FAILURE = "technical_failure"
    VALIDATION_FAILED = "validation_failed"


FINAL = frozenset({Status.DELIVERED, Status.PERMANENT_FAILURE, Status.TECHNICAL_FAILURE, Status.VALIDATION_FAILED})
PENDING = frozenset({Status.CREATED, Status.TEMPORARY_FAILURE, Status.SENDING})
_ALLOWED = {
    Status.CREATED: {Status.SENDING, Status.VALIDATION_FAILED},
    Status.SENDING: {Status.DELIVERED, Status.TEMPORARY_FAILURE, Status.PERMANENT_FAILURE, Status.TECHNICAL_FAILURE,
                     Status.SENDING},  # a lease that expired: attempted again
    Status.TEMPORARY_FAILURE: {Status.SENDING},
}


class IllegalTransition(ValueError):
    pass


def check_transition(current: Status, target: Status) -> None:
    if target not in _ALLOWED.get(current, set()):
        raise IllegalTransition(f"a delivery cannot go from {current} to {target}")


class Outcome(StrEnum):
    OK = "ok"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    TECHNICAL = "technical"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    detail: str = ""
    provider_message_id: str = ""
    destination: str = ""


def classify_http(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome.OK
    if status in (408, 429) or status >= 500:
        return Outcome.TEMPORARY
    if 400 <= status < 500:
        return Outcome.PERMANENT
    return Outcome.TECHNICAL  # 1xx/3xx: a misconfigured gateway URL


@dataclass(frozen=True)
class RetryPolicy:
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(minutes=30)
    max_attempts: int = 6

    def delay(self, attempts: int) -> timedelta:
        """Wait after the `attempts`-th failed attempt: base, 2·base, 4·base, … ≤ cap."""
        return min(self.base * (2 ** max(0, attempts - 1)), self.cap)


@dataclass(frozen=True)
class Decision:
    status: Status
    next_attempt_at: datetime | None
    error: str


def decide(result: SendResult, attempts: int, now: datetime, policy: RetryPolicy) -> Decision:
    """The delivery's next state after its `attempts`-th attempt ended with `result`."""
    if result.outcome is Outcome.OK:
        return Decision(Status.DELIVERED, None, "")
    if result.outcome is Outcome.PERMANENT:
        return Decision(Status.PERMANENT_FAILURE, None, result.detail)
    if result.outcome is Outcome.TECHNICAL:
        return Decision(Status.TECHNICAL_FAILURE, None, result.detail)
    if attempts >= policy.max_attempts:
        return Decision(Status.TECHNICAL_FAILURE, None, f"gave up after {attempts} attempts: {result.detail}")
    return Decision(Status.TEMPORARY_FAILURE, now + policy.delay(attempts), result.detail)
