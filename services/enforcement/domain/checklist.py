"""Checklists of an inspection category (检查事项清单), versioned like workflow definitions:
validated when saved, immutable once published, inherited down the tenant tree (a county
without its own uses its city's, then its province's)."""

from __future__ import annotations

import re
from typing import Any

from mgov_common.errors import InvalidArgument

ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_ITEMS = 100


def parse_items(raw: Any) -> list[dict[str, str]]:
    """[{id, text}] with unique ids, 1..100 items, each text 1..300 characters."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ITEMS:
        raise InvalidArgument(f"a checklist has 1 to {MAX_ITEMS} items", field="items", code="invalid_checklist")
    items: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InvalidArgument("each item is {id, text}", field=f"items[{i}]", code="invalid_checklist")
        iid, text = str(item.get("id") or ""), str(item.get("text") or "").strip()
        if not ITEM_ID.match(iid) or iid in seen:
            raise InvalidArgument("item ids are unique slugs", field=f"items[{i}].id", code="invalid_checklist")
        if not 1 <= len(text) <= 300:
            raise InvalidArgument("an item's text is 1 to 300 characters", field=f"items[{i}].text", code="invalid_checklist")
        seen.add(iid)
        items.append({"id": iid, "text": text})
    return items


def check_answers(items: list[dict[str, str]], raw: Any) -> dict[str, dict[str, str]]:
    """{item id: {result: pass|fail, note}}: every item answered, no unknown item."""
    if not isinstance(raw, dict):
        raise InvalidArgument("answers are {item id: {result, note}}", field="answers", code="invalid_answers")
    ids = [i["id"] for i in items]
    unknown = sorted(set(raw) - set(ids))
    if unknown:
        raise InvalidArgument(f"no such checklist item: {', '.join(unknown[:5])}", field="answers", code="unknown_item")
    missing = [i for i in ids if i not in raw]
    if missing:
        raise InvalidArgument(f"every item needs an answer; missing: {', '.join(missing[:5])}", field="answers", code="unanswered_items")
    out: dict[str, dict[str, str]] = {}
    for iid in ids:
        a = raw[iid]
        result = a.get("result") if isinstance(a, dict) else None
        note = str(a.get("note") or "") if isinstance(a, dict) else ""
        if result not in ("pass", "fail"):
            raise InvalidArgument("each answer is pass or fail", field=f"answers.{iid}.result", code="invalid_answers")
        if len(note) > 1000:
            raise InvalidArgument("a note is at most 1000 characters", field=f"answers.{iid}.note", code="too_long")
        if result == "fail" and not note.strip():
            raise InvalidArgument("a failed item needs a note saying what was found", field=f"answers.{iid}.note", code="note_required")
        out[iid] = {"result": result, "note": note}
    return out
