"""Search, filters, ordering and pagination over the seeded demo catalogue, in real PostgreSQL."""

import random
import re
import uuid
from typing import Any

import asyncpg
import pytest

from mgov_common.errors import InvalidArgument, NotFound
from mgov_common.paging import PageTokens
from services.catalog.adapters import search_sql
from services.catalog.domain.inheritance import Candidate, chain_of, effective
from services.catalog.domain import content as c
from services.catalog.service_layer import items, queries
from services.catalog.service_layer.seed import seed_demo
from services.catalog.service_layer.views import ItemView
from tests.catalog_support import CODEC, NOW, TREE, admin, catalog_pool, content, project_tree, reader, uow  # noqa: F401


@pytest.fixture
async def demo(catalog_pool: asyncpg.Pool) -> asyncpg.Pool:
    report = await seed_demo(uow(catalog_pool), NOW)
    assert report.items >= 30
    return catalog_pool


async def search(pool: asyncpg.Pool, tenant: str, q: str = "", **kw: Any) -> list[ItemView]:
    views, _ = await queries.list_services(reader(pool), None, CODEC, queries.ListQuery(tenant, q=q, page_size=100, **kw))
    return views


def names(views: list[ItemView]) -> list[str]:
    return [v.content["name"]["zh"] for v in views]


@pytest.mark.parametrize(("q", "expected_first"), [
    ("营业执照", "个体工商户营业执照办理"),  # a four-character word inside a longer name
    ("执照", "个体工商户营业执照办理"),  # two characters: no trigram of its own
    ("个体工商户营业执照办理", "个体工商户营业执照办理"),
    ("公积金", "住房公积金提取"),
    ("上户口", "出生登记"),  # a keyword, not in the name
    ("残疾 补贴", "困难残疾人生活补贴和重度残疾人护理补贴"),  # every term must occur
    ("Business licence", "个体工商户营业执照办理"),
    ("PROVIDENT FUND", "住房公积金提取"),
    ("residence permit", "居住证办理"),
    ("marriage", "结婚登记"),
    ("330000-QR-0004", "不动产登记"),  # by code
])
async def test_search_finds_items_by_name_and_keyword_in_chinese_and_english(demo: asyncpg.Pool, q: str, expected_first: str) -> None:
    found = await search(demo, "xihu", q)
    assert found and names(found)[0] == expected_first, names(found)


async def test_search_finds_what_the_tenant_offers_and_nothing_else(demo: asyncpg.Pool) -> None:
    assert await search(demo, "xihu", "量子计算机") == []
    xihu = await search(demo, "xihu", "营业执照")
    assert [(v.tenant_id, v.content["agency"]) for v in xihu] == [("xihu", "杭州市西湖区市场监督管理局")]  # xihu's own localisation
    yuhang = await search(demo, "yuhang", "营业执照")
    assert [(v.tenant_id, v.content["agency"]) for v in yuhang] == [("hangzhou", "杭州市市场监督管理局")]  # the city's, inherited
    ningbo = await search(demo, "ningbo", "营业执照")
    assert [v.tenant_id for v in ningbo] == ["zhejiang"]
    assert await search(demo, "xihu", "租赁合同") == []  # hangzhou opted out; its counties follow
    assert names(await search(demo, "ningbo", "租赁合同")) == ["住房租赁合同登记备案"]
    card = names(await search(demo, "ningbo", "市民卡"))
    assert card[0] == "宁波市民卡申领" and "杭州市民卡申领" not in card  # ningbo's own, not hangzhou's


async def test_relevance_puts_name_matches_before_keyword_matches_then_use(demo: asyncpg.Pool) -> None:
    assert names(await search(demo, "hangzhou", "不动产登记"))[0] == "不动产登记"  # the exact name first
    found = await search(demo, "hangzhou", "登记")
    in_name = [v for v in found if "登记" in v.content["name"]["zh"]]
    keyword_only = [v for v in found if "登记" not in v.content["name"]["zh"]]
    assert len(in_name) >= 4 and keyword_only  # e.g. 个体工商户营业执照办理, keyword 工商登记
    assert found == in_name + keyword_only
    assert {v.id for v in await search(demo, "hangzhou", "登记")} == {v.id for v in found}


