"""The gateway's OpenAPI document keeps the API conventions (docs/api.md) on every route:

- timestamps are `*_time` (or `time`), RFC 3339 strings (`format: date-time`); no `*_at`;
- lists are the one page envelope `{items, next_page_token}`;
- every error is `application/problem+json` (the OAuth token endpoint answers RFC 6749
  errors, as that RFC requires);
- every JSON success response describes its body (no free-form object).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.app import create_app
from gateway.catalog_json import item_json, list_item_json
from gateway.identity_views import tenant_json, user_json
from gateway.routers.systems import system_json
from gateway.workflow_json import application_json, task_json
from mgov.catalog.v1 import catalog_pb2
from mgov.identity.v1 import identity_pb2
from mgov.workflow.v1 import workflow_pb2

pytestmark = pytest.mark.unit

OAUTH_TOKEN = ("post", "/v1/oauth/token")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return create_app().openapi()


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield method, path, op


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def properties(doc: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, name, schema) of every property reachable from `schema`."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen = seen | {schema["$ref"]}
    schema = resolve(doc, schema)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            yield from properties(doc, sub, where, seen)
    if isinstance(schema.get("items"), dict):
        yield from properties(doc, schema["items"], f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from properties(doc, schema["additionalProperties"], f"{where}{{}}", seen)
    for name, sub in (schema.get("properties") or {}).items():
        yield f"{where}.{name}", name, resolve(doc, sub) if "$ref" in sub and sub["$ref"] not in seen else sub
        yield from properties(doc, sub, f"{where}.{name}", seen)


def success_bodies(doc: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any] | None]]:
    for method, path, op in operations(doc):
        for status, response in op["responses"].items():
            if status.startswith("2") and status != "204":
                content = response.get("content") or {}
                if "text/event-stream" in content or (content and "application/json" not in content):
                    continue  # a stream, or a file's bytes (a report's photo, evidence): no JSON body to describe
                yield method, path, status, (content.get("application/json") or {}).get("schema")


def test_every_json_success_response_describes_its_body(doc: dict[str, Any]) -> None:
    vague = [f"{m.upper()} {p} {s}" for m, p, s, schema in success_bodies(doc)
             if not schema or not (resolve(doc, schema).get("properties") or resolve(doc, schema).get("items"))]
    assert vague == []


def test_every_timestamp_is_named_time_and_is_an_rfc3339_string(doc: dict[str, Any]) -> None:
    bad = []
    for method, path, status, schema in success_bodies(doc):
        for where, name, sub in properties(doc, schema or {}, f"{method.upper()} {path} {status}", set()):
            is_time = sub.get("format") == "date-time"
            named = name == "time" or name.endswith("_time")
            if name.endswith("_at") or is_time != named:
                bad.append(where)
    assert sorted(set(bad)) == []


def test_every_list_is_the_page_envelope(doc: dict[str, Any]) -> None:
    bad = []
    for method, path, status, schema in success_bodies(doc):
        body = resolve(doc, schema or {})
        props = body.get("properties") or {}
        paged = any(p["name"] == "page_token" for p in doc["paths"][path][method].get("parameters", []))
        if paged or "items" in props or "next_page_token" in props:
            if not ({"items", "next_page_token"} <= set(props) and props["items"].get("type") == "array"
                    and {"items", "next_page_token"} <= set(body.get("required", []))):
                bad.append(f"{method.upper()} {path}")
    assert bad == []


def test_every_error_response_is_problem_json(doc: dict[str, Any]) -> None:
    bad = []
    for method, path, op in operations(doc):
        statuses = set(op["responses"])
        if not {"400", "422", "500"} <= statuses:
            bad.append(f"{method.upper()} {path}: lacks {sorted({'400', '422', '500'} - statuses)}")
        for status, response in op["responses"].items():
            if status[:1] in "45" and (method, path) != OAUTH_TOKEN:
                content = response.get("content") or {}
                if list(content) != ["application/problem+json"] or content["application/problem+json"]["schema"] != {
                        "$ref": "#/components/schemas/Problem"}:
                    bad.append(f"{method.upper()} {path} {status}")
    assert bad == []
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "code", "detail"]


def test_a_created_at_field_would_be_caught(doc: dict[str, Any]) -> None:
    """The walk reaches nested views: a `*_at` inside a page of tenants is seen."""
    tenants = resolve(doc, doc["paths"]["/v1/tenants"]["get"]["responses"]["200"]["content"]["application/json"]["schema"])
    names = {name for _, name, _ in properties(doc, tenants, "", set())}
    assert {"items", "create_time", "update_time", "name", "zh"} <= names


def check(doc: dict[str, Any], method: str, path: str, body: Any, status: str = "200") -> None:
    """`body` (what the route's view function wrote) is valid against the documented schema."""
    schema = doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": doc["components"]}).validate(body)


def test_what_the_views_write_is_what_the_document_says(doc: dict[str, Any]) -> None:
    t = Timestamp(seconds=1796030152, nanos=123456789)
    tenant = identity_pb2.Tenant(id="hangzhou", parent_id="zhejiang", division_code="330100", level=identity_pb2.TENANT_LEVEL_CITY,
                                 status=identity_pb2.TENANT_STATUS_ACTIVE, create_time=t, update_time=t)
    tenant.name.zh = "杭州市"
    body = tenant_json(tenant)
    check(doc, "get", "/v1/tenants/{tenant_id}", body)
    assert body["create_time"] == "2026-11-30T09:15:52.123Z"  # milliseconds, UTC, Z
    check(doc, "get", "/v1/me", user_json(identity_pb2.User(id="u1", create_time=t)))
    system = identity_pb2.System(id="s1", tenant_id="hangzhou", create_time=t, status=identity_pb2.SYSTEM_STATUS_ACTIVE)
    check(doc, "get", "/v1/tenants/{tenant_id}/systems", {"items": [system_json(system)], "next_page_token": ""})
    app = workflow_pb2.Application(id="a1", submit_time=t)
    check(doc, "get", "/v1/applications/{application_id}", application_json(app))
    check(doc, "get", "/v1/tasks", {"items": [task_json(workflow_pb2.Task(id="t1", due_time=t))], "next_page_token": ""})
    item = catalog_pb2.ServiceItem(id="i1", tenant_id="zhejiang", type=catalog_pb2.ITEM_TYPE_PUBLIC_SERVICE, create_time=t,
                                   status=catalog_pb2.ITEM_STATUS_DRAFT)
    check(doc, "get", "/v1/services/{service_id}", item_json(item))
    check(doc, "get", "/v1/tenants/{tenant_id}/services", {"items": [list_item_json(item, admin=True)], "next_page_token": ""})
