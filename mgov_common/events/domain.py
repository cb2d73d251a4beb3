"""The domain event every service records: plain data, no I/O, so domain code can use it.

An aggregate appends these to its own `events` list (or a service-layer function hands
them to `uow.record`); the unit of work (`mgov_common.uow`) turns each into one CloudEvent
`mgov.<service>.<entity>.<verb>.v1` on subject `mgov.evt.<tenant>.<service>.<entity>.<verb>`
and writes it to the outbox in the transaction of the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    entity: str  # "tenant", "item", "application", "notification", ...
    verb: str  # past tense: "created", "published", "submitted", "delivered", ...
    tenant_id: str  # the tenant the event belongs to: its `tenant` and its subject position
    subject: str  # the entity's id
    data: dict[str, Any]
    # When it happened, for an event recorded after the fact (an SLA timer's due moment);
    # None: when recorded (the service's clock).
    time: datetime | None = None
