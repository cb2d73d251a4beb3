"""Notices (信息公开): what a tenant publishes; a tenant sees its own and its ancestors'.

A notice is published once (there are no drafts) and records notice.published. Its time
may be backdated (an official document dated earlier) but not set in the future:
scheduling is not offered, so "published" always means visible now.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mgov_common.errors import FieldViolation, InvalidArgument
from mgov_common.events.domain import DomainEvent
from services.catalog.domain.types import NOTICE_CATEGORIES

MAX_TITLE = 200
MAX_BODY = 20_000
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class Notice:
    id: uuid.UUID
    tenant_id: str
    title: dict[str, str]
    body: dict[str, str]
    category: str
    publish_time: datetime
    published_by: dict[str, str]
    events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def publish(cls, *, tenant_id: str, title: Any, body: Any, category: str, publish_time: datetime | None,
                actor: dict[str, str], now: datetime, notice_id: uuid.UUID | None = None) -> "Notice":
        v: list[FieldViolation] = []
        for name, text, limit in (("title", title, MAX_TITLE), ("body", body, MAX_BODY)):
            if not isinstance(text, dict) or not str(text.get("zh", "")).strip():
                v.append(FieldViolation(f"{name}.zh", "required", f"the Chinese {name} is required"))
            elif any(len(str(text.get(lang, ""))) > limit for lang in ("zh", "en")):
                v.append(FieldViolation(name, "too_long", f"at most {limit} characters"))
        if category not in NOTICE_CATEGORIES:
            v.append(FieldViolation("category", "unknown_value" if category else "required", f"one of {', '.join(NOTICE_CATEGORIES)}"))
        when = publish_time or now
        if when > now + CLOCK_SKEW:
            v.append(FieldViolation("publish_time", "in_future", "a notice is published now or backdated, never scheduled"))
        if v:
            raise InvalidArgument(f"invalid notice: {', '.join(x.field for x in v)}", code="invalid_notice", violations=v)
        notice = cls(notice_id or uuid.uuid4(), tenant_id, {"zh": title["zh"].strip(), "en": title.get("en", "").strip()},
                     {"zh": body["zh"], "en": body.get("en", "")}, category, when, actor)
        notice.events.append(DomainEvent("notice", "published", tenant_id, str(notice.id), {
            "id": str(notice.id), "tenant_id": tenant_id, "title": notice.title, "category": category,
            "publish_time": when.isoformat(), "published_by": actor,
        }))
        return notice
