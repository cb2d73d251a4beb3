"""Builds the notify service's dependencies from the live runtime (nothing connects at import)."""

from __future__ import annotations

from pathlib import Path

from mgov.notify.v1 import notify_pb2, notify_pb2_grpc
from mgov_common.runtime import Runtime, ServiceParts

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = notify_pb2.DESCRIPTOR.services_by_name["NotifyService"].full_name


async def bootstrap(runtime: Runtime) -> ServiceParts:
    # The RPCs of the contract are implemented by the notify issue; until then the
    # generated base servicer answers UNIMPLEMENTED while health, reflection, the
    # outbox relay and shutdown already run for real.
    servicer = notify_pb2_grpc.NotifyServiceServicer()
    return ServiceParts(registrations=[(notify_pb2_grpc.add_NotifyServiceServicer_to_server, servicer, SERVICE_NAME)])
