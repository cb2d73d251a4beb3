"""A route's query parameters as one model (gateway/query_model.py): the catalogue list's
parameters, validated in one call, answer and document exactly as separate `Query(...)`
declarations did."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Query
from fastapi.testclient import TestClient

from gateway import problems
from gateway.paging import PageSize, PageToken
from gateway.query_model import parameters, query_of
from gateway.routers import services
from gateway.routers.services import ServiceListQuery

pytestmark = pytest.mark.unit


def _app() -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.get("/lean")
    async def lean(query: Annotated[ServiceListQuery, Depends(query_of(ServiceListQuery))]) -> dict[str, object]:
        return query.model_dump()

    @app.get("/model")
    async def model(query: Annotated[ServiceListQuery, Query()]) -> dict[str, object]:
        return query.model_dump()

    @app.get("/declared")
    async def declared(
        q: Annotated[str, Query(max_length=100, description="Search names and keywords, Chinese included")] = "",
        type: Annotated[str, Query(description="administrative_licensing ... public_service, XK ... GG, or 行政许可 ...")] = "",
        department: Annotated[str, Query(max_length=200, description="Exact department or agency")] = "",
        channel: Annotated[str, Query(description="app, web or service_hall")] = "",
        include_drafts: Annotated[bool, Query(description="Also the tenant's unpublished items (its admins only)")] = False,
        page_size: PageSize = 0,
        page_token: PageToken = "",
    ) -> dict[str, object]:
        return {"q": q, "type": type, "department": department, "channel": channel, "include_drafts": include_drafts,
                "page_size": page_size, "page_token": page_token}

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(_app())


CASES = [
    "",
    "q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7&page_size=20",
    "q=a&q=b&page_size=1&page_size=2",  # a repeated parameter counts by its last value
    "include_drafts=yes", "include_drafts=0", "include_drafts=maybe", "include_drafts=",
    "page_size=abc", "page_size=", "page_size=-2147483648", "page_size=2147483648", "page_size=1.5",
    "q=" + "x" * 100, "q=" + "x" * 101, "department=" + "d" * 201 + "&page_size=x",
    "unknown=1&channel=app&type=XK&page_token=abc",
]


@pytest.mark.parametrize("query", CASES)
def test_the_list_query_answers_as_the_separately_declared_parameters_did(client: TestClient, query: str) -> None:
    lean, declared = client.get(f"/lean?{query}"), client.get(f"/declared?{query}")
    assert lean.status_code == declared.status_code
    assert lean.headers["content-type"] == declared.headers["content-type"]
    body, expected = lean.json(), declared.json()
    if lean.status_code != 200:
        assert lean.headers["content-type"] == "application/problem+json"
        body["instance"] = expected["instance"] = ""
    assert body == expected


@pytest.mark.parametrize("query", CASES)
def test_fastapis_own_query_model_answers_the_same_so_it_can_replace_query_of(client: TestClient, query: str) -> None:
    """query_of exists for speed only (gateway/query_model.py); FastAPI's `Query()` model
    must stay a drop-in replacement."""
    lean, model = client.get(f"/lean?{query}"), client.get(f"/model?{query}")
    assert (lean.status_code, lean.headers["content-type"]) == (model.status_code, model.headers["content-type"])
    body, expected = lean.json(), model.json()
    if lean.status_code != 200:
        body["instance"] = expected["instance"] = ""
    assert body == expected


def test_a_bad_page_size_is_a_problem_naming_the_field(client: TestClient) -> None:
    resp = client.get("/lean?page_size=abc")
    assert resp.status_code == 422 and resp.json()["type"].endswith("/validation_failed")
    assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == [("page_size", "int_parsing")]


def test_the_list_query_documents_the_same_parameters_as_separate_declarations(client: TestClient) -> None:
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    assert parameters(ServiceListQuery) == paths["/declared"]["get"]["parameters"] == paths["/model"]["get"]["parameters"]


def test_the_list_route_checks_the_token_before_the_query_and_documents_every_parameter() -> None:
    app = FastAPI()
    problems.install(app)
    app.include_router(services.router)
    app.state.backends = app.state.catalog_cache = None  # never reached: both requests fail first
    with TestClient(app) as c:
        bad_token = c.get("/v1/tenants/xihu/services?page_size=abc", headers={"Authorization": "Basic abc"})
        assert bad_token.status_code == 401 and bad_token.headers["content-type"] == "application/problem+json"
        bad_query = c.get("/v1/tenants/xihu/services?page_size=abc&q=" + "x" * 101)
        assert bad_query.status_code == 422
        assert sorted(e["field"] for e in bad_query.json()["errors"]) == ["page_size", "q"]
        documented = app.openapi()["paths"]["/v1/tenants/{tenant_id}/services"]["get"]["parameters"]
    assert [(p["name"], p["in"]) for p in documented] == [
        ("tenant_id", "path"), ("q", "query"), ("type", "query"), ("department", "query"), ("channel", "query"),
        ("include_drafts", "query"), ("page_size", "query"), ("page_token", "query"), ("If-None-Match", "header")]
