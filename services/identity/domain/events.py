"""Domain events recorded by entities; the unit of work turns them into CloudEvents
in the outbox (same transaction as the change)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class TenantChanged:
    """`mgov.identity.tenant.created|updated.v1`; `data` is the tenant's public shape:
    {id, parent_id, division_code, level, name: {zh, en}, status}."""

    verb: Literal["created", "updated"]
    tenant_id: str
    data: dict[str, Any]


@dataclass(frozen=True)
class SignInThrottled:
    """`mgov.identity.user.sign_in_throttled.v1`: wrong passwords for this account have
    started to slow its sign-in (once per burst), so the holder can be told. `data`:
    {user_id, failure_count, window_s, max_delay_s}; no address, no password."""

    tenant_id: str
    user_id: str
    data: dict[str, Any]


DomainEvent = TenantChanged | SignInThrottled
