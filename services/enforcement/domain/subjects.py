"""Supervised subjects (监管对象) and inspectors (执法人员): the registry the draw reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mgov_common.errors import InvalidArgument
from services.enforcement.domain.evidence import Position
from services.enforcement.domain.uscc import normalize_uscc

# Inspection categories: a short slug (market_food, environment, transport, public_health, ...).
CATEGORY_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
RISK_LEVELS = ("low", "medium", "high")
CERTIFICATE_RE = re.compile(r"^[0-9A-Za-z-]{6,32}$")


def check_category(value: str, field: str = "category") -> str:
    if not CATEGORY_RE.match(value or ""):
        raise InvalidArgument("a category is a lower-case slug such as market_food", field=field, code="invalid_category")
    return value


def _text(raw: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = str(raw.get(key) or "").strip()
    if required and not value:
        raise InvalidArgument(f"{key} is required", field=key, code="required")
    if len(value) > limit:
        raise InvalidArgument(f"{key} is at most {limit} characters", field=key, code="too_long")
    return value


@dataclass(frozen=True)
class SubjectFields:
    name: str
    credit_code: str
    address: str
    category: str
    risk_level: str
    position: Position | None
    contact_phone: str

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> "SubjectFields":
        risk = str(raw.get("risk_level") or "medium")
        if risk not in RISK_LEVELS:
            raise InvalidArgument(f"risk_level is one of {', '.join(RISK_LEVELS)}", field="risk_level", code="invalid_risk_level")
        pos = raw.get("position")
        position = None
        if pos:
            try:
                position = Position(float(pos["latitude"]), float(pos["longitude"]), float(pos.get("accuracy_m") or 0))
            except (KeyError, TypeError, ValueError):
                raise InvalidArgument("position needs latitude and longitude", field="position", code="invalid_position") from None
        phone = _text(raw, "contact_phone", 20, required=False)
        if phone and not re.fullmatch(r"\+?[0-9-]{5,20}", phone):
            raise InvalidArgument("contact_phone is a phone number", field="contact_phone", code="invalid_phone")
        return cls(name=_text(raw, "name", 200), credit_code=normalize_uscc(str(raw.get("credit_code") or "")),
                   address=_text(raw, "address", 300, required=False), category=check_category(str(raw.get("category") or "")),
                   risk_level=risk, position=position, contact_phone=phone)


@dataclass(frozen=True)
class InspectorFields:
    certificate: str
    categories: frozenset[str]

    @classmethod
    def parse(cls, certificate: str, categories: list[str]) -> "InspectorFields":
        if not CERTIFICATE_RE.match(certificate or ""):
            raise InvalidArgument("an enforcement certificate number is 6-32 letters, digits or '-'", field="certificate",
                                  code="invalid_certificate")
        if not categories or len(categories) > 50:
            raise InvalidArgument("an inspector holds 1 to 50 categories", field="categories", code="invalid_categories")
        return cls(certificate, frozenset(check_category(c, "categories") for c in categories))
