"""Resident identity card numbers (GB 11643-1999): format, birth date and checksum.

An 18-character number is 6 digits of administrative division, 8 of birth date
(YYYYMMDD), 3 of sequence and a check character computed over the first 17 (ISO 7064
MOD 11-2; 10 is written `X`). Adding a valid one raises the user to real-name level.
"""

from __future__ import annotations

import re
from datetime import date

from mgov_common.errors import InvalidArgument

_FORMAT = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize_national_id(raw: str, *, today: date, field: str = "national_id") -> str:
    """The upper-case 18-character number if well-formed and checksum-valid."""
    value = (raw or "").strip().upper()
    if not value:
        raise InvalidArgument("a national ID number is required", field=field, code="required")
    if not _FORMAT.fullmatch(value):
        raise InvalidArgument("a national ID number has 17 digits and a check digit or X", field=field, code="invalid_format")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidArgument("the birth date inside the ID number is not a date", field=field, code="invalid_birth_date") from None
    if born > today or born.year < 1800:
        raise InvalidArgument("the birth date inside the ID number is out of range", field=field, code="invalid_birth_date")
    if check_character(value[:17]) != value[17]:
        raise InvalidArgument("the ID number's check digit does not match (GB 11643)", field=field, code="invalid_checksum")
    return value


def mask_national_id(value: str) -> str:
    """`3301**********1234`: the region prefix and the last four, nothing in between."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
