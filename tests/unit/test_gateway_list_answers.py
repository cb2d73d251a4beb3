"""The catalogue list route's answers, byte for byte: status, every header, the body, the
request it makes of the catalog, and its OpenAPI operation.

The list route is the gateway's hottest path to a backend and gets tuned for CPU; a
tuning must not change a single byte of what a client (or the catalog) sees. These are
the answers of the whole app as deployed (every middleware), the catalog replaced by a
stub answering fixed messages (names with quotes, backslashes, control characters, line
separators and emoji, an inherited item, a draft, a page token) or failing with the
statuses the catalog uses, recorded in `fixtures/catalog_list_answers.json`.

When an answer is meant to change, record the fixture again and review its diff:
`.venv/bin/python -m tests.unit.test_gateway_list_answers`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf import text_format

from gateway.app import create_app
from gateway.cached_reads import encode
from gateway.catalog_cache import CatalogCache
from gateway.catalog_json import list_item_json, list_page_json
from gateway.settings import GatewaySettings
from mgov.catalog.v1 import catalog_pb2 as pb
from mgov.common.v1 import common_pb2
from mgov_common.auth import TokenInvalid
from mgov_common.errors import ERROR_DETAIL_KEY
from mgov_common.principal import Principal, RoleBinding

pytestmark = pytest.mark.unit

FIXTURE = Path(__file__).parent / "fixtures" / "catalog_list_answers.json"
LIST_PATH = "/v1/tenants/{tenant_id}/services"
ADMIN_TOKEN = "admin-token"


def _item(n: int, **fields: Any) -> pb.ServiceItem:
    item = pb.ServiceItem(
        id=f"5f0c6a8e-0000-4000-8000-00000000000{n}", tenant_id="xihu", code=f"330106-XK-000{n}", type=pb.ITEM_TYPE_ADMINISTRATIVE_LICENSING,
        agency="杭州市西湖区市场监督管理局", department="登记注册处", keywords=["营业执照", "个体"], workflow_id="standard",
        status=pb.ITEM_STATUS_PUBLISHED, version=n + 1, etag=f"etag-{n}", use_count=7 * n,
    )
    item.name.zh, item.name.en = "个体工商户营业执照办理", "Business licence"
    item.summary.zh = "办理营业执照"
    item.guide.statutory_limit_days, item.guide.promised_limit_days, item.guide.free = 15, 3, True
    item.guide.channels.extend([pb.CHANNEL_APP, pb.CHANNEL_SERVICE_HALL])
    item.create_time.seconds, item.update_time.seconds, item.publish_time.seconds = 1_790_000_000, 1_790_000_100 + n, 1_790_000_200
    item.update_time.nanos = 123_456_789
    for name, value in fields.items():
        target = item
        *parents, last = name.split("__")
        for parent in parents:
            target = getattr(target, parent)
        if isinstance(value, list):
            getattr(target, last).extend(value)
        else:
            setattr(target, last, value)
    return item


PAGES = {
    "xihu": pb.ListServicesResponse(services=[
        _item(1),
        _item(2, name__zh='名称 "引号" \\ 反斜杠\n换行\t\x01 \u2028 \u2029 \x7f 😀', summary__en="</script> & <b>", department="",
              inherited_from="5f0c6a8e-0000-4000-8000-0000000000aa", tenant_id="hangzhou", has_draft=True, use_count=2**40),
        _item(3, status=pb.ITEM_STATUS_DRAFT, type=pb.ITEM_TYPE_PUBLIC_SERVICE, guide__processing_kind=pb.PROCESSING_KIND_PROMISED,
              guide__visits=1, guide__appointment=True, required_identity_level=common_pb2.IDENTITY_LEVEL_REAL_NAME),
    ], next_page_token="tok/+=\"ü"),
    "empty": pb.ListServicesResponse(),
}
FAILURES = {
    "gone": (grpc.StatusCode.NOT_FOUND, common_pb2.ErrorDetail(code="tenant_not_found", message="no tenant 'gone'")),
    "down": (grpc.StatusCode.UNAVAILABLE, None),
    "paged": (grpc.StatusCode.INVALID_ARGUMENT, common_pb2.ErrorDetail(
        code="invalid_page_token", message="the page token is not one of this query",
        field_violations=[common_pb2.FieldViolation(field="page_token", code="invalid", description="made for another query")])),
    "denied": (grpc.StatusCode.PERMISSION_DENIED, common_pb2.ErrorDetail(code="forbidden", message="only the tenant's admins see drafts")),
}

# Each request: (path and query, headers). Every one sends a fixed request id, echoed.
REQUESTS: list[tuple[str, dict[str, str]]] = [
    ("/v1/tenants/xihu/services", {}),
    ("/v1/tenants/xihu/services?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7&page_size=20", {}),
    ("/v1/tenants/xihu/services?q=business+licence&type=XK&channel=app&department=%E7%99%BB%E8%AE%B0", {}),
    ("/v1/tenants/xihu/services?type=%E8%A1%8C%E6%94%BF%E8%AE%B8%E5%8F%AF&page_token=abc&page_size=-1", {}),
    ("/v1/tenants/xihu/services?q=a&q=b&unknown=1", {}),
    ("/v1/tenants/empty/services?q=nothing", {}),
    ("/v1/tenants/xihu/services", {"If-None-Match": "@etag"}),
    ("/v1/tenants/xihu/services", {"If-None-Match": 'W/"@bare", "other"'}),
    ("/v1/tenants/xihu/services", {"If-None-Match": "*"}),
    ("/v1/tenants/xihu/services", {"If-None-Match": '"not-it"'}),
    ("/v1/tenants/xihu/services?include_drafts=true", {"Authorization": f"Bearer {ADMIN_TOKEN}"}),
    ("/v1/tenants/xihu/services?include_drafts=1&q=x", {"Authorization": f"Bearer {ADMIN_TOKEN}", "If-None-Match": "*"}),
    ("/v1/tenants/xihu/services?q=x", {"Authorization": f"Bearer {ADMIN_TOKEN}"}),
    ("/v1/tenants/xihu/services", {"Authorization": "Basic abc"}),
    ("/v1/tenants/xihu/services", {"Authorization": "Bearer expired"}),
    ("/v1/tenants/xihu/services?type=bogus", {}),
    ("/v1/tenants/xihu/services?channel=bogus", {}),
    ("/v1/tenants/xihu/services?page_size=abc&q=" + "x" * 101, {}),
    ("/v1/tenants/xihu/services?include_drafts=maybe", {}),
    ("/v1/tenants/xihu/services?page_size=2147483648", {}),
    ("/v1/tenants/gone/services", {}),
    ("/v1/tenants/down/services?q=x", {}),
    ("/v1/tenants/paged/services?page_token=zzz", {}),
    ("/v1/tenants/denied/services?include_drafts=true", {"Authorization": f"Bearer {ADMIN_TOKEN}"}),
    ("/v1/tenants/xihu/services/", {}),
    ("/v1/tenants//services", {}),
]


class _Catalog:
    """The catalog's ListServices: a fixed page per tenant, or the tenant's failure."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def ListServices(self, request: pb.ListServicesRequest, metadata: Any = None) -> pb.ListServicesResponse:
        self.asked.append(text_format.MessageToString(request, as_utf8=True) + f"metadata: {list(metadata or ())}")
        if request.tenant_id in FAILURES:
            code, detail = FAILURES[request.tenant_id]
            trailing = grpc.aio.Metadata((ERROR_DETAIL_KEY, detail.SerializeToString())) if detail else grpc.aio.Metadata()
            raise grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailing, details=f"{code.name} details")
        return PAGES.get(request.tenant_id, pb.ListServicesResponse())


