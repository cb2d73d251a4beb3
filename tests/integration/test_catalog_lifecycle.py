"""Item lifecycle against real PostgreSQL: drafts, immutable versions, localisation, opt-out,
retirement, permissions, bad input, idempotency, notices, and the events in the outbox."""

from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from mgov_common.errors import AlreadyExists, Conflict, InvalidArgument, NotFound, PermissionDenied, StaleVersion, Unauthenticated
from services.catalog.domain import content as c
from services.catalog.service_layer import items, notices, queries
from services.catalog.service_layer.views import ItemView
from tests.catalog_support import CITIZEN, CODEC, NOW, PROVINCE_ADMIN, admin, catalog_pool, content, reader, system, uow  # noqa: F401

ALL = list(c.ALL_PATHS)


async def create(pool: asyncpg.Pool, tenant: str = "hangzhou", principal: Any = None, **changes: Any) -> ItemView:
    return await items.create_draft(uow(pool), principal or admin(tenant), tenant_id=tenant, base_item_id=None,
                                    changes=content(**changes), paths=ALL, request_id="", now=NOW)


async def publish(pool: asyncpg.Pool, view: ItemView, principal: Any = None) -> ItemView:
    return await items.publish(uow(pool), principal or admin(view.tenant_id), item_id=view.id, etag="", now=NOW)


