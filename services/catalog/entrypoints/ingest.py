"""Tenant systems' item updates and notices, applied by the catalogue itself
(docs/tenant-systems.md).

- `mgov.catalog.item.updated.v1` ({service_id, fields, publish?}): a city localises an
  item it inherits (or changes its own) and, unless `publish` is false, publishes it.
  `fields` are parsed by the same code as the mobile API's item bodies
  (`mgov_common.item_json`): one dialect for item JSON.
- `mgov.notice.published.v1` ({title, body, category?}): a notice of the system's tenant.

Identity's admission stores the events; this consumer (`mgov_common.ingest_consumer`:
checks, refusals, dedup, the system from the systems projection) applies each here, as
the system, with the event id as the idempotency key, in the transaction that records
the event. The same use cases and translations as the gRPC entrypoint.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
from nats.js import JetStreamContext

from mgov_common import ingest
from mgov_common.errors import InvalidArgument
from mgov_common.events.envelope import CloudEvent
from mgov_common.ingest_consumer import IngestConsumer
from mgov_common.item_json import parse_item_fields
from mgov_common.principal import Principal
from services.catalog.adapters.uow import UnitOfWork
from services.catalog.entrypoints import mapping as m
from services.catalog.entrypoints.grpc import Clock, utcnow
from services.catalog.service_layer import items, notices

TYPES = (ingest.ITEM_UPDATED, ingest.NOTICE_PUBLISHED)


class CatalogIngest(IngestConsumer):
    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, *, clock: Clock = utcnow, max_in_flight: int = 128) -> None:
        super().__init__(pool, js, "catalog", TYPES, self.apply_event, max_in_flight=max_in_flight)
        self.clock = clock

    async def apply_event(self, conn: asyncpg.Connection, event: CloudEvent, principal: Principal) -> None:
        uow, now = UnitOfWork.joining(conn), self.clock()
        if event.type == ingest.NOTICE_PUBLISHED:
            await publish_notice(uow, principal, event, now)
        else:
            await update_item(uow, principal, event, now)


async def publish_notice(uow: UnitOfWork, principal: Principal, event: CloudEvent, now: datetime) -> None:
    data = event.data
    await notices.publish_notice(
        uow, principal, tenant_id=event.tenant, title=_localized(data["title"]), body=_localized(data["body"]),
        category=data.get("category", "announcement"), publish_time=None, request_id=str(event.id), now=now)


async def update_item(uow: UnitOfWork, principal: Principal, event: CloudEvent, now: datetime) -> None:
    data = event.data
    try:
        item, paths = parse_item_fields(data["fields"], path="fields")
    except InvalidArgument as exc:
        bad = "; ".join(f"{v.field}: {v.description}" for v in exc.violations) or str(exc)
        raise ingest.Refused(f"fields are not those of a service item: {bad}", "invalid_data") from None
    view = await items.create_draft(
        uow, principal, tenant_id=event.tenant, base_item_id=m.parse_id(data["service_id"], "base_item_id"),
        changes=m.changes_from_proto(item), paths=m.mask_paths(paths), request_id=str(event.id), now=now)
    # A repeated event finds its draft already published: nothing more to do.
    if data.get("publish", True) and view.status != "published":
        await items.publish(uow, principal, item_id=view.id, etag="", now=now)


def _localized(text: dict[str, str]) -> dict[str, str]:
    return {"zh": text["zh"], "en": text.get("en", "")}