class _Backends:
    def __init__(self, catalog: _Catalog) -> None:
        self.catalog = catalog

    def stub(self, service: str, stub_class: type[Any]) -> Any:
        assert service == "catalog"
        return self.catalog


class _Verifier:
    async def verify(self, token: str) -> Principal:
        if token != ADMIN_TOKEN:
            raise TokenInvalid("the token has expired", code="token_expired")
        return Principal("u-admin", "xihu", frozenset({RoleBinding("xihu", "tenant_admin")}))


def _app(catalog: _Catalog, cache_bytes: int) -> Any:
    app = create_app(GatewaySettings())
    app.state.backends = _Backends(catalog)
    app.state.verifier = _Verifier()
    app.state.catalog_cache = CatalogCache(cache_bytes)
    app.state.catalog_cache.live = cache_bytes > 0
    return app


async def _answers(cache_bytes: int) -> dict[str, Any]:
    """Every request's answer (each asked twice: with the cache on, the second comes from it)."""
    catalog = _Catalog()
    app = _app(catalog, cache_bytes)
    out: list[dict[str, Any]] = []
    etag = ""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        for n, (path, headers) in enumerate(REQUESTS):
            sent = {k: v.replace("@etag", etag).replace("@bare", etag.strip('"')) for k, v in headers.items()}
            for again in range(2):
                asked = len(catalog.asked)
                resp = await client.get(path, headers={**sent, "X-Request-Id": f"request-{n:04d}-{again}"})
                if n == 0:
                    etag = resp.headers["etag"]
                out.append({"request": [path, headers], "status": resp.status_code,
                            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in resp.headers.raw],
                            "body": resp.content.decode("utf-8"), "asked": catalog.asked[asked:]})
    operation = app.openapi()["paths"][LIST_PATH]["get"]
    return {"answers": out, "openapi": operation}


