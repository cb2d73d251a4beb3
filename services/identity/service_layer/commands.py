"""Commands: what the entrypoints ask the service layer to do (no proto types here)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Register:
    tenant_id: str
    phone: str
    password: str
    name: str
    source_address: str = ""


@dataclass(frozen=True)
class Authenticate:
    phone: str
    password: str
    source_address: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class Refresh:
    refresh_token: str
    source_address: str = ""


@dataclass(frozen=True)
class Revoke:
    refresh_token: str = ""
    all_sessions: bool = False
    source_address: str = ""


@dataclass(frozen=True)
class SetNationalId:
    national_id: str
    real_name: str
    user_id: str = ""


@dataclass(frozen=True)
class CreateStaff:
    tenant_id: str
    phone: str
    name: str
    password: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class DisableStaff:
    user_id: str
    tenant_id: str
    reason: str


@dataclass(frozen=True)
class ChangeRole:
    user_id: str
    tenant_id: str
    role: str


@dataclass(frozen=True)
class ListStaff:
    tenant_id: str
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True)
class CreateTenant:
    id: str
    name_zh: str
    division_code: str
    parent_id: str
    name_en: str | None = None
    level: str | None = None


@dataclass(frozen=True)
class UpdateTenant:
    tenant_id: str
    name_zh: str | None = None
    name_en: str | None = None
    set_en: bool = False
    status: str | None = None


@dataclass(frozen=True)
class ListTenants:
    root_id: str = ""
    parent_id: str = ""
    include_suspended: bool = False
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True)
class DemoAccount:
    phone: str
    name: str
    tenant_id: str
    roles: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ConfirmRegistration:
    registration_id: str
    code: str
    source_address: str = ""
    user_agent: str = ""
