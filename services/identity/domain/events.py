"""The events identity publishes: `mgov.identity.tenant.created|updated.v1`,
`mgov.identity.system.registered|updated|revoked.v1` and
`mgov.identity.user.sign_in_throttled.v1` and `mgov.identity.user.signed_in.v1`.

`data` is the tenant's public shape {id, parent_id, division_code, level, name: {zh, en},
status}; catalog, workflow and notify project it (`mgov_common.tenants`), so keys are
added, never renamed or dropped.
"""

from __future__ import annotations

from typing import Any, Literal

from mgov_common.events.domain import DomainEvent


def tenant_changed(verb: Literal["created", "updated"], tenant_id: str, data: dict[str, Any]) -> DomainEvent:
    return DomainEvent("tenant", verb, tenant_id, tenant_id, data)


def sign_in_throttled(tenant_id: str, user_id: str, data: dict[str, Any]) -> DomainEvent:
    """`mgov.identity.user.sign_in_throttled.v1`: wrong passwords for this account have
    started to slow its sign-in (once per burst), so the holder can be told. `data`:
    {user_id, failure_count, window_s, max_delay_s}; no address, no password."""
    return DomainEvent("user", "sign_in_throttled", tenant_id, user_id, data)


def signed_in(tenant_id: str, user_id: str, roles: list[str]) -> DomainEvent:
    """`mgov.identity.user.signed_in.v1`: the account signed in with its password (insight
    watches staff accounts that stop signing in). `data`: {user_id, roles}, the roles as
    "tenant:role" bindings; no address, no device, no name."""
    return DomainEvent("user", "signed_in", tenant_id, user_id, {"user_id": user_id, "roles": sorted(roles)})


def user_disabled(tenant_id: str, user_id: str) -> DomainEvent:
    """`mgov.identity.user.disabled.v1`: an administrator disabled the account. `data`: {user_id}."""
    return DomainEvent("user", "disabled", tenant_id, user_id, {"user_id": user_id})


def system_changed(verb: Literal["registered", "updated", "revoked"], tenant_id: str, system_id: str,
                   data: dict[str, Any]) -> DomainEvent:
    """`mgov.identity.system.<verb>.v1`: a tenant system was registered, had its credentials
    rotated, or was revoked. `data` is what services that apply systems' events need to
    check them ({id, tenant_id, name, event_types, status, credentials_version}, built by
    `mgov_common.systems.system_data`); never a secret or a hash of one."""
    return DomainEvent("system", verb, tenant_id, system_id, data)
