"""The access matrix of docs/access.md, checked against the real gateway of `mgov up`.

Every route of the gateway (walked from `app.routes`) must have a row in the matrix and
a request in tests/e2e/access_requests.py; each principal kind then makes that request
and gets what its cell says: `yes` (let in: neither 401 nor 403, nor 404 for a resource
that exists), `no` (401 when anonymous, 403 otherwise) or `404` (the resource is not
shown to it).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import httpx
import pytest

from gateway.app import create_app
from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.settings import demo_secret
from tests.conftest import repo_root
from tests.e2e.access_requests import REQUESTS, Req, World
from tests.e2e.conftest import DemoPlatform

KINDS = ("anonymous", "citizen", "staff", "tenant admin", "province admin", "system", "platform")
PHONES = {"citizen": "13900000100", "staff": "13900000011", "tenant admin": "13900000010", "province admin": "13900000000"}
ALL_TYPES = ["mgov.case.status_changed.v1", "mgov.catalog.item.updated.v1", "mgov.notice.published.v1"]
FORM = {"applicant_name": "张小明", "id_number": "330106199001011234", "phone": "13900000100"}
ROW = re.compile(r"^\|\s*`(GET|POST|PUT|PATCH|DELETE) ([^`]+)`\s*\|(.+)\|\s*$")


def gateway_routes() -> set[tuple[str, str]]:
    """(method, path) of every route the gateway serves, routers included."""
    found: set[tuple[str, str]] = set()
    for route in create_app().routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for r in contexts:
            for method in getattr(r, "methods", None) or ():
                if method != "HEAD":
                    found.add((method, r.path))
    return found


def matrix() -> dict[tuple[str, str], dict[str, str]]:
    """The table of docs/access.md: (method, path) -> principal kind -> yes | no | 404."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for line in (repo_root() / "docs" / "access.md").read_text().splitlines():
        m = ROW.match(line)
        if m:
            cells = [c.strip() for c in m.group(3).split("|")]
            assert len(cells) == len(KINDS) and set(cells) <= {"yes", "no", "404"}, line
            rows[(m.group(1), m.group(2))] = dict(zip(KINDS, cells))
    return rows


def test_every_route_has_a_row_in_the_matrix_and_a_request() -> None:
    routes, rows = gateway_routes(), matrix()
    assert routes - set(rows) == set(), "routes without a row in docs/access.md"
    assert set(rows) - routes == set(), "rows of docs/access.md for routes that do not exist"
    assert routes - set(REQUESTS) == set(), "routes without a request in tests/e2e/access_requests.py"


def _platform_token(p: DemoPlatform) -> str:
    """A platform service's token (notify's, with its demo-mode secret), from identity over gRPC."""

    async def issue() -> str:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{p.identity_port}") as ch:
            resp = await identity_pb2_grpc.IdentityServiceStub(ch).IssuePlatformToken(identity_pb2.IssuePlatformTokenRequest(
                service="notify", client_secret=demo_secret("notify", "platform_secret")))
        return resp.access_token

    return asyncio.run(issue())


def _ok(resp: httpx.Response, what: str) -> Any:
    assert resp.status_code < 300, f"{what}: {resp.status_code} {resp.text}"
    return resp.json()


def _system(p: DemoPlatform, admin: str, types: list[str]) -> dict[str, Any]:
    with p.client(admin) as c:
        return _ok(c.post("/v1/tenants/hangzhou/systems", json={"name": f"矩阵系统-{uuid.uuid4().hex[:8]}", "event_types": types}), "register a system")


@pytest.fixture(scope="module")
def principals(demo_platform: DemoPlatform) -> dict[str, str | None]:
    tokens: dict[str, str | None] = {"anonymous": None}
    tokens.update({kind: demo_platform.sign_in(phone)["access_token"] for kind, phone in PHONES.items()})
    creds = _system(demo_platform, tokens["tenant admin"], ALL_TYPES)  # type: ignore[arg-type]
    with demo_platform.client() as c:
        tokens["system"] = _ok(c.post("/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": creds["client_id"],
                                                                "client_secret": creds["client_secret"]}), "system token")["access_token"]
    tokens["platform"] = _platform_token(demo_platform)
    return tokens


