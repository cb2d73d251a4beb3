"""Builds the workflow service's dependencies from the live runtime (nothing connects at import)."""

from __future__ import annotations

from pathlib import Path

from mgov.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from mgov_common.runtime import Runtime, ServiceParts

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = workflow_pb2.DESCRIPTOR.services_by_name["WorkflowService"].full_name


async def bootstrap(runtime: Runtime) -> ServiceParts:
    # The RPCs of the contract are implemented by the workflow issue; until then the
    # generated base servicer answers UNIMPLEMENTED while health, reflection, the
    # outbox relay and shutdown already run for real.
    servicer = workflow_pb2_grpc.WorkflowServiceServicer()
    return ServiceParts(registrations=[(workflow_pb2_grpc.add_WorkflowServiceServicer_to_server, servicer, SERVICE_NAME)])
