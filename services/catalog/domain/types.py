"""The closed vocabularies of a service guide.

Values are the slugs the API speaks (`administrative_licensing`, `service_hall`), the
same as the proto enum names without their prefix, so that one JSON shape serves the
domain, the database and the mobile API. The eight item types carry the two-letter
code used in item codes (`330100-XK-0001`) and their Chinese names, which the API
also accepts as input.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mgov_common.errors import InvalidArgument


@dataclass(frozen=True)
class _TypeInfo:
    slug: str
    code: str
    zh: str
    en: str


class ItemType(Enum):
    """事项类型: the eight kinds of government service items."""

    ADMINISTRATIVE_LICENSING = _TypeInfo("administrative_licensing", "XK", "行政许可", "Administrative licensing")
    ADMINISTRATIVE_CONFIRMATION = _TypeInfo("administrative_confirmation", "QR", "行政确认", "Administrative confirmation")
    ADMINISTRATIVE_PAYMENT = _TypeInfo("administrative_payment", "JF", "行政给付", "Administrative payment")
    ADMINISTRATIVE_ADJUDICATION = _TypeInfo("administrative_adjudication", "CJ", "行政裁决", "Administrative adjudication")
    ADMINISTRATIVE_REWARD = _TypeInfo("administrative_reward", "JL", "行政奖励", "Administrative reward")
    ADMINISTRATIVE_FILING = _TypeInfo("administrative_filing", "BA", "行政备案", "Administrative filing")
    OTHER_ADMINISTRATIVE_POWER = _TypeInfo("other_administrative_power", "QT", "其他行政权力", "Other administrative power")
    PUBLIC_SERVICE = _TypeInfo("public_service", "GG", "公共服务", "Public service")

    @property
    def slug(self) -> str:
        return self.value.slug

    @property
    def code(self) -> str:
        return self.value.code

    @property
    def zh(self) -> str:
        return self.value.zh

    @property
    def en(self) -> str:
        return self.value.en

    @classmethod
    def parse(cls, raw: object, field: str = "type") -> "ItemType":
        """Accepts the slug, the two-letter code or the Chinese name."""
        if isinstance(raw, str):
            text = raw.strip()
            for t in cls:
                if text.lower() in (t.slug, t.code.lower()) or text == t.zh:
                    return t
        choices = ", ".join(f"{t.slug} ({t.zh}, {t.code})" for t in cls)
        raise InvalidArgument(f"unknown item type {raw!r}; one of: {choices}", code="unknown_type", field=field)

    @classmethod
    def from_code(cls, code: str) -> "ItemType":
        for t in cls:
            if t.code == code:
                return t
        raise InvalidArgument(f"unknown type code {code!r}", code="unknown_type", field="code")


class ItemStatus(str, Enum):
    DRAFT = "draft"  # never published
    PUBLISHED = "published"
    RETIRED = "retired"


# Ordered as shown to citizens.
CHANNELS = ("app", "web", "service_hall")
PROCESSING_KINDS = ("instant", "promised")  # 即办件, 承诺件
MATERIAL_SOURCES = ("citizen_upload", "electronic_license", "data_sharing")
IDENTITY_LEVELS = ("basic", "real_name")
NOTICE_CATEGORIES = ("announcement", "policy", "interpretation", "public_comment", "other")