@pytest.fixture(scope="module")
def world(demo_platform: DemoPlatform, principals: dict[str, str]) -> World:
    p, admin = demo_platform, principals["tenant admin"]
    with p.client() as c:
        items = _ok(c.get("/v1/tenants/hangzhou/services", params={"page_size": 100}), "list items")["items"]
    [card] = [i for i in items if i["name"]["zh"] == "杭州市民卡申领"]
    inherited = next(i for i in items if i["tenant_id"] == "zhejiang")
    with p.client(admin) as c:
        base = _ok(c.get(f"/v1/services/{card['id']}"), "read the item")
        new = {k: base[k] for k in ("type", "agency", "department", "guide", "form_schema", "workflow_id")}
        draft = _ok(c.post("/v1/tenants/hangzhou/services", json={**new, "name": {"zh": "矩阵测试事项"}, "summary": {"zh": "矩阵"}}),
                    "create a draft")
        standard = _ok(c.get("/v1/tenants/hangzhou/workflows/standard"), "read the standard workflow")
    with p.client(principals["staff"]) as c:
        clerk = _ok(c.get("/v1/me"), "the clerk's account")
    spare = _system(p, admin, ["mgov.notice.published.v1"])
    with p.client(principals["citizen"]) as c:
        case = _ok(c.post("/v1/applications", json={"service_id": card["id"], "form": FORM}), "apply")
    return World(case_id=case["id"], item_id=card["id"], draft_id=draft["id"], inherited_id=inherited["id"],
                 system_id=spare["system_id"], staff_id=clerk["id"], case_body={"service_id": card["id"], "form": FORM},
                 workflow_body={k: standard[k] for k in ("name", "start_state", "states", "actions")})


def _send(c: httpx.Client, req: Req) -> httpx.Response:
    if req.stream:
        with c.stream(req.method, req.path, headers=req.headers) as resp:
            if resp.status_code >= 400:
                resp.read()  # a problem; a stream that opened is left at once
            return resp
    return c.request(req.method, req.path, json=req.json, headers=req.headers, params=req.params, data=req.data, files=req.files)


# A 401 that refuses the caller; other 401s refuse credentials sent in the body (a wrong
# password, an unknown refresh token or client), which anyone may try.
CALLER_REFUSED = {"unauthenticated", "invalid_token", "token_expired", "system_revoked"}


def _verdict(resp: httpx.Response, req: Req) -> str:
    if resp.status_code == 403 or (resp.status_code == 401 and resp.json().get("code") in CALLER_REFUSED):
        return "no"
    if resp.status_code == 404 and req.exists:
        return "404"
    return "yes"


@pytest.mark.timeout(900)  # ~560 requests on a shared, loaded machine
def test_each_principal_kind_gets_what_the_matrix_says_on_every_route(demo_platform: DemoPlatform, principals: dict[str, str | None],
                                                                       world: World) -> None:
    rows, wrong = matrix(), []
    clients = {kind: demo_platform.client(principals[kind]) for kind in KINDS}
    try:
        # Route by route, the seven principals at once (each request is independent of the others' outcome).
        with ThreadPoolExecutor(len(KINDS)) as pool:
            for (method, path), cells in rows.items():
                reqs = {kind: REQUESTS[(method, path)](world) for kind in KINDS}
                answers = dict(zip(KINDS, pool.map(lambda k: _send(clients[k], reqs[k]), KINDS)))
                for kind, resp in answers.items():
                    got = _verdict(resp, reqs[kind])
                    if got != cells[kind] or (got == "no" and resp.status_code != (401 if kind == "anonymous" else 403)):
                        wrong.append(f"{method} {path} as {kind}: matrix {cells[kind]}, got {resp.status_code} {resp.text[:160]}")
                    if got == "no" and resp.status_code == 403:
                        assert resp.headers["content-type"].startswith("application/problem+json"), f"{method} {path} as {kind}"
    finally:
        for c in clients.values():
            c.close()
    assert not wrong, "\n".join(wrong)

