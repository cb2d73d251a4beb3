"""The unified social credit code (统一社会信用代码, GB 32100-2015) of a supervised subject.

18 characters from a 31-character alphabet (digits and capital letters without I, O, Z,
S, V): the registering authority (1), the kind of organisation (1), the administrative
division (6 digits), the organisation code (9), and a check character. The check
character is `31 - (Σ value(cᵢ)·wᵢ mod 31)` (31 becoming 0) with the standard's weights
3ⁱ⁻¹ mod 31. A code that fails the check is a typing error, refused before it is stored.
"""

from __future__ import annotations

from mgov_common.errors import InvalidArgument

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    """The 18th character the first 17 call for."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(code: str, field: str = "credit_code") -> str:
    """The code in capitals, or INVALID_ARGUMENT naming what is wrong with it."""
    value = (code or "").strip().upper()
    if len(value) != 18:
        raise InvalidArgument("a unified social credit code has 18 characters", field=field, code="invalid_credit_code")
    bad = sorted({ch for ch in value if ch not in _VALUE})
    if bad:
        raise InvalidArgument(f"a unified social credit code has no {''.join(bad)!r} (I, O, Z, S and V are not used)",
                              field=field, code="invalid_credit_code")
    if not value[2:8].isdigit():
        raise InvalidArgument("characters 3 to 8 of a unified social credit code are the division code (digits)",
                              field=field, code="invalid_credit_code")
    if check_character(value[:17]) != value[17]:
        raise InvalidArgument("the check character of this unified social credit code is wrong (a typing error?)",
                              field=field, code="credit_code_check_failed")
    return value
