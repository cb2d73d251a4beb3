"""The tenant tree: province -> city -> county, with GB/T 2260 division codes.

Rules kept here: slug and code formats, one level below the parent, the child's code
inside the parent's (330106 under 330100 under 330000), names, status changes. One
province per platform is the service layer's check (it needs the database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from mgov_common.errors import FailedPrecondition, InvalidArgument
from mgov_common.events.domain import DomainEvent
from services.identity.domain.events import tenant_changed

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
_CODE = re.compile(r"^[1-9][0-9]{5}$")


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"

    @property
    def child(self) -> "Level | None":
        return {Level.PROVINCE: Level.CITY, Level.CITY: Level.COUNTY}.get(self)


class Status(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


def check_slug(value: str, field: str = "id") -> str:
    if not value:
        raise InvalidArgument("a tenant id is required", field=field, code="required")
    if not SLUG.fullmatch(value):
        raise InvalidArgument("a tenant id is 2-31 of a-z, 0-9 and -, starting with a letter", field=field, code="invalid_slug")
    return value


def check_names(zh: str, en: str | None, field: str = "name") -> tuple[str, str | None]:
    zh = (zh or "").strip()
    en = (en or "").strip() or None
    if not zh:
        raise InvalidArgument("the Chinese name is required", field=f"{field}.zh", code="required")
    if len(zh) > 100:
        raise InvalidArgument("the Chinese name has at most 100 characters", field=f"{field}.zh", code="too_long")
    if en is not None and len(en) > 100:
        raise InvalidArgument("the English name has at most 100 characters", field=f"{field}.en", code="too_long")
    return zh, en


def check_division_code(code: str, level: Level, parent_code: str | None, field: str = "division_code") -> str:
    """GB/T 2260: province XX0000, city XXYY00 inside its province, county XXYYZZ inside its city."""
    if not _CODE.fullmatch(code or ""):
        raise InvalidArgument("a division code is six digits (GB/T 2260)", field=field, code="invalid_division_code")
    city, county = code[2:4], code[4:]
    shape_ok = {
        Level.PROVINCE: city == "00" and county == "00",
        Level.CITY: city != "00" and county == "00",
        Level.COUNTY: city != "00" and county != "00",
    }[level]
    if not shape_ok:
        raise InvalidArgument(f"{code} is not the code of a {level.value} (GB/T 2260)", field=field, code="invalid_division_code")
    if parent_code is not None:
        prefix = parent_code[:2] if level is Level.CITY else parent_code[:4]
        if not code.startswith(prefix):
            raise InvalidArgument(f"{code} does not lie inside the parent's code {parent_code}", field=field, code="division_code_outside_parent")
    return code


@dataclass
class Tenant:
    id: str
    parent_id: str | None
    division_code: str
    level: Level
    name_zh: str
    name_en: str | None
    status: Status
    created_at: datetime
    updated_at: datetime
    events: list[DomainEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def create(
        cls, *, id: str, name_zh: str, name_en: str | None, division_code: str,
        parent: "Tenant | None", level: Level | None, now: datetime,
    ) -> "Tenant":
        """A new tenant one level below `parent` (the province when there is none)."""
        check_slug(id)
        zh, en = check_names(name_zh, name_en)
        expected = parent.level.child if parent is not None else Level.PROVINCE
        if parent is not None and expected is None:
            raise InvalidArgument("a county has no children", field="parent_id", code="invalid_parent")
        if level is not None and level is not expected:
            raise InvalidArgument(f"a tenant under this parent is a {expected}, not a {level}", field="level", code="invalid_level")
        assert expected is not None
        if parent is not None and parent.status is not Status.ACTIVE:
            raise FailedPrecondition(f"tenant {parent.id} is suspended", field="parent_id", code="parent_suspended")
        check_division_code(division_code, expected, parent.division_code if parent else None)
        tenant = cls(id, parent.id if parent else None, division_code, expected, zh, en, Status.ACTIVE, now, now)
        tenant.events.append(tenant_changed("created", tenant.id, tenant.public()))
        return tenant

    def update(self, *, name_zh: str | None = None, name_en: str | None = None, set_en: bool = False,
               status: Status | None = None, now: datetime) -> list[str]:
        """Apply the given changes; return the changed field names (an event if any)."""
        changed: list[str] = []
        zh, en = check_names(self.name_zh if name_zh is None else name_zh, name_en if set_en else self.name_en)
        if zh != self.name_zh:
            self.name_zh = zh
            changed.append("name.zh")
        if en != self.name_en:
            self.name_en = en
            changed.append("name.en")
        if status is not None and status is not self.status:
            if self.level is Level.PROVINCE and status is Status.SUSPENDED:
                raise FailedPrecondition("the province cannot be suspended", field="status", code="root_not_suspendable")
            self.status = status
            changed.append("status")
        if changed:
            self.updated_at = now
            self.events.append(tenant_changed("updated", self.id, self.public()))
        return changed

    def public(self) -> dict[str, Any]:
        """The shape of tenant events (consumed by the catalog's projection; keep it stable)."""
        return {
            "id": self.id,
            "parent_id": self.parent_id,
            "division_code": self.division_code,
            "level": self.level.value,
            "name": {"zh": self.name_zh, "en": self.name_en or ""},  # "" when not given, as LocalizedText
            "status": self.status.value,
        }