async def outbox(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    import json

    rows = await pool.fetch("SELECT subject, payload FROM outbox ORDER BY seq")
    return [{**json.loads(r["payload"]), "nats_subject": r["subject"]} for r in rows]


async def effective(pool: asyncpg.Pool, tenant: str, **kw: Any) -> list[ItemView]:
    views, token = await queries.list_services(reader(pool), None, CODEC, queries.ListQuery(tenant, page_size=100, **kw))
    assert token == ""
    return views


async def test_a_new_item_gets_a_code_and_publishing_freezes_version_1_with_an_event(catalog_pool: asyncpg.Pool) -> None:
    draft = await create(catalog_pool, type="行政许可", name={"zh": "临时占道许可", "en": "Temporary road use permit"})
    second = await create(catalog_pool, type="administrative_licensing")
    assert (draft.status, draft.version, draft.code, second.code) == ("draft", 1, "330100-XK-0001", "330100-XK-0002")
    assert await effective(catalog_pool, "hangzhou") == []  # drafts are not offered
    v1 = await publish(catalog_pool, draft)
    assert (v1.status, v1.version, v1.etag) == ("published", 1, v1.etag) and v1.etag
    events = await outbox(catalog_pool)
    assert [e["type"] for e in events] == ["mgov.catalog.item.published.v1"]
    e = events[0]
    assert e["nats_subject"] == "mgov.evt.hangzhou.catalog.item.published" and e["tenant"] == "hangzhou" and e["source"] == "mgov/catalog"
    assert {k: e["data"][k] for k in ("id", "version", "code", "workflow_id", "statutory_limit_days", "promised_limit_days")} == {
        "id": str(draft.id), "version": 1, "code": "330100-XK-0001", "workflow_id": "standard", "statutory_limit_days": 20, "promised_limit_days": 5}
    assert e["data"]["name"]["zh"] == "临时占道许可" and e["data"]["form_schema"]["type"] == "object"
    assert [v.id for v in await effective(catalog_pool, "hangzhou")] == [draft.id]


async def test_published_versions_are_immutable_and_a_change_makes_version_2(catalog_pool: asyncpg.Pool) -> None:
    v1 = await publish(catalog_pool, await create(catalog_pool))
    with pytest.raises(Conflict) as exc:
        await items.update_draft(uow(catalog_pool), admin("hangzhou"), item_id=v1.id, changes={"agency": "改"}, paths=["agency"],
                                 replace=False, etag="", version=0, now=NOW)
    assert exc.value.code == "version_immutable"
    draft = await items.create_draft(uow(catalog_pool), admin("hangzhou"), tenant_id="hangzhou", base_item_id=v1.id,
                                     changes={"agency": "杭州市新机构"}, paths=["agency"], request_id="", now=NOW)
    assert (draft.status, draft.version) == ("draft", 2)
    with pytest.raises(StaleVersion):
        await items.update_draft(uow(catalog_pool), admin("hangzhou"), item_id=v1.id, changes={"department": "x"}, paths=["department"],
                                 replace=False, etag="not-the-etag", version=0, now=NOW)
    edited = await items.update_draft(uow(catalog_pool), admin("hangzhou"), item_id=v1.id, changes={"department": "新处室"},
                                      paths=["department"], replace=False, etag=draft.etag, version=2, now=NOW)
    v2 = await items.publish(uow(catalog_pool), admin("hangzhou"), item_id=v1.id, etag=edited.etag, now=NOW)
    assert (v2.version, v2.content["agency"], v2.content["department"]) == (2, "杭州市新机构", "新处室")
    old = await queries.get_service(reader(catalog_pool), None, item_id=v1.id, version=1, draft=False)
    assert old.content == v1.content and old.etag == v1.etag  # applications made against v1 still see v1
    latest = await queries.get_service(reader(catalog_pool), None, item_id=v1.id, version=0, draft=False)
    assert latest.version == 2 and latest.etag != v1.etag
    assert [v.number for v in await queries.list_versions(reader(catalog_pool), item_id=v1.id)] == [2, 1]
    with pytest.raises(NotFound):
        await queries.get_service(reader(catalog_pool), None, item_id=v1.id, version=3, draft=False)
    with pytest.raises(asyncpg.PostgresError, match="immutable"):  # and the database refuses it too
        await catalog_pool.execute("UPDATE item_versions SET content = '{}' WHERE item_id = $1", v1.id)
    with pytest.raises(asyncpg.PostgresError, match="immutable"):
        await catalog_pool.execute("DELETE FROM item_versions WHERE item_id = $1", v1.id)


async def test_localisation_inheritance_and_opt_out(catalog_pool: asyncpg.Pool) -> None:
    base = await publish(catalog_pool, await create(catalog_pool, "zhejiang", PROVINCE_ADMIN, name={"zh": "省级事项", "en": ""}), PROVINCE_ADMIN)
    for t in ("zhejiang", "hangzhou", "xihu", "yuhang", "ningbo"):
        assert [v.id for v in await effective(catalog_pool, t)] == [base.id], t
    hz = await items.create_draft(uow(catalog_pool), admin("hangzhou"), tenant_id="hangzhou", base_item_id=base.id,
                                  changes={"agency": "杭州市局", "guide": {"promised_limit_days": 2}}, paths=["agency", "guide.promised_limit_days"],
                                  request_id="", now=NOW)
    assert (hz.code, hz.inherited_from, hz.localized_fields) == (base.code, base.id, ["agency", "guide.promised_limit_days"])
    hz = await publish(catalog_pool, hz)
    xihu_sees = await effective(catalog_pool, "xihu")
    assert [v.id for v in xihu_sees] == [hz.id] and xihu_sees[0].content["agency"] == "杭州市局"  # the city's implementation
    assert [v.id for v in await effective(catalog_pool, "ningbo")] == [base.id]
    with pytest.raises(InvalidArgument) as exc:  # only localisable fields
        await items.create_draft(uow(catalog_pool), admin("xihu"), tenant_id="xihu", base_item_id=base.id,
                                 changes={"name": {"zh": "改名", "en": ""}}, paths=["name"], request_id="", now=NOW)
    assert exc.value.violations[0].field == "name"
    xh = await publish(catalog_pool, await items.create_draft(
        uow(catalog_pool), admin("xihu"), tenant_id="xihu", base_item_id=hz.id,  # given the city's localisation: localises the base
        changes={"agency": "西湖区局"}, paths=["agency"], request_id="", now=NOW))
    assert xh.inherited_from == base.id and xh.content["guide"]["promised_limit_days"] == 5  # over the base, not the city's values
    assert [v.id for v in await effective(catalog_pool, "xihu")] == [xh.id]
    with pytest.raises(AlreadyExists):
        await items.create_draft(uow(catalog_pool), admin("xihu"), tenant_id="xihu", base_item_id=base.id, changes={}, paths=[], request_id="", now=NOW)
    # Opting out in the city covers its counties, except where a county localised it.
    assert await items.opt_out(uow(catalog_pool), admin("hangzhou"), tenant_id="hangzhou", item_id=base.id, out=True, reason="市级不实施", now=NOW)
    assert await effective(catalog_pool, "hangzhou") == [] and await effective(catalog_pool, "yuhang") == []
    assert [v.id for v in await effective(catalog_pool, "xihu")] == [xh.id]
    assert [v.id for v in await effective(catalog_pool, "ningbo")] == [base.id]
    assert not await items.opt_out(uow(catalog_pool), admin("hangzhou"), tenant_id="hangzhou", item_id=hz.id, out=True, reason="", now=NOW)
    assert await items.opt_out(uow(catalog_pool), admin("hangzhou"), tenant_id="hangzhou", item_id=base.id, out=False, reason="", now=NOW)
    assert [v.id for v in await effective(catalog_pool, "yuhang")] == [hz.id]
    with pytest.raises(InvalidArgument):  # one's own item is retired, not opted out of
        await items.opt_out(uow(catalog_pool), PROVINCE_ADMIN, tenant_id="zhejiang", item_id=base.id, out=True, reason="", now=NOW)


async def test_a_new_base_version_rebases_localisations_and_retiring_the_base_retires_them(catalog_pool: asyncpg.Pool) -> None:
    base = await publish(catalog_pool, await create(catalog_pool, "zhejiang", PROVINCE_ADMIN), PROVINCE_ADMIN)
    loc = await publish(catalog_pool, await items.create_draft(uow(catalog_pool), admin("ningbo"), tenant_id="ningbo", base_item_id=base.id,
                                                               changes={"guide": {"contact": "0574-1"}}, paths=["guide.contact"], request_id="", now=NOW))
    await items.create_draft(uow(catalog_pool), PROVINCE_ADMIN, tenant_id="zhejiang", base_item_id=base.id,
                             changes={"summary": {"zh": "新摘要", "en": ""}}, paths=["summary"], request_id="", now=NOW)
    await items.publish(uow(catalog_pool), PROVINCE_ADMIN, item_id=base.id, etag="", now=NOW)
    rebased = await queries.get_service(reader(catalog_pool), None, item_id=loc.id, version=0, draft=False)
    assert (rebased.version, rebased.base_version, rebased.content["summary"]["zh"], rebased.content["guide"]["contact"]) == (2, 2, "新摘要", "0574-1")
    retired = await items.retire(uow(catalog_pool), PROVINCE_ADMIN, item_id=base.id, reason="事项取消", now=NOW)
    assert retired.status == "retired"
    assert await effective(catalog_pool, "ningbo") == [] and await effective(catalog_pool, "zhejiang") == []
    assert (await queries.get_service(reader(catalog_pool), None, item_id=loc.id, version=1, draft=False)).status == "retired"
    kinds = [(e["type"].split(".")[3], e["tenant"], e["data"]["id"]) for e in await outbox(catalog_pool)]
    assert kinds == [("published", "zhejiang", str(base.id)), ("published", "ningbo", str(loc.id)), ("published", "zhejiang", str(base.id)),
                     ("published", "ningbo", str(loc.id)), ("retired", "zhejiang", str(base.id)), ("retired", "ningbo", str(loc.id))]


async def test_who_may_change_what(catalog_pool: asyncpg.Pool) -> None:
    nb_item = await publish(catalog_pool, await create(catalog_pool, "ningbo"))
    with pytest.raises(PermissionDenied):  # a city admin in another city
        await create(catalog_pool, "ningbo", admin("hangzhou"))
    with pytest.raises(PermissionDenied):
        await items.create_draft(uow(catalog_pool), admin("hangzhou"), tenant_id="ningbo", base_item_id=nb_item.id, changes={}, paths=[], request_id="", now=NOW)
    with pytest.raises(PermissionDenied):
        await items.retire(uow(catalog_pool), admin("hangzhou"), item_id=nb_item.id, reason="", now=NOW)
    with pytest.raises(PermissionDenied):
        await items.publish(uow(catalog_pool), CITIZEN, item_id=nb_item.id, etag="", now=NOW)
    with pytest.raises(PermissionDenied):
        await create(catalog_pool, "hangzhou", CITIZEN)
    with pytest.raises(Unauthenticated):
        await items.create_draft(uow(catalog_pool), None, tenant_id="hangzhou", base_item_id=None, changes=content(), paths=ALL, request_id="", now=NOW)
    with pytest.raises(PermissionDenied):  # an item of an ancestor cannot be changed by a descendant
        await items.create_draft(uow(catalog_pool), admin("haishu"), tenant_id="ningbo", base_item_id=nb_item.id, changes={}, paths=[], request_id="", now=NOW)
    assert (await create(catalog_pool, "haishu", PROVINCE_ADMIN)).tenant_id == "haishu"  # the province administers its subtree
    assert (await create(catalog_pool, "xihu", system("xihu"))).tenant_id == "xihu"  # a tenant's own system
    with pytest.raises(PermissionDenied):
        await queries.list_services(reader(catalog_pool), CITIZEN, CODEC, queries.ListQuery("hangzhou", include_drafts=True))
    with pytest.raises(NotFound):
        await create(catalog_pool, "atlantis", PROVINCE_ADMIN)


async def test_bad_input_is_refused_with_the_field_named(catalog_pool: asyncpg.Pool) -> None:
    cases = [
        ({"type": "行政许可证"}, "type"),
        ({"form_schema": {"type": "object", "properties": {"x": {"type": 12}}}}, "form_schema.properties.x.type"),
        ({"agency": ""}, "agency"),
        ({"guide": {**content()["guide"], "statutory_limit_days": 0}}, "guide.statutory_limit_days"),
    ]
    for changes, field in cases:
        with pytest.raises(InvalidArgument) as exc:
            await create(catalog_pool, **changes)
        assert field in {v.field for v in exc.value.violations}, (changes, exc.value.violations)
    with pytest.raises(InvalidArgument) as exc:
        await items.create_draft(uow(catalog_pool), admin("hangzhou"), tenant_id="hangzhou", base_item_id=None, changes=content(),
                                 paths=["name", "colour"], request_id="", now=NOW)
    assert exc.value.field == "colour"
    assert await catalog_pool.fetchval("SELECT count(*) FROM items") == 0


async def test_a_repeated_idempotency_key_returns_the_first_draft(catalog_pool: asyncpg.Pool) -> None:
    async def attempt(agency: str) -> ItemView:
        return await items.create_draft(uow(catalog_pool), admin("hangzhou"), tenant_id="hangzhou", base_item_id=None,
                                        changes=content(agency=agency), paths=ALL, request_id="key-1", now=NOW)
    first, again = await attempt("机构甲"), await attempt("机构甲")
    assert first.id == again.id and await catalog_pool.fetchval("SELECT count(*) FROM items") == 1
    with pytest.raises(AlreadyExists) as exc:
        await attempt("机构乙")
    assert exc.value.code == "idempotency_key_reused"


async def test_an_idempotency_key_is_bound_to_the_caller(catalog_pool: asyncpg.Pool) -> None:
    async def draft(who: Any) -> ItemView:
        return await items.create_draft(uow(catalog_pool), who, tenant_id="hangzhou", base_item_id=None,
                                         changes=content(agency="机构甲"), paths=ALL, request_id="key-1", now=NOW)

    async def notice(who: Any) -> Any:
        return await notices.publish_notice(uow(catalog_pool), who, tenant_id="hangzhou", title={"zh": "通知", "en": ""},
                                            body={"zh": "正文", "en": ""}, category="announcement", publish_time=None,
                                            request_id="key-2", now=NOW)
    await draft(admin("hangzhou"))
    await notice(admin("hangzhou"))
    for other in (PROVINCE_ADMIN, system("hangzhou")):  # the same key and body from someone else: refused, not replayed
        for call in (draft, notice):
            with pytest.raises(AlreadyExists) as exc:
                await call(other)
            assert exc.value.code == "idempotency_key_reused"
    assert await catalog_pool.fetchval("SELECT count(*) FROM items") == 1


async def test_notices_reach_the_tenant_and_its_descendants(catalog_pool: asyncpg.Pool) -> None:
    async def post(tenant: str, title: str, minutes: int, category: str = "announcement", key: str = "") -> Any:
        return await notices.publish_notice(uow(catalog_pool), admin(tenant) if tenant != "zhejiang" else PROVINCE_ADMIN, tenant_id=tenant,
                                            title={"zh": title, "en": ""}, body={"zh": "正文", "en": ""}, category=category,
                                            publish_time=NOW - timedelta(minutes=minutes), request_id=key, now=NOW)
    await post("zhejiang", "省通知", 30, "policy")
    await post("hangzhou", "市通知", 20)
    await post("xihu", "区通知", 10)
    await post("ningbo", "甬通知", 5)
    first = await post("hangzhou", "重复提交", 1, key="k")
    assert (await post("hangzhou", "重复提交", 1, key="k")).id == first.id

    async def titles(tenant: str, **kw: Any) -> list[str]:
        out, token = [], ""
        while True:
            rows, token = await notices.list_notices(reader(catalog_pool), CODEC, tenant_id=tenant, category=kw.get("category", ""),
                                                     own_only=kw.get("own_only", False), page_size=2, page_token=token)
            out += [n.title["zh"] for n in rows]
            if not token:
                return out
    assert await titles("xihu") == ["重复提交", "区通知", "市通知", "省通知"]
    assert await titles("ningbo") == ["甬通知", "省通知"]
    assert await titles("xihu", own_only=True) == ["区通知"]
    assert await titles("hangzhou", category="policy") == ["省通知"]
    with pytest.raises(PermissionDenied):
        await notices.publish_notice(uow(catalog_pool), admin("hangzhou"), tenant_id="ningbo", title={"zh": "越权", "en": ""},
                                     body={"zh": "x", "en": ""}, category="announcement", publish_time=None, request_id="", now=NOW)
    events = [e for e in await outbox(catalog_pool) if e["type"] == "mgov.catalog.notice.published.v1"]
    assert len(events) == 5 and events[1]["nats_subject"] == "mgov.evt.hangzhou.catalog.notice.published"


async def test_concurrent_writers_get_a_conflict_not_an_error(catalog_pool: asyncpg.Pool) -> None:
    import asyncio

    base = await publish(catalog_pool, await create(catalog_pool, "zhejiang", PROVINCE_ADMIN), PROVINCE_ADMIN)

    async def localise(agency: str) -> ItemView:
        return await items.create_draft(uow(catalog_pool), admin("ningbo"), tenant_id="ningbo", base_item_id=base.id,
                                        changes={"agency": agency}, paths=["agency"], request_id="", now=NOW)
    results = await asyncio.gather(localise("甲"), localise("乙"), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["AlreadyExists", "ItemView"]
    created = await asyncio.gather(*(create(catalog_pool, "ningbo") for _ in range(5)))  # serials are allocated one by one
    assert sorted(v.code for v in created) == [f"330200-GG-000{i}" for i in range(1, 6)]
    v1 = await publish(catalog_pool, created[0])
    await items.create_draft(uow(catalog_pool), admin("ningbo"), tenant_id="ningbo", base_item_id=v1.id, changes={"agency": "新"},
                             paths=["agency"], request_id="", now=NOW)
    published = await asyncio.gather(*(items.publish(uow(catalog_pool), admin("ningbo"), item_id=v1.id, etag="", now=NOW) for _ in range(2)),
                                     return_exceptions=True)
    assert sorted(type(r).__name__ for r in published) == ["Conflict", "ItemView"]  # the row lock lets one publish version 2
    assert [v.number for v in await queries.list_versions(reader(catalog_pool), item_id=v1.id)] == [2, 1]


async def test_an_unpublished_draft_can_be_retired_and_then_changes_no_more(catalog_pool: asyncpg.Pool) -> None:
    draft = await create(catalog_pool)
    with pytest.raises(NotFound):  # not published: the public sees nothing
        await queries.get_service(reader(catalog_pool), None, item_id=draft.id, version=0, draft=False)
    admins_view, _ = await queries.list_services(reader(catalog_pool), admin("hangzhou"), CODEC, queries.ListQuery("hangzhou", include_drafts=True))
    assert [(v.id, v.status, v.has_draft) for v in admins_view] == [(draft.id, "draft", True)]
    assert await effective(catalog_pool, "hangzhou") == []
    retired = await items.retire(uow(catalog_pool), admin("hangzhou"), item_id=draft.id, reason="不再设立", now=NOW)
    assert retired.status == "retired"
    with pytest.raises(Conflict):
        await items.publish(uow(catalog_pool), admin("hangzhou"), item_id=draft.id, etag="", now=NOW)
    views, _ = await queries.list_services(reader(catalog_pool), admin("hangzhou"), CODEC, queries.ListQuery("hangzhou", include_drafts=True))
    assert views == []
