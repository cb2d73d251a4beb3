"""Builds the appointment service from the live runtime (nothing connects at import).

- identity over gRPC for the JWKS (callers' tokens); workflow for the cases a booking
  links to (read with the citizen's own token);
- consumers: identity's tenant events and the workflow service's calendars into
  projections;
- background: the sweep (no-shows, reminders) on the injected clock;
- in demo mode, the demo halls, seeded before the server answers.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mgov.appointment.v1 import appointment_pb2, appointment_pb2_grpc
from mgov_common.auth import JwksCache, TokenVerifier, identity_jwks_fetcher
from mgov_common.clock import OffsetFileClock, SystemClock
from mgov_common.events.consumer import EventConsumer
from mgov_common.grpc_client import create_channel
from mgov_common.runtime import Runtime, ServiceParts
from mgov_common.tenants import apply_tenant_event, consumer_spec
from services.appointment.adapters.cases import WorkflowCases
from services.appointment.adapters.live import LiveQueue
from services.appointment.entrypoints.grpc import AppointmentServicer
from services.appointment.service_layer import sweeps
from services.appointment.service_layer.context import Context
from services.appointment.service_layer.projections import CALENDARS, apply_calendar
from services.appointment.service_layer.seed import seed_demo
from services.appointment.settings import AppointmentSettings

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = appointment_pb2.DESCRIPTOR.services_by_name["AppointmentService"].full_name
log = logging.getLogger(__name__)


async def bootstrap(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, AppointmentSettings)
    identity = create_channel(settings.identity_addr, default_deadline_s=settings.client_deadline_s)
    clock = OffsetFileClock(settings.demo_clock_path()) if settings.demo else SystemClock()
    workflow = create_channel(settings.workflow_addr, default_deadline_s=settings.client_deadline_s)
    ctx = Context(runtime.pool, clock, LiveQueue(runtime.nc), WorkflowCases(workflow))
    if settings.demo and settings.seed_demo:
        await seed_demo(ctx)

    async def sweep() -> None:
        await sweeps.run_forever(ctx, settings.sweep_interval_s)

    async def close() -> None:
        await identity.close()
        await workflow.close()

    return ServiceParts(
        registrations=[(appointment_pb2_grpc.add_AppointmentServiceServicer_to_server, AppointmentServicer(ctx), SERVICE_NAME)],
        consumers=[EventConsumer(runtime.pool, runtime.js, consumer_spec("appointment"), apply_tenant_event),
                   EventConsumer(runtime.pool, runtime.js, CALENDARS, apply_calendar)],
        background=[sweep],
        on_stop=[close],
        verifier=TokenVerifier(JwksCache(identity_jwks_fetcher(identity))),
    )