async def test_equally_relevant_items_are_ordered_by_use(demo: asyncpg.Pool) -> None:
    made = []
    for name in ("测试补贴甲", "测试补贴乙"):
        draft = await items.create_draft(uow(demo), admin("hangzhou"), tenant_id="hangzhou", base_item_id=None,
                                         changes=content(name={"zh": name, "en": ""}, keywords=[]), paths=list(c.ALL_PATHS), request_id="", now=NOW)
        made.append((await items.publish(uow(demo), admin("hangzhou"), item_id=draft.id, etag="", now=NOW)).id)
    assert [v.id for v in await search(demo, "hangzhou", "测试补贴")] == made  # a tie: by code
    await demo.execute("UPDATE items SET use_count = 3 WHERE id = $1", made[1])
    assert [v.id for v in await search(demo, "hangzhou", "测试补贴")] == made[::-1]
    browse = [v.id for v in await search(demo, "hangzhou")]
    assert browse[0] == made[1]  # without q: the most used first


async def test_filters_by_type_department_and_channel(demo: asyncpg.Pool) -> None:
    licences = await search(demo, "hangzhou", type="行政许可")
    assert licences and {v.content["type"] for v in licences} == {"administrative_licensing"}
    assert "西湖风景名胜区内建设活动审批" in names(licences)
    by_dept = await search(demo, "hangzhou", department="杭州住房公积金管理中心")
    assert names(by_dept) == ["住房公积金提取"]
    web_only = await search(demo, "hangzhou", channel="web")
    assert web_only and all("web" in v.content["guide"]["channels"] for v in web_only)
    hall_licences = await search(demo, "hangzhou", "许可", type="administrative_licensing", channel="service_hall")
    assert hall_licences and all(v.content["type"] == "administrative_licensing" for v in hall_licences)
    with pytest.raises(InvalidArgument) as exc:
        await search(demo, "hangzhou", type="行政审批")
    assert exc.value.field == "type"
    with pytest.raises(NotFound):
        await search(demo, "atlantis")


