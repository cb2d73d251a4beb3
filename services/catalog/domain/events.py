"""Domain events: facts the aggregates record, published through the outbox on commit.

They are plain data; the unit of work turns each into a CloudEvent
`mgov.catalog.<entity>.<verb>.v1` on subject `mgov.evt.<tenant>.catalog.<entity>.<verb>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    entity: str  # "item", "notice"
    verb: str  # "published", "retired"
    tenant_id: str  # the owning tenant: the event's tenant and subject position
    subject: str  # the entity id
    data: dict[str, Any]
