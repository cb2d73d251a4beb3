"""The gateway's catalogue cache against the running platform: public reads are served
from it, and every kind of catalogue change is visible in the next read after its event
reached the gateway, with no stale page and no answer of another tenant or query.

The changes are made on the catalog's gRPC API directly, not through the gateway (a
write through the gateway drops its cache at once, which would hide whether the event
does). The signal waited on is the gateway's own count of catalogue events consumed
(`mgov_catalog_cache_invalidations_total{cause="event"}`), never a sleep.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import grpc
import httpx
import pytest

from gateway.catalog_json import parse_item_body
from mgov.catalog.v1 import catalog_pb2 as pb
from mgov.catalog.v1 import catalog_pb2_grpc
from mgov.common.v1 import common_pb2
from tests.e2e.conftest import DemoPlatform
from tests.e2e.test_catalog_e2e import HANGZHOU_ADMIN, PROVINCE_ADMIN, new_item
from tests.metrics_support import Samples, scrape, value, wait_for_samples

pytestmark = pytest.mark.e2e
RUN = uuid.uuid4().hex[:6]
T = TypeVar("T")


@pytest.fixture(scope="module")
def api(demo_platform: DemoPlatform) -> Iterator[httpx.Client]:
    with demo_platform.client() as client:
        deadline = time.monotonic() + 30
        while client.get("/v1/tenants/haishu/services").status_code != 200:  # the tenant tree has reached the catalog
            assert time.monotonic() < deadline, "the catalog never learnt the demo tenant tree"
            time.sleep(0.2)
        yield client


@pytest.fixture(scope="module")
def catalog(demo_platform: DemoPlatform) -> Iterator[catalog_pb2_grpc.CatalogServiceStub]:
    with grpc.insecure_channel(f"127.0.0.1:{demo_platform.ports['CATALOG']}") as channel:
        yield catalog_pb2_grpc.CatalogServiceStub(channel)


@pytest.fixture(scope="module")
def admin(demo_platform: DemoPlatform) -> dict[str, tuple[tuple[str, str]]]:
    return {phone: (("authorization", f"Bearer {demo_platform.sign_in(phone)['access_token']}"),) for phone in (PROVINCE_ADMIN, HANGZHOU_ADMIN)}


def metrics_port(platform: DemoPlatform) -> int:
    return platform.ports["GATEWAY_METRICS"]


def events(samples: Samples) -> float:
    return value(samples, "mgov_catalog_cache_invalidations_total", cause="event") or 0.0


def hits(samples: Samples) -> float:
    return value(samples, "mgov_catalog_cache_requests_total", result="hit") or 0.0


def next_read_after_the_event(platform: DemoPlatform, read: Callable[[], T], changed: Callable[[T], bool], what: str) -> T:
    """Read until `changed` holds, reading again only after the gateway consumed another
    catalogue event; fails if a read after the events shows the old state for 20 s."""
    port = metrics_port(platform)
    deadline = time.monotonic() + 20
    while True:
        seen = events(scrape(port))
        result = read()
        if changed(result):
            return result
        assert time.monotonic() < deadline, f"{what}: still the old answer after the gateway consumed the catalogue's events"
        wait_for_samples(port, lambda s, seen=seen: events(s) > seen, f"a catalogue event after {what}")


def search(api: httpx.Client, tenant: str, q: str) -> list[dict[str, Any]]:
    resp = api.get(f"/v1/tenants/{tenant}/services", params={"q": q, "page_size": 100})
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]  # type: ignore[no-any-return]


def create_and_publish(catalog: catalog_pb2_grpc.CatalogServiceStub, meta: Any, tenant: str, body: dict[str, Any],
                       base_item_id: str = "") -> pb.ServiceItem:
    item, paths = parse_item_body(body)
    req = pb.CreateDraftRequest(tenant_id=tenant, base_item_id=base_item_id, item=item)
    req.update_mask.paths.extend(paths)
    draft = catalog.CreateDraft(req, metadata=meta)
    return catalog.PublishItem(pb.PublishItemRequest(service_id=draft.id), metadata=meta)


def test_a_repeated_public_read_is_answered_from_the_cache_with_an_etag_and_304(api: httpx.Client, demo_platform: DemoPlatform) -> None:
    port = metrics_port(demo_platform)
    first = api.get("/v1/tenants/xihu/services", params={"q": "社保卡"})
    before = scrape(port)
    again = api.get("/v1/tenants/xihu/services", params={"q": "社保卡"})
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert hits(scrape(port)) >= hits(before) + 1
    assert again.headers["cache-control"] == "public, max-age=30"
    same = api.get("/v1/tenants/xihu/services", params={"q": "社保卡"}, headers={"if-none-match": first.headers["etag"]})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == first.headers["etag"]
    other = api.get("/v1/tenants/xihu/services", params={"q": "社保卡"}, headers={"if-none-match": '"not-this-one"'})
    assert other.status_code == 200 and other.content == first.content
    # A signed-in caller gets the same public answer, its token verified first.
    assert api.get("/v1/tenants/xihu/services", params={"q": "社保卡"}, headers={"authorization": "Bearer forged"}).status_code == 401


def test_each_cached_answer_is_its_own_tenants_and_querys(api: httpx.Client, catalog: catalog_pb2_grpc.CatalogServiceStub) -> None:
    """No mix-up across tenants or queries (Chinese and English): each answer, served
    twice (the second from the cache), is what the catalog says for that tenant and query."""
    for tenant in ("hangzhou", "xihu", "ningbo"):
        for q in ("营业执照", "business licence", "公积金", ""):
            expected = [s.id for s in catalog.ListServices(pb.ListServicesRequest(tenant_id=tenant, q=q, page_size=100)).services]
            for _ in range(2):
                assert [i["id"] for i in search(api, tenant, q)] == expected, (tenant, q)
    assert search(api, "hangzhou", "营业执照") != search(api, "ningbo", "营业执照")


def test_a_publish_and_a_retirement_are_visible_in_the_next_read_after_their_events(
        api: httpx.Client, catalog: catalog_pb2_grpc.CatalogServiceStub, admin: dict[str, Any], demo_platform: DemoPlatform) -> None:
    tag = f"cache{RUN}p"
    assert search(api, "xihu", tag) == [] and search(api, "xihu", tag) == []  # kept: an empty answer
    item = create_and_publish(catalog, admin[HANGZHOU_ADMIN], "hangzhou", {**new_item(f"缓存发布{RUN}"), "keywords": [tag]})
    seen = next_read_after_the_event(demo_platform, lambda: search(api, "xihu", tag), lambda items: items != [], "a publish")
    assert [i["id"] for i in seen] == [item.id]
    guide = api.get(f"/v1/services/{item.id}")
    assert guide.status_code == 200 and guide.json()["status"] == "published"

    catalog.RetireItem(pb.RetireItemRequest(service_id=item.id, reason="缓存测试"), metadata=admin[HANGZHOU_ADMIN])
    next_read_after_the_event(demo_platform, lambda: search(api, "xihu", tag), lambda items: items == [], "a retirement")
    retired = next_read_after_the_event(demo_platform, lambda: api.get(f"/v1/services/{item.id}").json(),
                                        lambda body: body["status"] == "retired", "a retirement (the guide)")
    assert retired["id"] == item.id


def test_a_localisation_and_an_opt_out_are_visible_in_the_next_read_after_their_events(
        api: httpx.Client, catalog: catalog_pb2_grpc.CatalogServiceStub, admin: dict[str, Any], demo_platform: DemoPlatform) -> None:
    tag = f"cache{RUN}l"
    base = create_and_publish(catalog, admin[HANGZHOU_ADMIN], "hangzhou", {**new_item(f"缓存本地化{RUN}"), "keywords": [tag]})
    [seen] = next_read_after_the_event(demo_platform, lambda: search(api, "xihu", tag), lambda items: items != [], "a publish")
    assert seen["id"] == base.id
    assert [i["id"] for i in search(api, "yuhang", tag)] == [base.id]  # yuhang's answer is kept too

    loc = create_and_publish(catalog, admin[PROVINCE_ADMIN], "xihu", {"agency": f"西湖区缓存局{RUN}"}, base_item_id=base.id)
    [local] = next_read_after_the_event(demo_platform, lambda: search(api, "xihu", tag), lambda items: bool(items) and items[0]["id"] != base.id, "a localisation")
    assert (local["id"], local["tenant_id"], local["agency"]) == (loc.id, "xihu", f"西湖区缓存局{RUN}")

    catalog.OptOut(pb.OptOutRequest(tenant_id="yuhang", service_id=base.id, opt_out=True, reason="区级不实施"), metadata=admin[PROVINCE_ADMIN])
    next_read_after_the_event(demo_platform, lambda: search(api, "yuhang", tag), lambda items: items == [], "an opt-out")
    assert [i["id"] for i in search(api, "xihu", tag)] == [loc.id]  # another tenant's answer is unchanged
    catalog.OptOut(pb.OptOutRequest(tenant_id="yuhang", service_id=base.id, opt_out=False), metadata=admin[PROVINCE_ADMIN])
    next_read_after_the_event(demo_platform, lambda: search(api, "yuhang", tag), lambda items: items != [], "an opt-in")


def test_a_notice_is_visible_in_the_next_read_after_its_event(
        api: httpx.Client, catalog: catalog_pb2_grpc.CatalogServiceStub, admin: dict[str, Any], demo_platform: DemoPlatform) -> None:
    title = f"缓存公告{RUN}"

    def titles() -> list[str]:
        resp = api.get("/v1/tenants/xihu/notices", params={"page_size": 100})
        assert resp.status_code == 200, resp.text
        return [n["title"]["zh"] for n in resp.json()["items"]]

    assert title not in titles() and title not in titles()
    catalog.PublishNotice(pb.PublishNoticeRequest(tenant_id="hangzhou", title=common_pb2.LocalizedText(zh=title),
                                                  body=common_pb2.LocalizedText(zh="正文"), category="announcement"), metadata=admin[HANGZHOU_ADMIN])
    next_read_after_the_event(demo_platform, titles, lambda now: title in now, "a notice")
