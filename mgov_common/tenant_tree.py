"""A node of identity's tenant tree as the other services keep it, and the rules of
identity's tenant events' `data` (pure: no I/O, so domain code can use it).

Identity owns the tree (province → city → county). catalog, workflow and notify keep a
projection of it (`mgov_common.tenants`) fed by `mgov.identity.tenant.created|updated.v1`,
whose `data` is {id, parent_id, division_code, level, name: {zh, en}, status}. Every
field is checked here, so a malformed event is refused (and dead-lettered) the same way
in every service instead of being stored in one and refused in another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

LEVELS = ("province", "city", "county")
STATUSES = ("active", "suspended")
TENANT_ID = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
DIVISION_CODE = re.compile(r"^[1-9][0-9]{5}$")
MAX_NAME = 200


class BadTenantData(ValueError):
    """The tenant event's data breaks a rule; the message names the field."""


@dataclass(frozen=True)
class TenantNode:
    id: str
    parent_id: str | None
    division_code: str
    level: str
    name: dict[str, str] = field(default_factory=dict)
    status: str = "active"


def _text(value: Any, where: str, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > MAX_NAME or (required and not value.strip()):
        raise BadTenantData(f"{where} must be a {'non-empty ' if required else ''}string of at most {MAX_NAME} characters")
    return value


def _enum(value: Any, where: str, allowed: tuple[str, ...], prefix: str) -> str:
    # Older events carried the proto enum names (TENANT_LEVEL_CITY); the value is the same.
    text = value.lower().removeprefix(prefix) if isinstance(value, str) else None
    if text not in allowed:
        raise BadTenantData(f"{where} must be one of {', '.join(allowed)}, not {value!r}")
    return text


def tenant_from_data(data: Any) -> TenantNode:
    """The node an event's `data` describes; `BadTenantData` names the first bad field."""
    if not isinstance(data, dict):
        raise BadTenantData("data must be an object")
    tid, parent = data.get("id"), data.get("parent_id") or None
    if not isinstance(tid, str) or not TENANT_ID.match(tid):
        raise BadTenantData(f"id must be a tenant slug, not {tid!r}")
    if parent is not None and (not isinstance(parent, str) or not TENANT_ID.match(parent) or parent == tid):
        raise BadTenantData(f"parent_id must be another tenant's slug, not {parent!r}")
    code = data.get("division_code")
    if not isinstance(code, str) or not DIVISION_CODE.match(code):
        raise BadTenantData(f"division_code must be six digits, not {code!r}")
    level = _enum(data.get("level"), "level", LEVELS, "tenant_level_")
    if (level == "province") != (parent is None):
        raise BadTenantData("the province has no parent_id and every other level has one")
    name = data.get("name")
    if not isinstance(name, dict):
        raise BadTenantData("name must be an object {zh, en}")
    names = {"zh": _text(name.get("zh"), "name.zh", required=True), "en": _text(name.get("en"), "name.en", required=False)}
    status = _enum(data.get("status") or "active", "status", STATUSES, "tenant_status_")
    return TenantNode(tid, parent, code, level, names, status)
