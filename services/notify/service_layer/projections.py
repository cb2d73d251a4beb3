"""Identity's tenant events into notify's tenant projection (in the consumer's transaction)."""

from __future__ import annotations

import asyncpg

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from services.notify.adapters.tenants import TenantRepository
from services.notify.domain.rules import BadEvent

TENANTS = ConsumerSpec("notify-tenants", ["mgov.evt.*.identity.tenant.created", "mgov.evt.*.identity.tenant.updated"])


async def apply_tenant(conn: asyncpg.Connection, event: CloudEvent) -> None:
    data = event.data if isinstance(event.data, dict) else {}
    try:
        name = data.get("name") or {}
        await TenantRepository(conn).upsert(
            id=str(data["id"]), parent_id=str(data["parent_id"]) if data.get("parent_id") else None,
            division_code=str(data["division_code"]), level=str(data["level"]).lower().removeprefix("tenant_level_"),
            name={"zh": str(name.get("zh", "")), "en": str(name.get("en") or "")},
            status=str(data.get("status") or "active").lower().removeprefix("tenant_status_"), event_time=event.time,
        )
    except (KeyError, AttributeError, TypeError) as exc:
        raise BadEvent(f"tenant event {event.id} lacks {exc}") from None