def _recorded() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _compare(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(got) == len(expected)
    for answer, recorded in zip(got, expected, strict=True):
        assert answer == recorded, answer["request"]


def test_every_uncached_list_answer_is_the_recorded_one_byte_for_byte() -> None:
    got = asyncio.run(_answers(cache_bytes=0))
    _compare(got["answers"], _recorded()["uncached"])


def test_every_list_answer_through_the_catalogue_cache_is_the_recorded_one_byte_for_byte() -> None:
    got = asyncio.run(_answers(cache_bytes=1 << 20))
    _compare(got["answers"], _recorded()["cached"])


def test_a_kept_answer_is_the_same_bytes_as_the_uncached_one() -> None:
    """The same status, headers (in another order when the cache's middleware answers) and body."""
    recorded = _recorded()
    for uncached, cached in zip(recorded["uncached"], recorded["cached"], strict=True):
        assert (uncached["status"], sorted(uncached["headers"]), uncached["body"]) == (cached["status"], sorted(cached["headers"]), cached["body"]), uncached["request"]


def test_the_list_routes_openapi_operation_is_the_recorded_one() -> None:
    assert asyncio.run(_answers(cache_bytes=0))["openapi"] == _recorded()["openapi"]


@pytest.mark.parametrize("admin", [False, True])
def test_a_page_is_the_encoding_of_its_rows_as_one_json_value(admin: bool) -> None:
    for page in [*PAGES.values(), pb.ListServicesResponse(services=PAGES["xihu"].services[1:2], next_page_token="\u2028\x00")]:
        rows = [list_item_json(s, admin=admin) for s in page.services]
        assert list_page_json(page.services, page.next_page_token, admin=admin) == encode({"items": rows, "next_page_token": page.next_page_token})
        assert list_page_json(page.services, page.next_page_token, admin=admin) == encode({"items": rows, "next_page_token": page.next_page_token})


def _record() -> None:
    uncached, cached = asyncio.run(_answers(0)), asyncio.run(_answers(1 << 20))
    data = {"uncached": uncached["answers"], "cached": cached["answers"], "openapi": uncached["openapi"]}
    FIXTURE.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"recorded {len(uncached['answers'])} answers in {FIXTURE}", file=sys.stderr)


if __name__ == "__main__":
    _record()
