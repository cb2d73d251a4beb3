"""The events identity publishes: `mgov.identity.tenant.created|updated.v1` and
`mgov.identity.user.sign_in_throttled.v1`.

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
