"""Human-readable case numbers: `<PREFIX>-<year>-<6-digit serial>`, e.g. `HZ-2026-000123`.

The prefix is the handling tenant's city: a tenant setting when one is set (inherited
down the tree), else the pinyin initials of the prefecture-level city found from the
division code's first four digits (GB/T 2260), else letters of the city's slug. The
serial runs per (prefix, year) in the tenant's local (CST) year.
"""

from __future__ import annotations

import re

# Zhejiang's province and its eleven prefecture-level cities (GB/T 2260).
CITY_PREFIXES = {
    "3300": "ZJ", "3301": "HZ", "3302": "NB", "3303": "WZ", "3304": "JX", "3305": "HU", "3306": "SX",
    "3307": "JH", "3308": "QZ", "3309": "ZS", "3310": "TZ", "3311": "LS",
}
PREFIX_RE = re.compile(r"^[A-Z]{1,6}$")
SERIAL_DIGITS = 6


def default_prefix(division_code: str | None, city_slug: str | None) -> str:
    if division_code and division_code[:4] in CITY_PREFIXES:
        return CITY_PREFIXES[division_code[:4]]
    letters = re.sub(r"[^a-z]", "", (city_slug or "").lower())
    return (letters[:2] or "MG").upper()


def format_case_number(prefix: str, year: int, serial: int) -> str:
    return f"{prefix}-{year}-{serial:0{SERIAL_DIGITS}d}"
