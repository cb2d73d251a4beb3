"""The password policy: long enough, not the phone number, not a common password.

Length is counted in characters (Chinese passphrases are welcome); the upper bound
keeps one request from making argon2 hash megabytes. Every refusal is INVALID_ARGUMENT
on the `password` field with a stable code the app can translate.
"""

from __future__ import annotations

import re

from mgov_common.errors import InvalidArgument
from services.identity.domain.common_passwords import COMMON_PASSWORDS

MIN_LENGTH = 8
MAX_LENGTH = 128
_TRAILING_NOISE = re.compile(r"[\d\W_]+$")


def _is_sequence(value: str) -> bool:
    """One repeated character, or a run like 12345678 / abcdefgh / 87654321."""
    if len(set(value)) == 1:
        return True
    steps = {ord(b) - ord(a) for a, b in zip(value, value[1:])}
    return steps in ({1}, {-1})


def check_password(password: str, *, phone: str | None = None, field: str = "password") -> None:
    """Raise INVALID_ARGUMENT (code `weak_password` etc.) unless `password` is acceptable."""
    if not password:
        raise InvalidArgument("a password is required", field=field, code="required")
    if len(password) < MIN_LENGTH:
        raise InvalidArgument(f"the password needs at least {MIN_LENGTH} characters", field=field, code="password_too_short")
    if len(password) > MAX_LENGTH:
        raise InvalidArgument(f"the password may have at most {MAX_LENGTH} characters", field=field, code="password_too_long")
    lowered = password.lower()
    if phone:
        digits = re.sub(r"\D", "", password)
        if phone in digits or lowered.strip() == phone[-MIN_LENGTH:]:
            raise InvalidArgument("the password must not be (or contain) the phone number", field=field, code="password_is_phone")
    base = _TRAILING_NOISE.sub("", lowered)
    if lowered in COMMON_PASSWORDS or (base and base in COMMON_PASSWORDS) or _is_sequence(lowered):
        raise InvalidArgument("this password is too common; choose a less guessable one", field=field, code="common_password")
