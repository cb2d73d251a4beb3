"""Event handlers that keep the workflow service's copies of other services' facts:
published item versions (catalog); the tenant tree is the shared projection
(`mgov_common.tenants`). They run in the consumer's transaction, which also records
the event id: a redelivery changes nothing."""

from __future__ import annotations

import logging
import uuid

import asyncpg

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from services.workflow.adapters.reference import ReferenceRepository

log = logging.getLogger(__name__)

ITEMS = ConsumerSpec("workflow-items", ["mgov.evt.*.catalog.item.published", "mgov.evt.*.catalog.item.retired"])


class BadEvent(ValueError):
    """The event lacks what the projection needs (dead-lettered after retries)."""


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
