"""Event handlers that keep the workflow service's copies of other services' facts:
the tenant tree (identity) and published item versions (catalog). They run in the
consumer's transaction, which also records the event id: a redelivery changes nothing."""

from __future__ import annotations

import logging
import uuid

import asyncpg

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from services.workflow.adapters.reference import ReferenceRepository
from services.workflow.domain.access import TenantNode

log = logging.getLogger(__name__)

TENANTS = ConsumerSpec("workflow-tenants", ["mgov.evt.*.identity.tenant.created", "mgov.evt.*.identity.tenant.updated"])
ITEMS = ConsumerSpec("workflow-items", ["mgov.evt.*.catalog.item.published", "mgov.evt.*.catalog.item.retired"])


class BadEvent(ValueError):
    """The event lacks what the projection needs (dead-lettered after retries)."""


async def apply_tenant(conn: asyncpg.Connection, event: CloudEvent) -> None:
    data = event.data if isinstance(event.data, dict) else {}
    try:
        level = str(data["level"]).lower().removeprefix("tenant_level_")
        node = TenantNode(str(data["id"]), str(data["parent_id"]) if data.get("parent_id") else None, str(data["division_code"]), level,
                          str(data.get("status") or "active").lower().removeprefix("tenant_status_"))
        name = {"zh": str((data.get("name") or {}).get("zh", "")), "en": str((data.get("name") or {}).get("en") or "")}
    except (KeyError, AttributeError, TypeError) as exc:
        raise BadEvent(f"tenant event {event.id} lacks {exc}") from None
    await ReferenceRepository(conn).upsert_tenant(node, name, event.time)


async def apply_item(conn: asyncpg.Connection, event: CloudEvent) -> None:
    data = event.data if isinstance(event.data, dict) else {}
    repo = ReferenceRepository(conn)
    try:
        if event.type_parts[-1] == "retired":
            await repo.retire_item(uuid.UUID(str(data["id"])), event.time)
        else:
            uuid.UUID(str(data["id"])), int(data["version"]), str(data["tenant_id"])
            await repo.put_item(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise BadEvent(f"item event {event.id} lacks {exc}") from None
