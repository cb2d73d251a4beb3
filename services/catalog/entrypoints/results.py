"""一公开: the enforcement service's plan results become notices of the tenant.

The enforcement service records `plan.results_published` (title and body: subjects,
outcomes and certificate numbers, no inspector's name) when a plan's publication day
comes. This consumer publishes it as an announcement of the plan's tenant, as the
enforcement service, with the event id as the idempotency key, in the transaction that
records the event: one notice per plan, however often the event arrives.
"""

from __future__ import annotations

import asyncpg

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from mgov_common.ingest import NOTICE_PUBLISHED
from mgov_common.principal import PLATFORM, Principal
from services.catalog.adapters.uow import UnitOfWork
from services.catalog.entrypoints.grpc import Clock, utcnow
from services.catalog.service_layer import notices

RESULTS = ConsumerSpec("catalog-enforcement-results", ["mgov.evt.*.enforcement.plan.results_published"])


def handler(clock: Clock = utcnow):  # type: ignore[no-untyped-def]
    async def apply(conn: asyncpg.Connection, event: CloudEvent) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        enforcement = Principal(subject="enforcement", tenant=event.tenant, kind=PLATFORM, grants=frozenset({NOTICE_PUBLISHED}))
        await notices.publish_notice(
            UnitOfWork.joining(conn), enforcement, tenant_id=event.tenant, title={"zh": str(data["title"]["zh"])[:200], "en": ""},
            body={"zh": str(data["body"]["zh"])[:20000], "en": ""}, category="announcement", publish_time=None,
            request_id=str(event.id), now=clock())

    return apply
