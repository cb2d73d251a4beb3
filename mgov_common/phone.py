"""Mainland-China mobile numbers: normalisation, validation and masking.

A phone number is the sign-in name and must be unique platform-wide, so every form a
user may type ("+86 139-0000-0100", "0086 13900000100") normalises to the same eleven
digits before it is looked up, hashed or stored. Identity normalises and masks; notify checks
the number it is asked to text; reports and appointments mask what staff see.
"""

from __future__ import annotations

import re

from mgov_common.errors import InvalidArgument

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_SEPARATORS = re.compile(r"[\s\-()]")


def normalize_phone(raw: str, field: str = "phone") -> str:
    """The eleven-digit form of a mainland mobile number; INVALID_ARGUMENT otherwise."""
    if not raw or not raw.strip():
        raise InvalidArgument("a phone number is required", field=field, code="required")
    digits = _SEPARATORS.sub("", raw.strip())
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    else:
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
    if not _MOBILE.fullmatch(digits):
        raise InvalidArgument(
            "not a mainland-China mobile number (11 digits starting 13-19)", field=field, code="invalid_phone"
        )
    return digits


def is_mobile(digits: str) -> bool:
    """Whether `digits` is already the normalised eleven-digit form."""
    return bool(_MOBILE.fullmatch(digits))


def mask_phone(phone: str) -> str:
    """`139****0100`: enough for a person to recognise their number, not to dial it."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
