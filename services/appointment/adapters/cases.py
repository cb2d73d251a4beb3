"""The cases an appointment may be linked to, read from the workflow service over gRPC
with the citizen's own token: what the workflow service shows them is theirs to link."""

from __future__ import annotations

import grpc

from mgov.workflow.v1 import workflow_pb2, workflow_pb2_grpc


class WorkflowCases:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.stub = workflow_pb2_grpc.WorkflowServiceStub(channel)

    async def applicant_of(self, case_id: str, token: str | None) -> str | None:
        """The case's applicant, or None when the caller may not see such a case. A workflow
        service that is down propagates (UNAVAILABLE `service_unavailable` to the caller)."""
        metadata = (("authorization", f"Bearer {token}"),) if token else ()
        try:
            case = await self.stub.GetApplication(workflow_pb2.GetApplicationRequest(application_id=case_id), metadata=metadata)
        except grpc.aio.AioRpcError as err:
            if err.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT,
                              grpc.StatusCode.UNAUTHENTICATED):
                return None
            raise
        return case.applicant_id
