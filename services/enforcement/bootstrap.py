"""Builds the enforcement service from the live runtime (nothing connects at import).

- identity over gRPC for the JWKS (callers' tokens) and its platform token; notify over
  gRPC for orders to correct sent to subjects' phones;
- what other services act on goes out as events: 立案 (`inspection.case_opened`, the
  workflow service opens the penalty case) and 一公开 (`plan.results_published`, the
  catalogue publishes the notice);
- consumers: identity's tenant and system events and the workflow service's working
  calendars (deadlines in working days) into projections; the workflow service's case
  transitions (a penalty case decided or revoked: 行政处罚决定公示); tenant systems'
  subjects (`mgov.subject.upserted.v1`);
- background: the sweep (follow-ups due, penalty cases to open, results notices due) on
  the injected clock;
- in demo mode, Xihu's subjects, inspectors and a drawn plan, seeded before the server
  answers (service_layer/seed.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

from mgov.enforcement.v1 import enforcement_pb2, enforcement_pb2_grpc
from mgov_common import calendars, systems, tenants
from mgov_common.auth import JwksCache, TokenVerifier, identity_jwks_fetcher
from mgov_common.clock import OffsetFileClock, SystemClock
from mgov_common.events.consumer import EventConsumer
from mgov_common.grpc_client import create_channel
from mgov_common.platform_token import PlatformToken
from mgov_common.runtime import Runtime, ServiceParts
from services.enforcement.adapters.orders import NotifyCorrectionSms
from services.enforcement.adapters.staff import IdentityStaff
from services.enforcement.entrypoints.grpc import EnforcementServicer
from services.enforcement.entrypoints.ingest import SubjectIngest
from services.enforcement.service_layer import decisions, seed, sweeps
from services.enforcement.service_layer.context import Context
from services.enforcement.settings import EnforcementSettings

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = enforcement_pb2.DESCRIPTOR.services_by_name["EnforcementService"].full_name
log = logging.getLogger(__name__)


async def bootstrap(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, EnforcementSettings)
    identity = create_channel(settings.identity_addr, default_deadline_s=settings.client_deadline_s)
    clock = OffsetFileClock(settings.demo_clock_path()) if settings.demo else SystemClock()
    assert settings.platform_secret is not None  # required outside demo mode, derived in it
    notify = create_channel(settings.notify_addr, default_deadline_s=settings.client_deadline_s)
    token = PlatformToken(identity, "enforcement", settings.platform_secret.get_secret_value())
    ctx = Context(runtime.pool, clock, publish_within_days=settings.publish_within_days, sms=NotifyCorrectionSms(notify, token))
    if settings.demo and settings.seed_demo:
        try:
            await seed.seed_demo(ctx, IdentityStaff(identity, token))
        except Exception:  # identity never answered: the demo starts without it (the next start seeds)
            log.exception("the demo field inspections were not seeded")

    async def sweep() -> None:
        await sweeps.run_forever(ctx, settings.sweep_interval_s)

    async def close() -> None:
        await identity.close()
        await notify.close()

    return ServiceParts(
        registrations=[(enforcement_pb2_grpc.add_EnforcementServiceServicer_to_server, EnforcementServicer(ctx, settings.page_tokens()),
                        SERVICE_NAME)],
        consumers=[EventConsumer(runtime.pool, runtime.js, tenants.consumer_spec("enforcement"), tenants.apply_tenant_event),
                   EventConsumer(runtime.pool, runtime.js, systems.consumer_spec("enforcement"), systems.apply_system_event),
                   EventConsumer(runtime.pool, runtime.js, calendars.consumer_spec("enforcement"), calendars.apply_calendar_event),
                   EventConsumer(runtime.pool, runtime.js, decisions.CASES, decisions.apply_case_event),
                   SubjectIngest(runtime.pool, runtime.js, clock.now)],
        background=[sweep],
        on_stop=[close],
        verifier=TokenVerifier(JwksCache(identity_jwks_fetcher(identity))),
    )