@pytest.mark.parametrize(("tenant", "q", "size"), [("xihu", "", 7), ("haishu", "", 1), ("zhejiang", "登记", 2), ("hangzhou", "补贴", 3)])
async def test_pagination_walks_every_item_exactly_once(demo: asyncpg.Pool, tenant: str, q: str, size: int) -> None:
    everything = [v.id for v in await search(demo, tenant, q)]
    seen: list[uuid.UUID] = []
    token, pages = "", 0
    while True:
        views, token = await queries.list_services(reader(demo), None, CODEC, queries.ListQuery(tenant, q=q, page_size=size, page_token=token))
        assert len(views) <= size
        seen += [v.id for v in views]
        pages += 1
        if not token:
            break
    assert seen == everything and len(set(seen)) == len(seen)
    assert pages == max(1, -(-len(everything) // size))


async def test_a_page_token_cannot_be_tampered_with_or_reused_for_another_query(demo: asyncpg.Pool) -> None:
    _, token = await queries.list_services(reader(demo), None, CODEC, queries.ListQuery("xihu", page_size=5))
    assert token
    for bad in (token[:-3] + "abc", token.replace(".", "x.", 1), "garbage"):
        with pytest.raises(InvalidArgument) as exc:
            await queries.list_services(reader(demo), None, CODEC, queries.ListQuery("xihu", page_size=5, page_token=bad))
        assert exc.value.field == "page_token"
    with pytest.raises(InvalidArgument):  # another tenant's walk
        await queries.list_services(reader(demo), None, CODEC, queries.ListQuery("ningbo", page_size=5, page_token=token))
    with pytest.raises(InvalidArgument):  # signed by another key (another deployment)
        await queries.list_services(reader(demo), None, PageTokens(b"some-other-secret-key-for-tokens"), queries.ListQuery("xihu", page_size=5, page_token=token))


async def test_the_sql_inheritance_rule_agrees_with_the_domain_rule(demo: asyncpg.Pool) -> None:
    """Random opt-outs on top of the demo catalogue: SQL and the pure rule pick the same items."""
    rng = random.Random(4)
    bases = await demo.fetch("SELECT id, tenant_id FROM items WHERE inherited_from IS NULL AND tenant_id IN ('zhejiang', 'hangzhou', 'ningbo')")
    nodes = await reader_nodes(demo)
    for tid in ("hangzhou", "ningbo", "xihu", "yuhang", "haishu"):
        for row in rng.sample(list(bases), 4):
            if row["tenant_id"] in chain_of(tid, nodes)[1:]:
                await demo.execute("INSERT INTO opt_outs (tenant_id, item_id, created_at, created_by) VALUES ($1, $2, now(), '{}') ON CONFLICT DO NOTHING", tid, row["id"])
    cands = [Candidate(r["id"], r["tenant_id"], r["inherited_from"] or r["id"])
             for r in await demo.fetch("SELECT id, tenant_id, inherited_from FROM items WHERE status = 'published'")]
    opts = [(r["tenant_id"], r["item_id"]) for r in await demo.fetch("SELECT tenant_id, item_id FROM opt_outs")]
    assert len(opts) > 3
    for tid in ("zhejiang", "hangzhou", "ningbo", "xihu", "yuhang", "haishu"):
        assert {v.id for v in await search(demo, tid)} == effective(chain_of(tid, nodes), cands, opts), tid


async def _lists_follow_the_rule(pool: asyncpg.Pool) -> None:
    """Every tenant's kept effective list is what the pure rule picks from the rows now."""
    nodes = await reader_nodes(pool)
    cands = [Candidate(r["id"], r["tenant_id"], r["inherited_from"] or r["id"])
             for r in await pool.fetch("SELECT id, tenant_id, inherited_from FROM items WHERE status = 'published'")]
    opts = [(r["tenant_id"], r["item_id"]) for r in await pool.fetch("SELECT tenant_id, item_id FROM opt_outs")]
    for node in nodes:
        assert {v.id for v in await search(pool, node.id)} == effective(chain_of(node.id, nodes), cands, opts), node.id


async def test_the_kept_effective_lists_follow_the_tenant_tree_and_opt_outs(demo: asyncpg.Pool) -> None:
    """effective_items is kept by PostgreSQL from the writes themselves, whoever makes them:
    a tenant moved or added by identity's events, an opt-out withdrawn, an item retired."""
    licence = await search(demo, "yuhang", "营业执照")
    assert [v.tenant_id for v in licence] == ["hangzhou"]
    await project_tree(demo, [("yuhang", "ningbo", "330110", "county"), ("binjiang", "hangzhou", "330108", "county")])
    assert [v.tenant_id for v in await search(demo, "yuhang", "营业执照")] == ["zhejiang"]  # ningbo's chain now
    assert [v.tenant_id for v in await search(demo, "binjiang", "营业执照")] == ["hangzhou"]  # a new county inherits at once
    await _lists_follow_the_rule(demo)

    assert await search(demo, "xihu", "租赁合同") == []
    await demo.execute("DELETE FROM opt_outs WHERE tenant_id = 'hangzhou'")  # hangzhou offers it again, and so its counties
    assert names(await search(demo, "xihu", "租赁合同")) == ["住房租赁合同登记备案"]
    await _lists_follow_the_rule(demo)

    async with demo.acquire() as conn, conn.transaction():
        await conn.execute("UPDATE items SET status = 'retired' WHERE tenant_id = 'hangzhou' AND inherited_from IS NOT NULL")
        await conn.execute("UPDATE items SET use_count = use_count + 1")  # changes no list (its trigger does not fire)
    assert [v.tenant_id for v in await search(demo, "binjiang", "营业执照")] == ["zhejiang"]  # the city's localisation retired
    await _lists_follow_the_rule(demo)


async def _log_refreshes(pool: asyncpg.Pool) -> None:
    """From now on, note every tenant whose effective list is worked out (a test-only
    wrapper around the refresh the triggers call)."""
    await pool.execute("""
        CREATE TABLE refresh_log (tenant_id text NOT NULL);
        ALTER FUNCTION effective_items_refresh(text[]) RENAME TO effective_items_refresh_unlogged;
        CREATE FUNCTION effective_items_refresh(tenant_ids text[]) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO refresh_log SELECT unnest(tenant_ids);
            PERFORM effective_items_refresh_unlogged(tenant_ids);
        END $$;
    """)


async def test_a_transaction_works_out_each_tenants_list_once_however_many_rows_it_changes(catalog_pool: asyncpg.Pool) -> None:
    """The seed publishes 44 items and makes 3 opt-outs in one transaction: every row fires
    the deferred trigger, but each list is worked out once, at commit, from the final rows."""
    await _log_refreshes(catalog_pool)
    await seed_demo(uow(catalog_pool), NOW)
    per_tenant = dict(await catalog_pool.fetch("SELECT tenant_id, count(*) FROM refresh_log GROUP BY tenant_id"))
    assert per_tenant.keys() >= {tid for tid, *_ in TREE} and set(per_tenant.values()) == {1}, per_tenant
    await _lists_follow_the_rule(catalog_pool)


async def test_a_change_made_after_the_lists_were_worked_out_is_worked_out_again_in_the_same_transaction(demo: asyncpg.Pool) -> None:
    async with demo.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM opt_outs WHERE tenant_id = 'hangzhou'")
        await conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred triggers run here: hangzhou's subtree refreshed
        await conn.execute("SET CONSTRAINTS ALL DEFERRED")
        await conn.execute("UPDATE items SET status = 'retired' WHERE tenant_id = 'hangzhou' AND inherited_from IS NOT NULL")
    assert names(await search(demo, "xihu", "租赁合同")) == ["住房租赁合同登记备案"]  # the opt-out withdrawn
    assert [v.tenant_id for v in await search(demo, "yuhang", "营业执照")] == ["zhejiang"]  # the city's localisation retired
    await _lists_follow_the_rule(demo)


async def reader_nodes(pool: asyncpg.Pool) -> list:  # type: ignore[type-arg]
    async with reader(pool) as r:
        return await r.tenants.all()


@pytest.mark.parametrize(("q", "expected_first"), [
    ("mariage", "结婚登记"),
    ("busines licence", "个体工商户营业执照办理"),
    ("recidence permit", "居住证办理"),
])
async def test_a_misspelt_english_query_still_finds_the_item(demo: asyncpg.Pool, q: str, expected_first: str) -> None:
    found = await search(demo, "xihu", q)
    assert found and names(found)[0] == expected_first, names(found)


async def test_the_latin_search_words_are_the_ascii_words_of_the_search_text(demo: asyncpg.Pool) -> None:
    """An ASCII query is matched against `search_latin` instead of the whole search text:
    it must hold every ASCII word of it, in order, lower-cased, and nothing else."""
    rows = await demo.fetch("SELECT search_text, search_latin, search_lower = lower(search_text) AS lowered FROM items")
    assert len(rows) >= 30
    for row in rows:
        ascii_words = re.sub(r"[^\x01-\x7f]+", " ", row["search_text"]).lower().split()
        assert row["search_latin"].split() == ascii_words and row["search_latin"].isascii() and row["lowered"]
        assert any(not ch.isascii() for ch in row["search_text"])  # the demo items all have Chinese words to leave out


def _without_the_fuzzy_pre_condition(sql: str) -> str:
    """The statement with `q <% text` tested on every row the substring test leaves."""
    return re.sub(r"v\.search_latin LIKE ANY\((\$\d+)::text\[\]\) AND ", r"\1::text[] IS NOT NULL AND ", sql)


def _against_the_whole_search_text(build: Any) -> Any:
    """The statement as it was: ILIKE and word similarity against search_text itself, on every row."""
    def built(c: search_sql.Criteria) -> tuple[str, list[Any]]:
        sql, args = build(c)
        assert "ILIKE ALL(ARRAY(" not in sql
        sql = _without_the_fuzzy_pre_condition(sql)
        sql = sql.replace(" LIKE ALL(ARRAY(", " ILIKE ALL(ARRAY(")
        return sql.replace("v.search_latin", "v.search_text").replace("v.search_lower", "v.search_text"), args
    return built


@pytest.mark.parametrize("tenant", ["hangzhou", "xihu"])
async def test_a_query_finds_the_same_items_in_the_same_order_as_against_the_whole_search_text(demo: asyncpg.Pool, tenant: str) -> None:
    """The stored lower-cased and ASCII-only texts change the cost, not the answer (the
    similarity of an ASCII query may only rise: the Chinese words are out of its way)."""
    whole = search_sql.build
    queries_ = ("business licence", "Marriage", "RESIDENCE permit", "fund", "330000-qr-0004", "permit", "social security card",
                "营业执照", "公积金", "登记", "残疾 补贴", "不动产登记", "许可", "Business 营业执照",
                "marrage", "buisness licence", "mariage", "recidence permit", "licence busines", "fnd", "pemrit", "Marrage 登记")
    for q in queries_:
        lean = [v.id for v in await search(demo, tenant, q)]
        search_sql.build = _against_the_whole_search_text(whole)  # type: ignore[assignment]
        try:
            full = [v.id for v in await search(demo, tenant, q)]
        finally:
            search_sql.build = whole  # type: ignore[assignment]
        assert lean == full, q
    assert all([await search(demo, tenant, q) for q in queries_[:4]])


async def test_the_trigrams_of_an_ascii_query_are_those_postgresql_makes(demo: asyncpg.Pool) -> None:
    """The fuzzy test's pre-condition is worked out from the query's trigrams in Python."""
    for q in ("marriage", "Business Licence", "330000-qr-0004", "a b", "x", "fund  fund", "re-entry permit_2", "ABC123def"):
        assert sorted(search_sql.trigrams(q)) == sorted(await demo.fetchval("SELECT show_trgm($1)", q)), q
    assert await demo.fetchval("SELECT current_setting('pg_trgm.word_similarity_threshold')::float8") == search_sql.WORD_SIMILARITY_THRESHOLD


def _misspelt(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    edit = rng.choice(("drop", "double", "swap", "change"))
    if edit == "drop":
        return word[:i] + word[i + 1:]
    if edit == "double":
        return word[:i] + word[i] + word[i:]
    if edit == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + rng.choice("aeiourstnl") + word[i + 1:]


@pytest.mark.parametrize("tenant", ["hangzhou", "xihu", "ningbo"])
async def test_the_fuzzy_pre_condition_changes_no_answer_for_misspelt_latin_queries(demo: asyncpg.Pool, tenant: str) -> None:
    """The substring test before `<%` is a necessary condition of it: misspelt words and
    word pairs of the demo catalogue find the same items with the same scores, in the same
    order, as with `<%` tested on every row."""
    words = sorted({w for (t,) in await demo.fetch("SELECT search_latin FROM items") for w in t.split() if w.isalpha() and len(w) > 2})
    rng = random.Random(7)
    qs = [_misspelt(w, rng) for w in words] + [f"{_misspelt(rng.choice(words), rng)} {rng.choice(words)}" for _ in range(40)]
    matched = 0
    for q in qs:
        criteria = search_sql.Criteria(tenant, q, limit=100)
        sql, args = search_sql.build(criteria)
        assert "LIKE ANY" in sql
        lean = [(r["id"], r["score"]) for r in await demo.fetch(sql, *args)]
        every_row = _without_the_fuzzy_pre_condition(sql)
        assert every_row != sql
        full = [(r["id"], r["score"]) for r in await demo.fetch(every_row, *args)]
        assert lean == full, q
        matched += bool(lean)
    assert matched > len(qs) // 3  # the misspellings do find items
