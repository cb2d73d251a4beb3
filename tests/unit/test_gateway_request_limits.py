"""Every body is bounded at the gateway: size per route, JSON depth, and gRPC's own limit.

These run the app in-process (its services unreachable); tests/e2e/test_request_limits.py
sends the same attacks over real sockets to a real gateway.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from gateway.app import create_app
from gateway.request_limits import DOCUMENT_MAX_BODY, is_json
from gateway.settings import GatewaySettings
from mgov_common.grpc_client import MAX_MESSAGE_BYTES
from mgov_common.safejson import too_deep as json_depth_exceeds
from mgov_common.ports import free_port

DEFAULT = GatewaySettings().max_body_bytes
REGISTER = {"tenant_id": "hangzhou", "phone": "13900000999", "password": "long enough pass", "name": "张三"}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_depth_counts_brackets_outside_strings_only() -> None:
    assert not json_depth_exceeds(nested(64), 64)
    assert json_depth_exceeds(nested(65), 64)
    assert json_depth_exceeds('{"a": ' * 65 + "1" + "}" * 65, 64)
    # Brackets inside strings, escaped quotes included, are text, not nesting.
    assert not json_depth_exceeds(json.dumps({"a": "[" * 5000, "b": '\\"[[[' * 100, "c": [[["]]]"]]]}), 8)
    assert not json_depth_exceeds(json.dumps([[1], [2], [3]] * 1000), 3)
    # Measured in every encoding json.loads reads.
    assert json_depth_exceeds(nested(100).encode("utf-16"), 64) and json_depth_exceeds(nested(100).encode("utf-32-le"), 64)
    assert json_depth_exceeds(nested(50_000).encode(), 64)  # no recursion: the scan is flat
    assert not json_depth_exceeds(b'{"x": [1, {"y": 2}]}', 64)


def test_json_is_what_fastapi_parses_as_json() -> None:
    assert is_json("application/json") and is_json("application/json; charset=utf-8")
    assert is_json("application/cloudevents+json")
    assert not is_json("multipart/form-data; boundary=x") and not is_json("application/x-www-form-urlencoded")
    assert not is_json("text/plain") and not is_json(None)  # strict content type: no type, no JSON


probe = APIRouter()


@probe.get("/v1/probe-huge-grpc")
async def huge_grpc(request: Request) -> None:
    # Any route that builds a request past gRPC's message limit, e.g. from a large body.
    stub = health_pb2_grpc.HealthStub(request.app.state.backends.channels["identity"])
    await stub.Check(health_pb2.HealthCheckRequest(service="x" * (MAX_MESSAGE_BYTES + 1)))


@pytest.fixture
def client() -> Iterator[TestClient]:
    # A real gRPC server behind "identity" (health only): the size refusal is the client's own.
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    closed = f"127.0.0.1:{free_port()}"
    settings = GatewaySettings(identity_addr=f"127.0.0.1:{port}", catalog_addr=closed, workflow_addr=closed, notify_addr=closed,
                               readiness_timeout_s=0.3)
    app = create_app(settings)
    app.include_router(probe)
    try:
        with TestClient(app, raise_server_exceptions=False) as c:
            yield c
    finally:
        server.stop(None)


def assert_problem(resp: object, status: int, code: str) -> dict[str, object]:
    assert resp.status_code == status, resp.text  # type: ignore[attr-defined]
    assert resp.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = resp.json()  # type: ignore[attr-defined]
    assert body["code"] == code and body["status"] == status and body.get("request_id")
    return body


def test_an_anonymous_large_json_body_is_413_by_its_declared_length(client: TestClient) -> None:
    huge = json.dumps({**REGISTER, "name": "x" * (DEFAULT + 1)})
    body = assert_problem(client.post("/v1/auth/register", content=huge, headers={"content-type": "application/json"}), 413, "payload_too_large")
    assert body["max_bytes"] == DEFAULT


def test_a_chunked_body_is_counted_as_it_streams(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(DEFAULT // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'
    assert_problem(client.post("/v1/auth/register", content=chunks(), headers={"content-type": "application/json"}), 413, "payload_too_large")
    assert_problem(client.post("/v1/oauth/token", content=(b"a" * 1024 for _ in range(DEFAULT // 1024 + 1)),
                               headers={"content-type": "application/x-www-form-urlencoded"}), 413, "payload_too_large")


def test_a_route_that_takes_documents_accepts_more_than_the_default(client: TestClient) -> None:
    item = json.dumps({"name": {"zh": "字" * (DEFAULT // 3 + 100)}})
    assert DEFAULT < len(item.encode()) < DOCUMENT_MAX_BODY
    # Past the size check: refused for want of a token (401), not for its size.
    assert_problem(client.post("/v1/tenants/hangzhou/services", content=item, headers={"content-type": "application/json"}), 401, "unauthenticated")
    too_big = json.dumps({"name": {"zh": "x" * DOCUMENT_MAX_BODY}})
    assert_problem(client.post("/v1/tenants/hangzhou/services", content=too_big, headers={"content-type": "application/json"}), 413, "payload_too_large")


def test_json_nested_past_the_limit_is_422_before_any_parser(client: TestClient) -> None:
    limit = GatewaySettings().max_json_depth
    for deep in (nested(30_000), '{"tenant_id": ' + nested(limit + 1) + "}"):
        body = assert_problem(client.post("/v1/auth/register", content=deep, headers={"content-type": "application/json"}), 422, "json_too_deep")
        assert body["errors"] == [{"field": "body", "code": "too_deep", "message": f"at most {limit} levels"}]
    # Within the limit, the body goes on to ordinary validation.
    assert_problem(client.post("/v1/auth/register", content=json.dumps({"tenant_id": [[[]]]}),
                               headers={"content-type": "application/json"}), 422, "validation_failed")


def test_a_request_past_grpcs_message_limit_is_413_not_429(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/probe-huge-grpc"), 413, "payload_too_large")
    assert "larger than max" not in str(body["detail"])


def test_the_grpc_limit_is_recognised_only_without_a_service_detail() -> None:
    from gateway.grpc_errors import message_too_large

    class Err(grpc.aio.AioRpcError):
        def __init__(self, code: grpc.StatusCode, details: str) -> None:
            super().__init__(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details)

    assert message_too_large(Err(grpc.StatusCode.RESOURCE_EXHAUSTED, "Sent message larger than max (17 vs. 16)"))
    assert not message_too_large(Err(grpc.StatusCode.RESOURCE_EXHAUSTED, "too many failed sign-ins"))
    assert not message_too_large(Err(grpc.StatusCode.INVALID_ARGUMENT, "Sent message larger than max"))
