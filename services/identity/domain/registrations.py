"""A registration waiting for its SMS code: the rules of the code and its attempts.

The code is six random digits, valid `ttl` after it is sent; at most `max_attempts`
wrong codes lock the registration (the caller starts again, within the rate limits, and
a new code is sent). A registration is confirmed once. What the code is compared with is
its keyed hash (`Lookup.registration_code`), compared in constant time.
"""

from __future__ import annotations

import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mgov_common.errors import FailedPrecondition, InvalidArgument

_CODE = re.compile(r"^[0-9]{6}$")


@dataclass(frozen=True)
class RegistrationPolicy:
    """How long a code lives, how many wrong codes a registration takes, and how many
    registrations may start within `window` from one source address, for one 7-digit
    phone prefix (a number block: stops walking a range from many addresses) and for one
    phone (stops using the platform to flood someone with SMS)."""

    code_ttl: timedelta = timedelta(minutes=10)
    max_attempts: int = 5
    window: timedelta = timedelta(hours=1)
    per_address: int = 20
    per_prefix: int = 60
    per_phone: int = 5

    def exceeded(self, by_address: int, by_prefix: int, by_phone: int) -> str | None:
        """The scope whose limit another registration would pass, if any."""
        for scope, count, limit in (("address", by_address, self.per_address), ("phone", by_phone, self.per_phone),
                                    ("prefix", by_prefix, self.per_prefix)):
            if count >= limit:
                return scope
        return None


class Purpose(StrEnum):
    REGISTRATION = "registration"  # confirmed into an account
    PHONE = "phone"  # proves a phone without an account (a phone token); never an account


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    LOCKED = "locked"


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def check_code_format(code: str) -> str:
    code = (code or "").strip()
    if not _CODE.match(code):
        raise InvalidArgument("the code is the six digits sent by SMS", field="code", code="invalid_code")
    return code


@dataclass
class PendingRegistration:
    id: uuid.UUID
    tenant_id: str
    name: str
    phone: str
    password_hash: str
    code_hash: bytes
    source_address: str
    created_at: datetime
    expires_at: datetime
    attempts: int = 0
    status: RegistrationStatus = RegistrationStatus.PENDING
    purpose: Purpose = Purpose.REGISTRATION

    def usable(self, now: datetime) -> None:
        """FailedPrecondition unless a code may still be tried."""
        if self.status is RegistrationStatus.CONFIRMED:
            raise FailedPrecondition("this registration is already confirmed; sign in", code="registration_used")
        if self.status is RegistrationStatus.LOCKED:
            raise FailedPrecondition("too many wrong codes; register again for a new code", code="registration_locked")
        if now >= self.expires_at:
            raise FailedPrecondition("the code has expired; register again for a new one", code="registration_expired")

    def try_code(self, presented_hash: bytes, now: datetime, max_attempts: int) -> bool:
        """True when the code matches (the registration is then confirmed); a wrong one counts, and locks at the limit."""
        self.usable(now)
        if hmac.compare_digest(self.code_hash, presented_hash):
            self.status = RegistrationStatus.CONFIRMED
            return True
        self.attempts += 1
        if self.attempts >= max_attempts:
            self.status = RegistrationStatus.LOCKED
        return False
