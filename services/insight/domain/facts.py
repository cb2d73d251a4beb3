"""What one platform event means to the aggregates (pure: event in, fact out).

Each parser takes the event's type, time, tenant and `data` and gives back a small typed
fact, or raises `BadEvent` naming the field (the consumer dead-letters the event after
its retries). Unknown types are ignored: insight reads what it understands.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from mgov_common.working_days import local_date


class BadEvent(ValueError):
    """An event insight cannot count; the message names the field."""


def _uuid(data: dict[str, Any], key: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(data[key]))
    except (KeyError, ValueError, TypeError):
        raise BadEvent(f"data.{key} must be a UUID") from None


def _time(data: dict[str, Any], key: str) -> datetime | None:
    raw = data.get(key)
    if raw in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(raw))
    except ValueError:
        raise BadEvent(f"data.{key} must be an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise BadEvent(f"data.{key} must carry a UTC offset")
    return parsed.astimezone(UTC)


def _text(data: dict[str, Any], key: str, limit: int = 200) -> str:
    value = data.get(key)
    return value[:limit] if isinstance(value, str) else ""


def _names(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v[:200] for k, v in value.items() if k in ("zh", "en") and isinstance(v, str)}


def day_of(when: datetime) -> date:
    """The China date an event counts on."""
    return local_date(when)


@dataclass(frozen=True)
class CaseFact:
    """An application event: its case, item and what happened."""

    verb: str  # submitted | transitioned | completed | rejected
    case_id: uuid.UUID
    tenant_id: str
    item_id: uuid.UUID
    department: str
    channel: str  # app | system
    action: str
    terminal: bool
    clock_paused: bool
    case_due_at: datetime | None
    eligible_roles: tuple[str, ...] = ()


def _roles(value: Any) -> tuple[str, ...]:
    return tuple(r[:64] for r in value[:20] if isinstance(r, str)) if isinstance(value, list) else ()


def case_fact(verb: str, data: Any) -> CaseFact:
    if not isinstance(data, dict):
        raise BadEvent("data must be an object")
    actor = data.get("actor") if isinstance(data.get("actor"), dict) else {}
    return CaseFact(verb, _uuid(data, "application_id"), _text(data, "tenant_id", 40), _uuid(data, "service_id"),
                    _text(data, "department"), "system" if actor.get("kind") == "system" else "app", _text(data, "action", 64),
                    bool(data.get("terminal")), bool(data.get("clock_paused")), _time(data, "case_due_at") or _time(data, "due_at"),
                    _roles(data.get("eligible_roles")))


@dataclass(frozen=True)
class RatingFact:
    case_id: uuid.UUID
    item_id: uuid.UUID
    department: str
    score: int


def rating_fact(data: Any) -> RatingFact:
    if not isinstance(data, dict):
        raise BadEvent("data must be an object")
    score = data.get("score")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise BadEvent("data.score must be 1..5")
    return RatingFact(_uuid(data, "application_id"), _uuid(data, "service_id"), _text(data, "department"), score)


@dataclass(frozen=True)
class RectificationFact:
    id: uuid.UUID
    case_id: uuid.UUID
    department: str
    due_at: datetime | None


def rectification_fact(data: Any) -> RectificationFact:
    if not isinstance(data, dict):
        raise BadEvent("data must be an object")
    return RectificationFact(_uuid(data, "rectification_id"), _uuid(data, "application_id"), _text(data, "department"), _time(data, "due_at"))


@dataclass(frozen=True)
class ItemFact:
    id: uuid.UUID
    tenant_id: str
    code: str
    name: dict[str, str]
    department: str
    promised_limit_days: int | None


def item_fact(data: Any) -> ItemFact:
    if not isinstance(data, dict):
        raise BadEvent("data must be an object")
    limit = data.get("promised_limit_days")
    return ItemFact(_uuid(data, "id"), _text(data, "tenant_id", 40), _text(data, "code", 100), _names(data.get("name")),
                    _text(data, "department"), limit if isinstance(limit, int) and not isinstance(limit, bool) else None)


@dataclass(frozen=True)
class UsageFact:
    item_id: uuid.UUID
    kind: str  # guide_viewed | application_started


USAGE_KINDS = ("guide_viewed", "application_started")


def usage_fact(data: Any) -> UsageFact:
    if not isinstance(data, dict) or data.get("kind") not in USAGE_KINDS:
        raise BadEvent(f"data.kind must be one of {', '.join(USAGE_KINDS)}")
    return UsageFact(_uuid(data, "item_id"), str(data["kind"]))


@dataclass(frozen=True)
class AccountFact:
    user_id: uuid.UUID
    name: str
    roles: list[str]


# Roles whose holders work cases or run a tenant: their accounts are watched for idleness.
STAFF_ROLES = frozenset({"clerk", "approver", "supervisor", "dispatcher", "tenant_admin", "province_admin"})


def account_fact(data: Any) -> AccountFact:
    if not isinstance(data, dict):
        raise BadEvent("data must be an object")
    roles = data.get("roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise BadEvent("data.roles must be a list of 'tenant:role' strings")
    return AccountFact(_uuid(data, "user_id"), _text(data, "name", 100), [r[:80] for r in roles[:50]])


def is_staff(roles: list[str]) -> bool:
    return any(r.partition(":")[2] in STAFF_ROLES for r in roles)


@dataclass(frozen=True)
class NoticeFact:
    id: uuid.UUID
    tenant_id: str
    title: dict[str, str]
    published_at: datetime | None


def notice_fact(data: Any) -> NoticeFact:
    """catalog's `notice.published`: {id, tenant_id, title: {zh, en}, category, publish_time, ...}."""
    if not isinstance(data, dict):
        raise BadEvent("data must be an object")
    return NoticeFact(_uuid(data, "id"), _text(data, "tenant_id", 40), _names(data.get("title")), _time(data, "publish_time"))
