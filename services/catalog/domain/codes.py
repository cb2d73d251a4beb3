"""Item codes: administrative division code + type code + serial (`330100-XK-0001`).

The division code (GB/T 2260) says whose item it is, the type code what kind, the
serial tells items of one tenant and type apart. A localisation keeps the code of the
item it localises (the province-wide 基本编码), so one code names the same service in
every city's implementation list; (tenant, code) is unique.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from mgov_common.errors import InvalidArgument
from services.catalog.domain.types import ItemType

CODE_RE = re.compile(r"^(\d{6})-([A-Z]{2})-(\d{4})$")
DIVISION_RE = re.compile(r"^\d{6}$")
MAX_SERIAL = 9999
# Item ids are derived from (tenant, code): the demo seed and re-runs of it land on the
# same ids, and an id never needs a lookup table.
_ID_NAMESPACE = uuid.UUID("6f2b8c7e-3f0a-4e55-9d38-6b1f0c2a4d11")


@dataclass(frozen=True)
class ItemCode:
    division: str
    type: ItemType
    serial: int

    def __str__(self) -> str:
        return f"{self.division}-{self.type.code}-{self.serial:04d}"

    @classmethod
    def parse(cls, raw: str, field: str = "code") -> "ItemCode":
        m = CODE_RE.match(raw or "")
        if not m:
            raise InvalidArgument(
                f"item code {raw!r} must be <division code>-<type code>-<serial>, e.g. 330100-XK-0001",
                code="invalid_code",
                field=field,
            )
        serial = int(m.group(3))
        if serial == 0:
            raise InvalidArgument("the serial of an item code starts at 0001", code="invalid_code", field=field)
        return cls(m.group(1), ItemType.from_code(m.group(2)), serial)

    @classmethod
    def next(cls, division: str, type_: ItemType, last_serial: int) -> "ItemCode":
        if not DIVISION_RE.match(division):
            raise InvalidArgument(f"division code {division!r} is not six digits", code="invalid_division_code", field="tenant_id")
        if last_serial >= MAX_SERIAL:
            raise InvalidArgument(f"no serial left for {division}-{type_.code}", code="serials_exhausted", field="type")
        return cls(division, type_, last_serial + 1)


def item_id(tenant_id: str, code: str) -> uuid.UUID:
    return uuid.uuid5(_ID_NAMESPACE, f"{tenant_id}/{code}")
