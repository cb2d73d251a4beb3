"""The SQL of the effective list of a tenant, with search, filters and keyset pagination.

One statement over the tenant's effective list, which PostgreSQL keeps in
`effective_items` (migration 0003: the inheritance rule of `domain/inheritance.py` —
nearest decision up the tenant's chain wins, an opt-out before an item of the same
tenant — worked out again by triggers when an item is published or retired, an opt-out
changes or the tenant tree does): filter, score and page.

Search uses pg_trgm. Trigrams of short CJK queries are weak (a four-character word
inside a longer name shares few trigrams with it: 营业执照 vs 个体工商户营业执照办理
scores 0.4, and two-character words have no inner trigram at all), so matching is a
substring test — every whitespace-separated term must occur (case-insensitively: the
lower-cased text `LIKE ALL` the lower-cased terms, what ILIKE does on UTF-8 text) — or,
for misspelt Latin words, trigram word similarity (`<%`). Every visible row is tested: a
GIN index cannot take `LIKE ALL (array)`, nor an `OR` with it, so the trigram indexes of
migration 0002 are not used by this statement (checked with sequential scans disabled). A query of ASCII text only is matched
against `search_latin`, the search text without its Chinese words, and `<%` is tested only
on a row that holds one of a few substrings of the query which every match holds
(`fuzzy_keys`): a cheap test that leaves the answers as they were. Relevance is a tier
(exact name, name prefix, name contains the query, names contain every term, keywords
contain every term, similar only) times 10 plus the word similarity in five steps (coarse on purpose,
so that use can still decide between similar matches); ties go to the more used item,
then the code, then the id, so the order is total and keyset pagination is exact.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

MAX_TERMS = 8
# pg_trgm.word_similarity_threshold as the platform runs it (PostgreSQL's default): `<%`
# is word_similarity >= this. The pre-condition of the fuzzy test is worked out from it.
WORD_SIMILARITY_THRESHOLD = 0.6
_ASCII_WORD = re.compile(r"[a-z0-9]+")

_EFFECTIVE = """
WITH visible AS (
    SELECT i.* FROM effective_items e JOIN items i ON i.id = e.item_id WHERE e.tenant_id = $1
    UNION ALL
    SELECT i.* FROM items i WHERE $2::bool AND i.tenant_id = $1 AND i.status = 'draft'
)"""


# What a list row needs, and no more: the search columns (names, search text, channels)
# stay in the database, and the listing comes as JSON text, parsed only for a row the
# catalog has not built recently (`service_layer/views.py`).
_ROW = (
    "s.id, s.tenant_id, s.code, s.status, s.latest_version, s.inherited_from, s.use_count, s.has_draft, s.created_at, s.updated_at,"
    " s.score, s.listing::text AS listing, lv.etag AS latest_etag, lv.published_at AS publish_time"
)


@dataclass(frozen=True)
class Criteria:
    tenant_id: str
    q: str = ""
    type: str | None = None
    department: str | None = None
    channel: str | None = None
    include_drafts: bool = False
    limit: int = 20
    after: tuple[int, int, str, str] | None = None  # (score, use_count, code, id) of the last row shown


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def trigrams(q: str) -> list[str]:
    """The trigrams pg_trgm makes of an ASCII text, in order of first appearance: each
    run of letters and digits, lower-cased, padded with two spaces before and one after."""
    seen: dict[str, None] = {}
    for word in _ASCII_WORD.findall(q.lower()):
        padded = f"  {word} "
        for i in range(len(padded) - 2):
            seen.setdefault(padded[i : i + 3], None)
    return list(seen)


def fuzzy_keys(q: str) -> list[str]:
    """Substrings of which an ASCII text holds at least one wherever `q <% text` holds.

    The word similarity of `q` to a text is at most the share of q's n distinct trigrams
    found anywhere in the text (pg_trgm divides the trigrams an extent of the text shares
    with q by n plus the extent's other trigrams), so a match shares at least m =
    ⌈threshold·n⌉ of them and misses at most n − m: of any n − m + 1 of q's trigrams, one
    is in the text. A trigram of an ASCII text is in it only where its letters are (the
    padding spaces stand for a word's start or end), so the text holds that substring.
    The longest substrings are taken, the rarest. Only for a text of ASCII words: a
    trigram of other characters is a hash, which an ASCII trigram can equal."""
    grams = trigrams(q)
    n = len(grams)
    need = max(1, math.ceil(WORD_SIMILARITY_THRESHOLD * n - 1e-4))  # a margin for float4 rounding: m may only err low
    keys = sorted(grams, key=lambda g: -len(g.strip()))[: n - need + 1]
    return [_like(k.strip()) for k in keys]


def build(c: Criteria) -> tuple[str, list[Any]]:
    args: list[Any] = [c.tenant_id, c.include_drafts]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    where: list[str] = []
    if c.q:
        terms = c.q.split()[:MAX_TERMS]
        q, q_pat, q_prefix, term_pats = arg(c.q), arg(_like(c.q)), arg(_like(c.q)[1:]), arg([_like(t) for t in terms])
        # The search text is compared lower-cased as stored (`search_lower`: ILIKE would
        # lower-case every row's text again on every query), and for a query of ASCII
        # text only, as its lower-cased ASCII words (`search_latin`): an ASCII term occurs
        # in the one exactly where it occurs in the other, and the Chinese words hold no
        # trigram such a query could share. Both are generated columns (migration 0002).
        text = "v.search_latin" if c.q.isascii() else "v.search_lower"
        lowered = f"ARRAY(SELECT lower(p) FROM unnest({term_pats}::text[]) p)"  # once per query
        score = (
            f"(CASE WHEN lower(v.name_zh) = lower({q}) OR lower(v.name_en) = lower({q}) THEN 5"
            f" WHEN v.name_zh ILIKE {q_prefix} OR v.name_en ILIKE {q_prefix} THEN 4"
            f" WHEN v.name_zh ILIKE {q_pat} OR v.name_en ILIKE {q_pat} THEN 3"
            f" WHEN (v.name_zh || ' ' || v.name_en) ILIKE ALL({term_pats}::text[]) THEN 2"
            f" WHEN {text} LIKE ALL({lowered}) THEN 1 ELSE 0 END) * 10"
            f" + floor(word_similarity({q}, {text}) * 5)::int"
        )
        # Similarity catches misspelt Latin words; for CJK it finds nothing the substring
        # test does not, and costs a trigram comparison per row, so it is left out.
        fuzzy = ""
        if any(ch.isascii() and ch.isalpha() for ch in c.q):
            # `<%` costs ~10 µs a row (it makes and sorts the trigrams of the row's text);
            # for an ASCII query, a substring test that every match passes goes first.
            pre = f"{text} LIKE ANY({arg(fuzzy_keys(c.q))}::text[]) AND " if c.q.isascii() else ""
            fuzzy = f" OR ({pre}{q} <% {text})"
        where.append(f"({text} LIKE ALL({lowered}){fuzzy})")
    else:
        score = "0"
    if c.type:
        where.append(f"v.type = {arg(c.type)}")
    if c.department:
        d = arg(c.department)
        where.append(f"(v.department = {d} OR v.agency = {d})")
    if c.channel:
        where.append(f"{arg(c.channel)} = ANY(v.channels)")
    has_draft = "EXISTS (SELECT 1 FROM item_drafts d WHERE d.item_id = v.id)" if c.include_drafts else "false"
    sql = (
        _EFFECTIVE
        + f",\nscored AS (SELECT v.*, {score} AS score, {has_draft} AS has_draft FROM visible v"
        + (" WHERE " + " AND ".join(where) if where else "")
        + ")\nSELECT " + _ROW + " FROM scored s"
        + " LEFT JOIN item_versions lv ON lv.item_id = s.id AND lv.version = s.latest_version"
    )
    if c.after is not None:
        s, u, code, item = c.after
        sql += (
            f" WHERE (-s.score, -s.use_count, s.code COLLATE \"C\", s.id::text COLLATE \"C\")"
            f" > (-{arg(s)}::int, -{arg(u)}::bigint, {arg(code)}::text COLLATE \"C\", {arg(item)}::text COLLATE \"C\")"
        )
    sql += f" ORDER BY s.score DESC, s.use_count DESC, s.code COLLATE \"C\", s.id::text COLLATE \"C\" LIMIT {arg(c.limit + 1)}"
    return sql, args
