"""Builds the catalog service's dependencies from the live runtime (nothing connects at import)."""

from __future__ import annotations

from pathlib import Path

from mgov.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from mgov_common.runtime import Runtime, ServiceParts

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name


async def bootstrap(runtime: Runtime) -> ServiceParts:
    # The RPCs of the contract are implemented by the catalog issue; until then the
    # generated base servicer answers UNIMPLEMENTED while health, reflection, the
    # outbox relay and shutdown already run for real.
    servicer = catalog_pb2_grpc.CatalogServiceServicer()
    return ServiceParts(registrations=[(catalog_pb2_grpc.add_CatalogServiceServicer_to_server, servicer, SERVICE_NAME)])
