"""The demo catalogue, loaded at start in demo mode, idempotently.

The data lives in `seed/demo_catalog.json` (items, localisations, opt-outs, notices)
and `seed/demo_forms.json` (application-form templates). Items go through the same
aggregate as the API (validation, versions, item.published events) but not through the
tenant projection: identity may not have announced the tenant tree yet when the catalog
starts, and the seed data already knows it. Everything is keyed by (tenant, code), so
a second start, or a second replica starting at the same time (an advisory lock
serialises them), adds nothing.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from services.catalog.adapters.uow import UnitOfWork
from services.catalog.domain import content as c
from services.catalog.domain.codes import ItemCode, item_id
from services.catalog.domain.item import Item
from services.catalog.domain.notice import Notice

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
ACTOR = {"kind": "platform", "id": "catalog-demo-seed", "tenant_id": "zhejiang"}
_NOTICE_NS = uuid.UUID("0d6f3a52-5a0e-4f0b-a3c1-2b7c5e9d8f40")


@dataclass
class SeedReport:
    items: int = 0
    localisations: int = 0
    opt_outs: int = 0
    notices: int = 0


def _form(forms: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(forms[spec["form"]])
    extra = spec.get("form_extra") or {}
    schema["properties"].update(extra.get("properties", {}))
    schema["required"] = schema.get("required", []) + extra.get("required", [])
    return schema


def load_demo(seed_dir: Path = SEED_DIR) -> dict[str, Any]:
    """The demo data with every item's content complete (form schema and workflow filled in)."""
    doc = json.loads((seed_dir / "demo_catalog.json").read_text(encoding="utf-8"))
    forms = json.loads((seed_dir / "demo_forms.json").read_text(encoding="utf-8"))
    for spec in doc["items"]:
        raw = {k: spec[k] for k in c.TOP_FIELDS if k in spec}
        raw["form_schema"] = _form(forms, spec)
        raw.setdefault("workflow_id", doc["workflow_id"])
        spec["content"] = c.with_defaults(raw)
    return doc


def _paths(changes: dict[str, Any]) -> list[str]:
    return [k for k in changes if k != "guide"] + [f"guide.{k}" for k in changes.get("guide", {})]


async def seed_demo(uow: UnitOfWork, now: datetime, doc: dict[str, Any] | None = None) -> SeedReport:
    doc = doc or load_demo()
    report = SeedReport()
    async with uow:
        await uow.lock("catalog-demo-seed")
        bases: dict[str, Item] = {}
        for spec in doc["items"]:
            existing = await uow.items.get(item_id(spec["tenant"], spec["code"]))
            if existing is not None:
                bases[spec["code"]] = existing
                continue
            item = Item.create(tenant_id=spec["tenant"], code=ItemCode.parse(spec["code"]), content=spec["content"], actor=ACTOR, now=now)
            item.publish(ACTOR, now, None)
            await uow.items.add(item)
            bases[spec["code"]] = item
            report.items += 1
        for loc in doc["localisations"]:
            base = bases[loc["base"]]
            if await uow.items.localisation_of(loc["tenant"], base.id) is not None:
                continue
            item = Item.localise(tenant_id=loc["tenant"], base=base, changes=loc["changes"], paths=_paths(loc["changes"]), actor=ACTOR, now=now)
            item.publish(ACTOR, now, base)
            await uow.items.add(item)
            report.localisations += 1
        for opt in doc["opt_outs"]:
            report.opt_outs += await uow.opt_outs.add(opt["tenant"], bases[opt["base"]].id, opt["reason"], ACTOR, now)
        for spec in doc["notices"]:
            notice_id = uuid.uuid5(_NOTICE_NS, f"{spec['tenant']}/{spec['title']['zh']}")
            if await uow.notices.get(notice_id) is not None:
                continue
            notice = Notice.publish(
                tenant_id=spec["tenant"], title=spec["title"], body=spec["body"], category=spec["category"],
                publish_time=datetime.fromisoformat(spec["publish_time"].replace("Z", "+00:00")), actor=ACTOR, now=now, notice_id=notice_id,
            )
            await uow.notices.add(notice)
            report.notices += 1
        await uow.commit()
    return report
