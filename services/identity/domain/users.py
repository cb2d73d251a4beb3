"""Users: citizens (registered with phone and password) and staff, with per-tenant roles.

The entity holds personal numbers in plaintext in memory only; the repository encrypts
them on the way to the database. Views for other callers are masked here, so no
entrypoint can forget to.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from mgov_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from mgov_common.principal import BASIC, REAL_NAME, RoleBinding
from services.identity.domain.national_id import mask_national_id
from mgov_common.phone import mask_phone
from services.identity.domain.roles import CITIZEN

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UserStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


def check_name(name: str, field: str = "name") -> str:
    value = (name or "").strip()
    if not value:
        raise InvalidArgument("a name is required", field=field, code="required")
    if len(value) > 64:
        raise InvalidArgument("a name has at most 64 characters", field=field, code="too_long")
    if _CONTROL.search(value):
        raise InvalidArgument("a name may not contain control characters", field=field, code="invalid_characters")
    return value


@dataclass
class User:
    id: uuid.UUID
    tenant_id: str
    name: str
    # Personal data and the hash stay out of reprs (and so out of logs and tracebacks).
    phone: str = field(repr=False)
    password_hash: str = field(repr=False)
    status: UserStatus
    identity_level: int
    national_id: str | None = field(repr=False)
    real_name: str | None = field(repr=False)
    created_at: datetime
    updated_at: datetime
    roles: set[RoleBinding] = field(default_factory=set)

    @classmethod
    def new(cls, *, tenant_id: str, name: str, phone: str, password_hash: str, now: datetime,
            roles: set[RoleBinding] | None = None) -> "User":
        return cls(uuid.uuid4(), tenant_id, check_name(name), phone, password_hash, UserStatus.ACTIVE, BASIC,
                   None, None, now, now, set(roles or ()))

    @classmethod
    def register_citizen(cls, *, tenant_id: str, name: str, phone: str, password_hash: str, now: datetime) -> "User":
        """A citizen of their tenant of residence, with the role `citizen` there."""
        return cls.new(tenant_id=tenant_id, name=name, phone=phone, password_hash=password_hash, now=now,
                       roles={RoleBinding(tenant_id, CITIZEN)})

    @property
    def active(self) -> bool:
        return self.status is UserStatus.ACTIVE

    def grant(self, binding: RoleBinding, now: datetime) -> bool:
        if binding in self.roles:
            return False
        self.roles.add(binding)
        self.updated_at = now
        return True

    def revoke(self, binding: RoleBinding, now: datetime) -> bool:
        if binding not in self.roles:
            return False
        self.roles.discard(binding)
        self.updated_at = now
        return True

    def set_national_id(self, national_id: str, real_name: str, now: datetime) -> None:
        """Record a validated ID number; the user becomes REAL_NAME. Set once."""
        if self.national_id is not None:
            if self.national_id == national_id:
                raise AlreadyExists("this ID number is already on your account", field="national_id", code="national_id_already_set")
            raise FailedPrecondition("a national ID number is already set", field="national_id", code="national_id_already_set")
        self.real_name = check_name(real_name, "real_name")
        self.national_id = national_id
        self.identity_level = REAL_NAME
        self.updated_at = now

    def encoded_roles(self) -> list[str]:
        """Role bindings as access-token claims, sorted for stable tokens."""
        return sorted(b.encode() for b in self.roles)

    def phone_for(self, viewer_id: str | None) -> str:
        return self.phone if viewer_id == str(self.id) else mask_phone(self.phone)

    def national_id_for(self, viewer_id: str | None) -> str:
        if self.national_id is None:
            return ""
        return self.national_id if viewer_id == str(self.id) else mask_national_id(self.national_id)
