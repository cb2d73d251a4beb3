"""Builds the workflow service's dependencies from the live runtime (nothing connects at import)."""

from __future__ import annotations

import logging
from pathlib import Path

from mgov.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from mgov_common.auth import PHONE_AUDIENCE, JwksCache, TokenVerifier, identity_jwks_fetcher
from mgov_common.events.consumer import EventConsumer
from mgov_common.grpc_client import create_channel
from mgov_common.runtime import Runtime, ServiceParts
from mgov_common import systems, tenants
from mgov_common.clock import OffsetFileClock
from services.workflow.adapters.file_store import DirFileStore, FileStore, PgFileStore
from services.workflow.adapters.services import CatalogItems, IdentityStaff
from mgov_common.clock import Clock, SystemClock
from services.workflow.entrypoints.grpc import WorkflowServicer
from services.workflow.entrypoints.ingest import CaseActions
from services.workflow.entrypoints import payments, penalties
from services.workflow.service_layer import projections, seed
from services.workflow.service_layer.context import Context
from services.workflow.service_layer.timers import TimerWorker
from services.workflow.settings import WorkflowSettings

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = workflow_pb2.DESCRIPTOR.services_by_name["WorkflowService"].full_name
log = logging.getLogger(__name__)


def make_clock(settings: WorkflowSettings) -> Clock:
    if settings.demo:
        return OffsetFileClock(settings.demo_clock_path())
    return SystemClock()


def make_file_store(settings: WorkflowSettings) -> FileStore:
    if settings.file_store == "directory":
        return DirFileStore(settings.home / "files" / "workflow")
    return PgFileStore()


async def bootstrap(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, WorkflowSettings)
    identity = create_channel(settings.identity_addr, default_deadline_s=settings.client_deadline_s)
    catalog = create_channel(settings.catalog_addr, default_deadline_s=settings.client_deadline_s)
    jwks = JwksCache(identity_jwks_fetcher(identity))
    ctx = Context(runtime.pool, make_clock(settings), make_file_store(settings), CatalogItems(catalog), IdentityStaff(identity),
                  pages=settings.page_tokens(), phone_tokens=TokenVerifier(jwks, audience=PHONE_AUDIENCE))
    if settings.demo:
        await seed.ensure_demo(ctx, settings.demo_province)
    timers = TimerWorker(runtime.pool, ctx.clock, poll_s=settings.timer_poll_s)

    async def close_channels() -> None:
        await identity.close()
        await catalog.close()

    return ServiceParts(
        registrations=[(workflow_pb2_grpc.add_WorkflowServiceServicer_to_server, WorkflowServicer(ctx), SERVICE_NAME)],
        consumers=[EventConsumer(runtime.pool, runtime.js, tenants.consumer_spec("workflow"), tenants.apply_tenant_event),
                   EventConsumer(runtime.pool, runtime.js, systems.consumer_spec("workflow"), systems.apply_system_event),
                   EventConsumer(runtime.pool, runtime.js, projections.ITEMS, projections.apply_item),
                   # Tenant systems' case actions, applied here (admission stays in identity).
                   CaseActions(ctx, runtime.js),
                   # Verified payments advance cases waiting for their fee.
                   EventConsumer(runtime.pool, runtime.js, payments.PAID, payments.handler(ctx)),
                   EventConsumer(runtime.pool, runtime.js, penalties.CASES, penalties.handler(ctx))],
        background=[timers.run],
        on_stop=[close_channels],
        verifier=TokenVerifier(jwks),
    )
