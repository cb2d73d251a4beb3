"""A service item's content as JSON, parsed by one function wherever it arrives: the
mobile API's item bodies (gateway) and tenant systems' `item.updated` events (`fields`).

The dialect is `mgov_common.protojson`: snake_case names, enums as slugs (`type` also
accepts the two-letter code and the Chinese name, 行政许可), and a 422-style
`InvalidArgument` naming every bad field. Only the content fields are writable.
"""

from __future__ import annotations

from typing import Any

from mgov.catalog.v1 import catalog_pb2 as pb
from mgov_common import protojson
from mgov_common.errors import FieldViolation, InvalidArgument

# The eight item types: slug -> (code, zh, en). Mirrors services/catalog/domain/types.py
# (a unit test holds them together).
ITEM_TYPES: dict[str, tuple[str, str, str]] = {
    "administrative_licensing": ("XK", "行政许可", "Administrative licensing"),
    "administrative_confirmation": ("QR", "行政确认", "Administrative confirmation"),
    "administrative_payment": ("JF", "行政给付", "Administrative payment"),
    "administrative_adjudication": ("CJ", "行政裁决", "Administrative adjudication"),
    "administrative_reward": ("JL", "行政奖励", "Administrative reward"),
    "administrative_filing": ("BA", "行政备案", "Administrative filing"),
    "other_administrative_power": ("QT", "其他行政权力", "Other administrative power"),
    "public_service": ("GG", "公共服务", "Public service"),
}
TYPE_ENUM = pb.ItemType.DESCRIPTOR
ALIASES: protojson.EnumAliases = {
    TYPE_ENUM.full_name: {alias: protojson.enum_number(TYPE_ENUM, slug) or 0 for slug, (code, zh, _) in ITEM_TYPES.items() for alias in (code, zh)},
}
CONTENT_FIELDS = ("name", "type", "agency", "department", "summary", "guide", "keywords", "form_schema", "workflow_id", "required_identity_level")


def parse_item_fields(body: dict[str, Any], *, extra: tuple[str, ...] = (), path: str = "") -> tuple[pb.ServiceItem, list[str]]:
    """The item of a body and the paths it sets (`name`, `guide.fees`, ...), for an update mask.

    Keys in `extra` are allowed and left to the caller; `path` prefixes field names in errors."""
    if not isinstance(body, dict):
        raise InvalidArgument("the item's fields are an object", code="validation_failed", field=path or "fields")
    bad = [k for k in body if k not in CONTENT_FIELDS and k not in extra]
    if bad:
        raise InvalidArgument(
            f"not writable: {', '.join(bad)}", code="validation_failed",
            violations=[FieldViolation(f"{path}.{k}" if path else k, "unknown_field", "is not a writable field of a service item")
                        for k in bad],
        )
    content = {k: v for k, v in body.items() if k in CONTENT_FIELDS}
    item = protojson.from_json(content, pb.ServiceItem, aliases=ALIASES, path=path)
    paths = [k for k in content if k != "guide"]
    guide = content.get("guide")
    if isinstance(guide, dict):
        paths += [f"guide.{k}" for k in guide]
    elif "guide" in content:
        paths.append("guide")
    return item, paths
