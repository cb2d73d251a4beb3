"""The catalogue through the gateway, against the running demo platform (real identity tokens).

Items made here are new ones (names carry a run id), so the seeded demo catalogue other
tests rely on is only read, never changed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DemoPlatform

PROVINCE_ADMIN, HANGZHOU_ADMIN, CITIZEN = "13900000000", "13900000010", "13900000100"
RUN = uuid.uuid4().hex[:6]


@pytest.fixture(scope="module")
def api(demo_platform: DemoPlatform) -> Iterator[httpx.Client]:
    with demo_platform.client() as client:
        deadline = time.monotonic() + 30
        # The catalog learns the tenant tree from identity's events: wait until it has.
        while client.get("/v1/tenants/haishu/services").status_code != 200:
            assert time.monotonic() < deadline, "the catalog never learnt the demo tenant tree"
            time.sleep(0.2)
        yield client


@pytest.fixture(scope="module")
def tokens(demo_platform: DemoPlatform) -> dict[str, str]:
    return {phone: demo_platform.sign_in(phone)["access_token"] for phone in (PROVINCE_ADMIN, HANGZHOU_ADMIN, CITIZEN)}


def auth(tokens: dict[str, str], phone: str, **headers: str) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens[phone]}", **headers}


def problem(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    return resp.json()  # type: ignore[no-any-return]


def fields(body: dict[str, Any]) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}


def listing(api: httpx.Client, tenant: str, **params: Any) -> list[dict[str, Any]]:
    resp = api.get(f"/v1/tenants/{tenant}/services", params={"page_size": 100, **params})
    assert resp.status_code == 200, resp.text
    assert resp.json()["next_page_token"] == ""
    return resp.json()["items"]  # type: ignore[no-any-return]


def by_name(items: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [i for i in items if i["name"]["zh"] == name]


def new_item(name: str) -> dict[str, Any]:
    return {
        "name": {"zh": name, "en": f"E2E item {RUN}"}, "type": "公共服务", "agency": "杭州市数据资源管理局", "department": "应用推广处",
        "summary": {"zh": "端到端测试事项", "en": ""}, "keywords": ["端到端", f"e2e{RUN}"], "workflow_id": "standard",
        "guide": {"conditions": ["杭州市居民"], "materials": [{"code": "id-card", "name": {"zh": "身份证"}, "required": True, "copies": 0, "source": "electronic_license"}],
                  "free": True, "statutory_limit_days": 10, "promised_limit_days": 3, "processing_kind": "promised", "channels": ["app"],
                  "address": "杭州市民中心", "contact": "0571-12345"},
        "form_schema": {"type": "object", "required": ["applicant_name"], "properties": {"applicant_name": {"type": "string", "maxLength": 40}}},
    }


def publish_new(api: httpx.Client, tokens: dict[str, str], name: str) -> dict[str, Any]:
    created = api.post("/v1/tenants/hangzhou/services", json=new_item(name), headers=auth(tokens, HANGZHOU_ADMIN))
    assert created.status_code == 201, created.text
    published = api.post(f"/v1/services/{created.json()['id']}/publish", headers=auth(tokens, HANGZHOU_ADMIN))
    assert published.status_code == 200, published.text
    return published.json()  # type: ignore[no-any-return]


def test_the_demo_catalogue_is_inherited_localised_and_opted_out_per_tenant(api: httpx.Client) -> None:
    name = "个体工商户营业执照办理"
    offered = {t: by_name(listing(api, t), name) for t in ("zhejiang", "hangzhou", "xihu", "yuhang", "ningbo", "haishu")}
    assert {t: [(i["tenant_id"], i["agency"]) for i in v] for t, v in offered.items()} == {
        "zhejiang": [("zhejiang", "浙江省市场监督管理局")],
        "hangzhou": [("hangzhou", "杭州市市场监督管理局")],  # hangzhou's localisation
        "xihu": [("xihu", "杭州市西湖区市场监督管理局")],  # xihu's own localisation
        "yuhang": [("hangzhou", "杭州市市场监督管理局")],  # yuhang inherits hangzhou's
        "ningbo": [("zhejiang", "浙江省市场监督管理局")],  # ningbo offers the base item
        "haishu": [("zhejiang", "浙江省市场监督管理局")],
    }
    assert offered["xihu"][0]["inherited_from"] == offered["zhejiang"][0]["id"] and offered["xihu"][0]["guide"]["promised_limit_days"] == 1
    lease = "住房租赁合同登记备案"  # hangzhou opted out, and so its counties
    assert [bool(by_name(listing(api, t), lease)) for t in ("hangzhou", "xihu", "yuhang", "ningbo")] == [False, False, False, True]
    assert by_name(listing(api, "xihu"), "杭州市民卡申领") and not by_name(listing(api, "ningbo"), "杭州市民卡申领")  # a city's own item
    assert len(listing(api, "xihu")) >= 30


def test_admins_localise_and_opt_out_through_the_api(api: httpx.Client, tokens: dict[str, str]) -> None:
    item = publish_new(api, tokens, f"城市自有事项{RUN}")
    assert [i["id"] for i in listing(api, "xihu", q=f"e2e{RUN}")] == [item["id"]]
    # The province admin administers xihu: a localisation for xihu ...
    loc = api.post("/v1/tenants/xihu/services", headers=auth(tokens, PROVINCE_ADMIN),
                   json={"base_item_id": item["id"], "agency": "杭州市西湖区数据资源管理局", "guide": {"address": "西湖区行政服务中心"}})
    assert loc.status_code == 201, loc.text
    assert loc.json()["status"] == "draft" and sorted(loc.json()["localized_fields"]) == ["agency", "guide.address"]
    assert api.post(f"/v1/services/{loc.json()['id']}/publish", headers=auth(tokens, PROVINCE_ADMIN)).status_code == 200
    [seen] = listing(api, "xihu", q=f"e2e{RUN}")
    assert (seen["id"], seen["tenant_id"], seen["agency"]) == (loc.json()["id"], "xihu", "杭州市西湖区数据资源管理局")
    assert [i["id"] for i in listing(api, "yuhang", q=f"e2e{RUN}")] == [item["id"]]
    # ... and an opt-out for yuhang, then back in.
    out = api.post(f"/v1/tenants/yuhang/services/{item['id']}/opt-out", json={"reason": "区级不实施"}, headers=auth(tokens, PROVINCE_ADMIN))
    assert out.status_code == 200 and out.json()["opted_out"] is True
    assert listing(api, "yuhang", q=f"e2e{RUN}") == []
    assert len(listing(api, "xihu", q=f"e2e{RUN}")) == 1
    assert api.delete(f"/v1/tenants/yuhang/services/{item['id']}/opt-out", headers=auth(tokens, PROVINCE_ADMIN)).status_code == 200
    assert len(listing(api, "yuhang", q=f"e2e{RUN}")) == 1
    problem(api.post(f"/v1/tenants/hangzhou/services/{item['id']}/opt-out", headers=auth(tokens, HANGZHOU_ADMIN)), 422)  # its own item


def test_published_versions_are_immutable(api: httpx.Client, tokens: dict[str, str]) -> None:
    admin = auth(tokens, HANGZHOU_ADMIN)
    created = api.post("/v1/tenants/hangzhou/services", json=new_item(f"版本测试{RUN}"), headers={**admin, "Idempotency-Key": f"k-{RUN}"})
    assert created.status_code == 201 and created.json()["code"].startswith("330100-GG-")
    assert created.headers["location"].startswith(f"/v1/services/{created.json()['id']}")
    item_id = created.json()["id"]
    again = api.post("/v1/tenants/hangzhou/services", json=new_item(f"版本测试{RUN}"), headers={**admin, "Idempotency-Key": f"k-{RUN}"})
    assert again.json()["id"] == item_id
    problem(api.patch(f"/v1/services/{item_id}", json={"department": "x"}, headers={**admin, "If-Match": '"stale"'}), 412)
    patched = api.patch(f"/v1/services/{item_id}", json={"department": "第一版处室"}, headers={**admin, "If-Match": created.headers["etag"]})
    assert patched.status_code == 200 and patched.json()["department"] == "第一版处室"
    v1 = api.post(f"/v1/services/{item_id}/publish", headers=admin).json()
    assert (v1["status"], v1["version"]) == ("published", 1)
    body = problem(api.patch(f"/v1/services/{item_id}", json={"department": "改已发布版本"}, headers=admin), 409)
    assert body["code"] == "version_immutable"
    draft = api.post("/v1/tenants/hangzhou/services", json={"base_item_id": item_id, "department": "第二版处室"}, headers=admin)
    assert draft.status_code == 201 and (draft.json()["status"], draft.json()["version"]) == ("draft", 2)
    assert problem(api.patch(f"/v1/services/{item_id}?version=1", json={"agency": "x"}, headers=admin), 409)["code"] == "version_immutable"
    assert api.get(f"/v1/services/{item_id}?draft=true").status_code == 401  # drafts are for admins
    assert api.get(f"/v1/services/{item_id}?draft=true", headers=admin).json()["department"] == "第二版处室"
    assert api.get(f"/v1/services/{item_id}").json()["department"] == "第一版处室"  # the public still sees v1
    assert api.post(f"/v1/services/{item_id}/publish", headers=admin).json()["version"] == 2
    assert api.get(f"/v1/services/{item_id}?version=1").json()["department"] == "第一版处室"
    assert api.get(f"/v1/services/{item_id}").json()["department"] == "第二版处室"
    assert [v["version"] for v in api.get(f"/v1/services/{item_id}/versions").json()["items"]] == [2, 1]
    retired = api.post(f"/v1/services/{item_id}/retire", json={"reason": "测试结束"}, headers=admin)
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    assert listing(api, "hangzhou", q=f"版本测试{RUN}") == []
    assert api.get(f"/v1/services/{item_id}?version=1").status_code == 200  # applications' versions stay readable


@pytest.mark.parametrize(("q", "first"), [("营业执照", "个体工商户营业执照办理"), ("执照", "个体工商户营业执照办理"), ("公积金提取", "住房公积金提取"),
                                          ("business licence", "个体工商户营业执照办理"), ("Provident Fund", "住房公积金提取"), ("marriage", "结婚登记")])
def test_search_in_chinese_and_english(api: httpx.Client, q: str, first: str) -> None:
    found = listing(api, "xihu", q=q)
    assert found and found[0]["name"]["zh"] == first
    assert all(f["type"] == "administrative_licensing" for f in listing(api, "xihu", q=q, type="XK"))


def test_who_may_edit_what(api: httpx.Client, tokens: dict[str, str]) -> None:
    ningbo_item = by_name(listing(api, "ningbo"), "宁波市民卡申领")[0]
    hz_item = by_name(listing(api, "hangzhou"), "杭州市民卡申领")[0]
    hz_admin, citizen = auth(tokens, HANGZHOU_ADMIN), auth(tokens, CITIZEN)
    assert problem(api.post("/v1/tenants/ningbo/services", json=new_item("越权"), headers=hz_admin), 403)["code"] == "not_tenant_admin"
    problem(api.post("/v1/tenants/ningbo/services", json={"base_item_id": ningbo_item["id"], "agency": "x"}, headers=hz_admin), 403)
    problem(api.patch(f"/v1/services/{ningbo_item['id']}", json={"agency": "x"}, headers=hz_admin), 403)
    problem(api.post(f"/v1/services/{ningbo_item['id']}/retire", headers=hz_admin), 403)
    problem(api.post(f"/v1/tenants/ningbo/notices", json={"title": {"zh": "越权"}, "body": {"zh": "x"}, "category": "announcement"}, headers=hz_admin), 403)
    problem(api.post("/v1/tenants/hangzhou/services", json=new_item("市民越权"), headers=citizen), 403)
    problem(api.patch(f"/v1/services/{hz_item['id']}", json={"agency": "x"}, headers=citizen), 403)
    problem(api.post(f"/v1/services/{hz_item['id']}/publish", headers=citizen), 403)
    problem(api.post(f"/v1/tenants/hangzhou/services/{hz_item['id']}/opt-out", headers=citizen), 403)
    problem(api.post("/v1/tenants/hangzhou/services", json=new_item("匿名")), 401)
    problem(api.get("/v1/tenants/hangzhou/services?include_drafts=true", headers=citizen), 403)


@pytest.mark.parametrize("size", [7, 13])
def test_pagination_walks_every_item_once(api: httpx.Client, size: int) -> None:
    everything = [i["id"] for i in listing(api, "xihu")]
    seen, token = [], ""
    while True:
        resp = api.get("/v1/tenants/xihu/services", params={"page_size": size, "page_token": token})
        assert resp.status_code == 200 and resp.headers["cache-control"].startswith("public")
        page = resp.json()
        assert len(page["items"]) <= size
        seen += [i["id"] for i in page["items"]]
        token = page["next_page_token"]
        if not token:
            break
    assert seen == everything and len(set(seen)) == len(seen) >= 30


def test_item_detail_has_an_etag_and_answers_304(api: httpx.Client, tokens: dict[str, str]) -> None:
    item = publish_new(api, tokens, f"缓存测试{RUN}")
    first = api.get(f"/v1/services/{item['id']}")
    assert first.status_code == 200 and first.headers["cache-control"] == "public, max-age=60"
    etag = first.headers["etag"]
    body = first.json()
    assert body["form_schema"]["required"] == ["applicant_name"] and body["guide"]["materials"][0]["code"] == "id-card"
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        cached = api.get(f"/v1/services/{item['id']}", headers={"If-None-Match": header})
        assert cached.status_code == 304 and cached.content == b"" and cached.headers["etag"] == etag
    assert api.get(f"/v1/services/{item['id']}", headers={"If-None-Match": '"something-else"'}).status_code == 200
    admin = auth(tokens, HANGZHOU_ADMIN)
    api.post("/v1/tenants/hangzhou/services", json={"base_item_id": item["id"], "summary": {"zh": "新版本"}}, headers=admin)
    api.post(f"/v1/services/{item['id']}/publish", headers=admin)
    changed = api.get(f"/v1/services/{item['id']}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag and changed.json()["version"] == 2
    pinned = api.get(f"/v1/services/{item['id']}?version=1", headers={"If-None-Match": etag})
    assert pinned.status_code == 304 and "immutable" in pinned.headers["cache-control"]


def test_bad_input_answers_problem_json_naming_the_field(api: httpx.Client, tokens: dict[str, str]) -> None:
    admin = auth(tokens, HANGZHOU_ADMIN)
    assert fields(problem(api.post("/v1/tenants/hangzhou/services", json={**new_item("x"), "type": "行政许可证"}, headers=admin), 422)) == {"type"}
    bad_form = {**new_item("x"), "form_schema": {"type": "object", "properties": {"age": {"type": "integr"}}}}
    assert "form_schema.properties.age.type" in fields(problem(api.post("/v1/tenants/hangzhou/services", json=bad_form, headers=admin), 422))
    missing = {k: v for k, v in new_item("x").items() if k not in ("agency", "form_schema")}
    assert {"agency", "form_schema"} <= fields(problem(api.post("/v1/tenants/hangzhou/services", json=missing, headers=admin), 422))
    assert fields(problem(api.post("/v1/tenants/hangzhou/services", json={**new_item("x"), "status": "published"}, headers=admin), 422)) == {"status"}
    problem(api.post("/v1/tenants/hangzhou/services", content=b'{"name": ', headers={**admin, "content-type": "application/json"}), 400)
    token = api.get("/v1/tenants/xihu/services", params={"page_size": 5}).json()["next_page_token"]
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert problem(api.get("/v1/tenants/xihu/services", params={"page_size": 5, "page_token": tampered}), 400)["code"] == "invalid_page_token"
    assert problem(api.get("/v1/tenants/ningbo/services", params={"page_size": 5, "page_token": token}), 400)["code"] == "invalid_page_token"
    assert fields(problem(api.get("/v1/tenants/xihu/services", params={"type": "审批"}), 422)) == {"type"}
    assert fields(problem(api.get("/v1/tenants/xihu/services", params={"channel": "fax"}), 422)) == {"channel"}
    problem(api.get("/v1/tenants/atlantis/services"), 404)
    problem(api.get(f"/v1/services/{uuid.uuid4()}"), 404)
    problem(api.get("/v1/services/not-an-id"), 404)


def test_notices_are_published_by_admins_and_seen_below(api: httpx.Client, tokens: dict[str, str]) -> None:
    title = f"杭州市端到端测试通知{RUN}"
    posted = api.post("/v1/tenants/hangzhou/notices", json={"title": {"zh": title}, "body": {"zh": "正文"}, "category": "announcement"},
                      headers=auth(tokens, HANGZHOU_ADMIN))
    assert posted.status_code == 201 and posted.json()["tenant_id"] == "hangzhou"
    xihu = api.get("/v1/tenants/xihu/notices", params={"page_size": 100})
    assert xihu.status_code == 200 and xihu.headers["cache-control"].startswith("public")
    titles = [n["title"]["zh"] for n in xihu.json()["items"]]
    assert titles[0] == title and "关于春节期间政务服务安排的公告" in titles  # its city's and the province's
    assert title not in [n["title"]["zh"] for n in api.get("/v1/tenants/ningbo/notices").json()["items"]]
    problem(api.post("/v1/tenants/hangzhou/notices", json={"title": {"zh": "x"}, "body": {"zh": "x"}, "category": "announcement"},
                     headers=auth(tokens, CITIZEN)), 403)
    assert fields(problem(api.post("/v1/tenants/hangzhou/notices", json={"title": {"zh": "x"}, "body": {"zh": "x"}, "category": "gossip"},
                                   headers=auth(tokens, HANGZHOU_ADMIN)), 422)) == {"category"}
