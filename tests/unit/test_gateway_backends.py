"""The gateway makes each service's stub once, not per request."""

from __future__ import annotations

import pytest

from gateway.backends import Backends
from mgov.catalog.v1 import catalog_pb2_grpc
from mgov.workflow.v1 import workflow_pb2_grpc
from mgov_common.grpc_client import create_channel

pytestmark = pytest.mark.unit


async def test_a_stub_is_made_once_per_service_and_kept() -> None:
    backends = Backends({"catalog": create_channel("127.0.0.1:1"), "workflow": create_channel("127.0.0.1:2")})
    try:
        first = backends.stub("catalog", catalog_pb2_grpc.CatalogServiceStub)
        assert backends.stub("catalog", catalog_pb2_grpc.CatalogServiceStub) is first
        other = backends.stub("workflow", workflow_pb2_grpc.WorkflowServiceStub)
        assert other is not first and isinstance(other, workflow_pb2_grpc.WorkflowServiceStub)
    finally:
        await backends.close()


def test_a_stub_of_an_unknown_service_is_an_error_not_a_silent_default() -> None:
    with pytest.raises(KeyError):
        Backends({}).stub("catalog", catalog_pb2_grpc.CatalogServiceStub)
