"""The events identity publishes: `mgov.identity.tenant.created|updated.v1`.

`data` is the tenant's public shape {id, parent_id, division_code, level, name: {zh, en},
status}; catalog, workflow and notify project it (`mgov_common.tenants`), so keys are
added, never renamed or dropped.
"""

from __future__ import annotations

from typing import Any, Literal

from mgov_common.events.domain import DomainEvent


def tenant_changed(verb: Literal["created", "updated"], tenant_id: str, data: dict[str, Any]) -> DomainEvent:
    return DomainEvent("tenant", verb, tenant_id, tenant_id, data)
