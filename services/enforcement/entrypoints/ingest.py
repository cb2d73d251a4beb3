"""Tenant systems' subjects (`mgov.subject.upserted.v1`), applied by the enforcement service.

A city's market-supervision register publishes each subject it creates or changes; the
registry upserts it by credit code, with the same checks as a supervisor's form (the
credit code's check character included). Identity's admission stores the events; this
consumer (`mgov_common.ingest_consumer`: checks, refusals, dedup, the system from the
systems projection) applies each as the system, in the transaction that records it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import asyncpg
from nats.js import JetStreamContext

from mgov_common import ingest
from mgov_common.errors import InvalidArgument
from mgov_common.events.envelope import CloudEvent
from mgov_common.ingest_consumer import IngestConsumer
from mgov_common.principal import Principal
from services.enforcement.adapters.uow import UnitOfWork
from services.enforcement.service_layer import registry

TYPES = (ingest.SUBJECT_UPSERTED,)


class SubjectIngest(IngestConsumer):
    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, clock: Callable[[], datetime]) -> None:
        super().__init__(pool, js, "enforcement", TYPES, self.apply_event)
        self.clock = clock

    async def apply_event(self, conn: asyncpg.Connection, event: CloudEvent, principal: Principal) -> None:
        uow = UnitOfWork.joining(conn)
        try:
            view = await registry.upsert_subject(uow, event.tenant, dict(event.data), self.clock())
        except InvalidArgument as exc:
            raise ingest.Refused(f"{exc.field or 'data'}: {exc.message}", "invalid_data") from None
        uow.record(registry.subject_event(view))
        await uow.commit()
