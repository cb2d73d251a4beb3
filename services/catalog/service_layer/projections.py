"""Event handlers that keep the catalogue's own copies of other services' facts.

- `identity.tenant.created|updated` -> the `tenants` projection (the tree that
  inheritance, permissions and item codes are computed from);
- `workflow.application.submitted` -> the item's use counter (list order, and the
  province's search for unused "zombie" items). The event's data carries
  `service_id` (the Application's field name in workflow.proto).

They run inside the consumer's transaction (`mgov_common.events.consumer`), which also
records the event id, so a redelivered event changes nothing twice.
"""

from __future__ import annotations

import logging
import uuid

import asyncpg

from mgov_common.events.envelope import CloudEvent
from services.catalog.adapters.items import ItemRepository
from services.catalog.adapters.tenants import TenantRepository
from services.catalog.domain.inheritance import TenantNode

log = logging.getLogger(__name__)
LEVELS = ("province", "city", "county")


class BadEvent(ValueError):
    """The event's data lacks what the projection needs (dead-lettered after retries)."""


def tenant_from_event(event: CloudEvent) -> TenantNode:
    data = event.data if isinstance(event.data, dict) else {}
    try:
        tid, code, level = str(data["id"]), str(data["division_code"]), str(data["level"]).lower().removeprefix("tenant_level_")
        name = data.get("name") or {}
        node = TenantNode(
            tid, str(data["parent_id"]) if data.get("parent_id") else None, code, level,
            {"zh": str(name.get("zh", "")), "en": str(name.get("en", ""))},
            str(data.get("status") or "active").lower().removeprefix("tenant_status_"),
        )
    except (KeyError, AttributeError, TypeError) as exc:
        raise BadEvent(f"tenant event {event.id} lacks {exc}") from None
    if level not in LEVELS:
        raise BadEvent(f"tenant event {event.id} has level {level!r}")
    return node


async def apply_tenant_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    node = tenant_from_event(event)
    stored = await TenantRepository(conn).upsert(node, event.time)
    log.info("tenant projected" if stored else "older tenant event ignored", extra={"tenant": node.id, "event_id": str(event.id)})


async def count_application(conn: asyncpg.Connection, event: CloudEvent) -> None:
    data = event.data if isinstance(event.data, dict) else {}
    try:
        item = uuid.UUID(str(data["service_id"]))
    except (KeyError, ValueError):
        raise BadEvent(f"application event {event.id} has no service_id") from None
    if not await ItemRepository(conn).add_use(item):
        log.warning("application for an unknown item", extra={"service_id": str(item), "event_id": str(event.id)})
