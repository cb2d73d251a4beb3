"""The gateway answers every error as problem+json with a request id."""

import uuid
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from gateway.app import create_app
from gateway.settings import GatewaySettings
from mgov_common.ports import free_port


class Registration(BaseModel):
    tenant_id: str
    phone: str = Field(pattern=r"^1\d{10}$")


probe = APIRouter()


@probe.post("/v1/probe")
async def create(body: Registration) -> dict[str, str]:
    return {"tenant_id": body.tenant_id}


@probe.get("/v1/boom")
async def boom() -> None:
    raise RuntimeError("database password is hunter2")


@pytest.fixture
def client() -> Iterator[TestClient]:
    closed = f"127.0.0.1:{free_port()}"  # nothing listens: every backend is unreachable
    addresses = {name: closed for name in GatewaySettings.model_fields if name.endswith("_addr")}
    settings = GatewaySettings(**addresses, readiness_timeout_s=0.3)
    app = create_app(settings)
    app.include_router(probe)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def assert_problem(resp, status: int, code: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"].endswith("/" + code)
    assert body["request_id"] == resp.headers["x-request-id"]
    return body


def test_liveness_answers_while_backends_are_down(client: TestClient) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.json() == {"status": "ok"}
    assert resp.headers["x-request-id"]


def test_readiness_is_503_naming_each_service_that_is_not_serving(client: TestClient) -> None:
    body = assert_problem(client.get("/readyz"), 503, "not_ready")
    services = body["services"]
    assert isinstance(services, dict)
    assert {"identity", "catalog", "workflow", "notify", "appointment", "payment", "enforcement", "insight"} <= services.keys()
    assert set(services.values()) == {"UNREACHABLE"}


def test_an_unknown_path_is_a_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/nowhere"), 404, "not_found")
    assert body["instance"] == "/v1/nowhere"


def test_a_wrong_method_is_a_405_problem(client: TestClient) -> None:
    assert_problem(client.delete("/healthz"), 405, "method_not_allowed")


def test_malformed_json_is_a_400_problem(client: TestClient) -> None:
    resp = client.post("/v1/probe", content=b'{"tenant_id": ', headers={"content-type": "application/json"})
    assert_problem(resp, 400, "malformed_json")


def test_missing_and_invalid_fields_are_named(client: TestClient) -> None:
    body = assert_problem(client.post("/v1/probe", json={"phone": "12"}), 422, "validation_failed")
    fields = {e["field"] for e in body["errors"]}  # type: ignore[union-attr]
    assert fields == {"tenant_id", "phone"}


def test_an_unexpected_error_is_a_500_problem_without_its_text(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/boom"), 500, "internal")
    assert "hunter2" not in str(body)


def test_a_well_formed_request_id_from_the_client_is_kept(client: TestClient) -> None:
    resp = client.get("/healthz", headers={"x-request-id": "mobile-7f3a9c21"})
    assert resp.headers["x-request-id"] == "mobile-7f3a9c21"
    resp = client.get("/healthz", headers={"x-request-id": "bad id with spaces"})
    assert resp.headers["x-request-id"] != "bad id with spaces"


def test_the_last_of_repeated_request_ids_counts_and_a_bad_one_is_replaced_with_a_uuid4(client: TestClient) -> None:
    resp = client.get("/healthz", headers=[("x-request-id", "first-id-0001"), ("x-request-id", "second-id-0002")])
    assert resp.headers.get_list("x-request-id") == ["second-id-0002"]
    made = client.get("/healthz", headers={"x-request-id": "short"}).headers["x-request-id"]
    assert uuid.UUID(hex=made).version == 4 and len(made) == 32


def test_the_openapi_document_is_served(client: TestClient) -> None:
    assert client.get("/openapi.json").json()["info"]["title"] == "mgov mobile API"


def test_the_openapi_document_declares_errors_as_problem_json(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "code", "detail"]
    register = doc["paths"]["/v1/auth/register"]["post"]["responses"]
    assert set(register["422"]["content"]) == {"application/problem+json"}
    for path, path_item in doc["paths"].items():
        for operation in path_item.values():
            for status, response in operation["responses"].items():
                if status[0] in "45" and path != "/v1/oauth/token":  # RFC 6749 errors there
                    assert set(response.get("content", {})) == {"application/problem+json"}, (status, operation.get("operationId"))
