"""Event handlers that keep the catalogue's own copies of other services' facts (the
tenant tree is the shared projection, `mgov_common.tenants`):

- `workflow.application.submitted` -> the item's use counter (list order, and the
  province's search for unused "zombie" items). The event's data carries
  `service_id` (the Application's field name in workflow.proto).

It runs inside the consumer's transaction (`mgov_common.events.consumer`), which also
records the event id, so a redelivered event changes nothing twice.
"""

from __future__ import annotations

import logging
import uuid

import asyncpg

from mgov_common.events.envelope import CloudEvent
from services.catalog.adapters.items import ItemRepository

log = logging.getLogger(__name__)


class BadEvent(ValueError):
    """The event's data lacks what the projection needs (dead-lettered after retries)."""


def item_of(event: CloudEvent) -> uuid.UUID:
    """The item an application event counts for."""
    data = event.data if isinstance(event.data, dict) else {}
    try:
        return uuid.UUID(str(data["service_id"]))
    except (KeyError, ValueError):
        raise BadEvent(f"application event {event.id} has no service_id") from None


async def count_application(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """One event on its own (the consumer's one-by-one path; batches: entrypoints.use_counter)."""
    item = item_of(event)
    if not await ItemRepository(conn).add_use(item):
        log.warning("application for an unknown item", extra={"service_id": str(item), "event_id": str(event.id)})
