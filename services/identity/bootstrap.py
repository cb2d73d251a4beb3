"""Builds the identity service's dependencies from the live runtime (nothing connects at import)."""

from __future__ import annotations

from pathlib import Path

from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.runtime import Runtime, ServiceParts

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = identity_pb2.DESCRIPTOR.services_by_name["IdentityService"].full_name


async def bootstrap(runtime: Runtime) -> ServiceParts:
    # The RPCs of the contract are implemented by the identity issue; until then the
    # generated base servicer answers UNIMPLEMENTED while health, reflection, the
    # outbox relay and shutdown already run for real.
    servicer = identity_pb2_grpc.IdentityServiceServicer()
    return ServiceParts(registrations=[(identity_pb2_grpc.add_IdentityServiceServicer_to_server, servicer, SERVICE_NAME)])
