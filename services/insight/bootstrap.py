"""Builds the insight service from the live runtime (nothing connects at import).

- consumers: the platform's events (aggregates), tenant systems' accepted events (their
  last sign of life), identity's tenants (subtree scoping);
- channels to catalog and identity, for the actions taken from the zombie list;
- background: the headline gauges; the weekly report of each province and city;
  identity's staff and systems listings and catalog's publications (service_layer/staff.py,
  backfill.py), when insight has a platform secret.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mgov.insight.v1 import insight_pb2, insight_pb2_grpc
from mgov_common.auth import JwksCache, TokenVerifier, identity_jwks_fetcher
from mgov_common.clock import Clock, OffsetFileClock, SystemClock
from mgov_common.events.consumer import EventConsumer
from mgov_common.grpc_client import create_channel
from mgov_common.runtime import Runtime, ServiceParts
from mgov_common.tenants import apply_tenant_event, consumer_spec
from mgov_common.platform_token import PlatformToken
from services.insight.adapters.owners import OwningServices
from services.insight.adapters.listings import ItemUseListings, PublicationListings, SystemListings
from services.insight.adapters.staff import StaffListings
from services.insight.entrypoints import consumers
from services.insight.entrypoints.grpc import InsightServicer
from services.insight.service_layer import backfill, gauges, reports
from services.insight.service_layer.context import Context
from services.insight.settings import InsightSettings

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = insight_pb2.DESCRIPTOR.services_by_name["InsightService"].full_name


def make_clock(settings: InsightSettings) -> Clock:
    return OffsetFileClock(settings.demo_clock_path()) if settings.demo else SystemClock()


async def bootstrap(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, InsightSettings)
    identity = create_channel(settings.identity_addr, default_deadline_s=settings.client_deadline_s)
    catalog = create_channel(settings.catalog_addr, default_deadline_s=settings.client_deadline_s)
    workflow = create_channel(settings.workflow_addr, default_deadline_s=settings.client_deadline_s)
    ctx = Context(pool=runtime.pool, clock=make_clock(settings), pages=settings.page_tokens(), actions=OwningServices(catalog, identity))

    async def keep_gauges() -> None:
        await gauges.run(ctx, settings.gauges_interval_s)

    async def weekly_reports() -> None:
        await reports.run(ctx, settings.reports_interval_s)

    background = [keep_gauges, weekly_reports]
    secret = settings.platform_client_secret()
    if secret:
        token = PlatformToken(identity, "insight", secret)
        sources = backfill.Sources(PublicationListings(catalog, token), SystemListings(identity, token), StaffListings(identity, token),
                                   ItemUseListings(workflow, token))

        async def listings() -> None:
            await backfill.run(ctx, sources, settings.staff_sync_interval_s)

        background.append(listings)

    async def close() -> None:
        await catalog.close()
        await workflow.close()
        await identity.close()

    return ServiceParts(
        registrations=[(insight_pb2_grpc.add_InsightServiceServicer_to_server, InsightServicer(ctx), SERVICE_NAME)],
        consumers=[EventConsumer(runtime.pool, runtime.js, consumer_spec("insight"), apply_tenant_event),
                   consumers.events_consumer(runtime.pool, runtime.js,
                                             replace(consumers.EVENTS, linger_s=settings.consumer_linger_ms / 1000)),
                   consumers.ingest_consumer(runtime.pool, runtime.js)],
        background=background,
        on_stop=[close],
        verifier=TokenVerifier(JwksCache(identity_jwks_fetcher(identity))),
    )
