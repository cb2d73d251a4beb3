"""The systems projection: identity's tenant-system events in a local `systems` table of
each service that applies tenant systems' events (workflow, catalog), so that service
checks an event's system itself, with no call to identity at run time.

Identity owns the systems and their secrets. When one is registered, its credentials
rotated or it is revoked, identity publishes `mgov.identity.system.registered|updated|
revoked.v1` (subject `mgov.evt.<tenant>.identity.system.<verb>`) from its outbox, with
`data` = {id, tenant_id, name, event_types, status, credentials_version}: who the system
is, whose it is and what its registration grants; never a secret or a hash of one.

A service opts in with `systems` in its migrations' `platform.txt` and by running
`EventConsumer(pool, js, consumer_spec("<service>"), apply_system_event)`. As with the
tenant projection (`mgov_common.tenants`), the newer event wins whatever order events
arrive in; and a revoked system stays revoked (identity never reactivates one).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import TENANT_RE, CloudEvent
from mgov_common.ingest import INGEST_TYPES

log = logging.getLogger(__name__)

VERBS = ("registered", "updated", "revoked")
SUBJECTS = [f"mgov.evt.*.identity.system.{verb}" for verb in VERBS]
STATUSES = ("active", "revoked")
MAX_NAME = 100

_UPSERT = """
INSERT INTO systems (id, tenant_id, name, event_types, status, credentials_version, event_time, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, now())
ON CONFLICT (id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, name = EXCLUDED.name, event_types = EXCLUDED.event_types,
    status = EXCLUDED.status, credentials_version = EXCLUDED.credentials_version, event_time = EXCLUDED.event_time,
    updated_at = now()
WHERE systems.event_time <= EXCLUDED.event_time AND systems.status <> 'revoked'
"""


class BadSystemEvent(ValueError):
    """A system event the projection cannot store; the message names the field
    (the consumer retries it, then dead-letters it)."""


@dataclass(frozen=True)
class SystemNode:
    id: uuid.UUID
    tenant_id: str
    name: str
    event_types: frozenset[str]
    status: str
    credentials_version: int

    @property
    def active(self) -> bool:
        return self.status == "active"


def consumer_spec(service: str) -> ConsumerSpec:
    """The durable consumer of identity's system events for `service`."""
    return ConsumerSpec(f"{service}-systems", list(SUBJECTS))


def system_data(node: SystemNode) -> dict[str, Any]:
    """The `data` of a system event (what identity publishes): the parser's inverse."""
    return {"id": str(node.id), "tenant_id": node.tenant_id, "name": node.name, "event_types": sorted(node.event_types),
            "status": node.status, "credentials_version": node.credentials_version}


def system_from_data(data: Any) -> SystemNode:
    """The system an event's `data` describes; `BadSystemEvent` names the first bad field."""
    if not isinstance(data, dict):
        raise BadSystemEvent("data must be an object")
    try:
        sid = uuid.UUID(data.get("id") if isinstance(data.get("id"), str) else "")
    except ValueError:
        raise BadSystemEvent(f"id must be a system id (a UUID), not {data.get('id')!r}") from None
    tenant = data.get("tenant_id")
    if not isinstance(tenant, str) or not TENANT_RE.match(tenant):
        raise BadSystemEvent(f"tenant_id must be a tenant slug, not {tenant!r}")
    name = data.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= MAX_NAME:
        raise BadSystemEvent(f"name must be a string of 1 to {MAX_NAME} characters")
    types = data.get("event_types")
    if not isinstance(types, list) or not types or any(t not in INGEST_TYPES for t in types) or len(set(types)) != len(types):
        raise BadSystemEvent(f"event_types must list distinct types systems publish ({', '.join(INGEST_TYPES)}), not {types!r}")
    status = data.get("status")
    if status not in STATUSES:
        raise BadSystemEvent(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    version = data.get("credentials_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BadSystemEvent(f"credentials_version must be a whole number of at least 1, not {version!r}")
    return SystemNode(sid, tenant, name, frozenset(types), status, version)


def parse_system_event(event: CloudEvent) -> SystemNode:
    """The system of an identity system event, checked against its envelope: the tenant it
    was published for, the subject it names and the verb it carries."""
    verb = event.type_parts[-1] if event.type_parts[:2] == ("identity", "system") else ""
    if verb not in VERBS:
        raise BadSystemEvent(f"system event {event.id}: {event.type} is not an identity system event")
    try:
        node = system_from_data(event.data)
    except BadSystemEvent as exc:
        raise BadSystemEvent(f"system event {event.id}: {exc}") from None
    if node.tenant_id != event.tenant:
        raise BadSystemEvent(f"system event {event.id} is about a system of {node.tenant_id} but was published for {event.tenant}")
    if event.subject != str(node.id):
        raise BadSystemEvent(f"system event {event.id} names {event.subject!r} as its subject, not the system {node.id}")
    if (verb == "revoked") != (node.status == "revoked"):
        raise BadSystemEvent(f"system event {event.id}: a {verb} event cannot carry status {node.status!r}")
    return node


def _node(row: asyncpg.Record) -> SystemNode:
    return SystemNode(row["id"], row["tenant_id"], row["name"], frozenset(row["event_types"]), row["status"],
                      row["credentials_version"])


class SystemProjection:
    """The `systems` table of one service's schema."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, system_id: uuid.UUID) -> SystemNode | None:
        row = await self.conn.fetchrow("SELECT * FROM systems WHERE id = $1", system_id)
        return _node(row) if row else None

    async def upsert(self, node: SystemNode, event_time: datetime) -> bool:
        """Store `node` unless an event newer than `event_time` already did, or the system
        is already revoked; True when stored."""
        status = await self.conn.execute(_UPSERT, node.id, node.tenant_id, node.name, sorted(node.event_types), node.status,
                                         node.credentials_version, event_time)
        return status.endswith(" 1")


async def apply_system_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """The consumer's handler (inside its transaction, which also records the event id)."""
    node = parse_system_event(event)
    stored = await SystemProjection(conn).upsert(node, event.time)
    log.info("system projected" if stored else "older system event ignored",
             extra={"system": str(node.id), "tenant": node.tenant_id, "event_id": str(event.id)})
