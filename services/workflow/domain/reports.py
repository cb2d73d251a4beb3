"""随手拍 citizen reports: the rules that are not those of every case.

A report is a case (`Application` of kind `report`) on the `public_report` workflow;
what is its own lives here: categories inherited down the tenant tree, which open
report a new one merges into, who may reopen and when, what handlers and the public
may see of the reporter and the place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mgov_common.errors import Conflict, InvalidArgument, PermissionDenied
from services.workflow.domain.geo import LatLng, distance_m

REPORT = "report"
WORKFLOW_ID = "public_report"
REOPEN_DAYS = 7
MAX_PHOTOS = 9
MAX_DESCRIPTION = 1000
MAX_ADDRESS = 200
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# Timeline actions that are the report's own (not actions of the definition).
MOVE, LINK, REOPEN = "move", "link", "reopen"
RESOLVED = "resolved"
REOPEN_TO = "handling"
DISPATCHED = "dispatched"


@dataclass(frozen=True)
class Category:
    """A kind of problem, with the department that handles it and its limits. Defined by
    the province, a city or a county; a tenant sees the nearest definition of each code."""

    code: str
    tenant_id: str
    name: Mapping[str, str]
    department: str
    time_limit_days: int = 5
    merge_radius_m: int = 50
    merge_window_h: int = 24
    anonymous_allowed: bool = False
    public_results: bool = True

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], tenant_id: str) -> "Category":
        code = str(raw.get("code", ""))
        if not CODE_RE.match(code):
            raise InvalidArgument("a category code is 2-40 lower-case letters, digits or _", code="invalid_category", field="code")
        name = raw.get("name") or {}
        if not isinstance(name, Mapping) or not str(name.get("zh", "")).strip():
            raise InvalidArgument("a category needs a Chinese name", code="invalid_category", field="name.zh")
        dept = str(raw.get("department", "")).strip()
        if not dept or len(dept) > 100:
            raise InvalidArgument("a category names the department that handles it", code="invalid_category", field="department")
        cat = cls(code, tenant_id, {k: str(v) for k, v in name.items() if k in ("zh", "en")}, dept,
                  int(raw.get("time_limit_days", 5)), int(raw.get("merge_radius_m", 50)), int(raw.get("merge_window_h", 24)),
                  bool(raw.get("anonymous_allowed", False)), bool(raw.get("public_results", True)))
        if not 1 <= cat.time_limit_days <= 60 or not 0 <= cat.merge_radius_m <= 1000 or not 0 <= cat.merge_window_h <= 24 * 7:
            raise InvalidArgument("time_limit_days 1..60, merge_radius_m 0..1000, merge_window_h 0..168", code="invalid_category",
                                  field="time_limit_days")
        return cat

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "tenant_id": self.tenant_id, "name": dict(self.name), "department": self.department,
                "time_limit_days": self.time_limit_days, "merge_radius_m": self.merge_radius_m, "merge_window_h": self.merge_window_h,
                "anonymous_allowed": self.anonymous_allowed, "public_results": self.public_results}


def effective_categories(chain: Sequence[str], defined: Iterable[Category]) -> dict[str, Category]:
    """The categories a tenant uses: for each code, the definition of the nearest tenant on
    `chain` (the tenant first, then its ancestors), like service items."""
    rank = {t: i for i, t in enumerate(chain)}
    out: dict[str, Category] = {}
    for cat in sorted((c for c in defined if c.tenant_id in rank), key=lambda c: rank[c.tenant_id], reverse=True):
        out[cat.code] = cat
    return out


def mask_phone(phone: str) -> str:
    """What a handler sees: 139****0100."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]  # +86: the country code is not part of what a handler may read
    if len(digits) < 7:
        return "****" if digits else ""
    return f"{digits[:3]}****{digits[-4:]}"


@dataclass(frozen=True)
class OpenReport:
    """An open report a new one could merge into."""

    id: Any
    point: LatLng
    submitted_at: datetime


def merge_target(cat: Category, point: LatLng, now: datetime, candidates: Iterable[OpenReport]) -> OpenReport | None:
    """The open report of the same category within the category's radius and window
    (nearest first, then oldest); None when the new report stands on its own."""
    if cat.merge_radius_m <= 0 or cat.merge_window_h <= 0:
        return None
    since = now - timedelta(hours=cat.merge_window_h)
    near = [(distance_m(point, c.point), c.submitted_at, c) for c in candidates
            if c.submitted_at >= since and distance_m(point, c.point) <= cat.merge_radius_m]
    return min(near, key=lambda t: (t[0], t[1]))[2] if near else None


@dataclass
class Reporter:
    user_id: str
    phone_masked: str
    linked_at: datetime
    score: int | None = None
    comment: str = ""
    rated_at: datetime | None = None


@dataclass
class ReportFacts:
    """What a report keeps beside its case."""

    category: str
    category_tenant: str
    point: LatLng
    address: str
    description: str
    anonymous: bool
    reporters: list[Reporter] = field(default_factory=list)
    resolved_at: datetime | None = None
    reopen_count: int = 0
    result_public: bool = True
    moves: int = 0
    # Result photos the department marked public (the public map shows only these).
    public_photos: set[Any] = field(default_factory=set)

    def reporter(self, user_id: str) -> Reporter | None:
        return next((r for r in self.reporters if r.user_id == user_id), None)

    @property
    def reporter_ids(self) -> list[str]:
        """Reporters with an account (those notify can reach); not phone-only ones."""
        return [r.user_id for r in self.reporters if not is_phone_reporter(r.user_id)]

    @property
    def phone_reporter_refs(self) -> list[str]:
        """Reporters without an account: their pseudonyms, which identity resolves for notify (SMS)."""
        return [r.user_id for r in self.reporters if is_phone_reporter(r.user_id)]


PHONE_REPORTER = "phone:"  # the id of a reporter without an account: a pseudonym of their verified phone


def is_phone_reporter(user_id: str) -> bool:
    return user_id.startswith(PHONE_REPORTER)


def check_reopen(facts: ReportFacts, status: str, user_id: str, now: datetime) -> None:
    """A reporter who is not satisfied may reopen a resolved report within 7 days of its
    resolution, unless they already rated it (a rating is their verdict)."""
    who = facts.reporter(user_id)
    if who is None:
        raise PermissionDenied("only a reporter of this report may reopen it", code="not_a_reporter")
    if status != RESOLVED or facts.resolved_at is None:
        raise Conflict("only a resolved report can be reopened", code="action_not_allowed", field="action")
    if now - facts.resolved_at > timedelta(days=REOPEN_DAYS):
        raise Conflict(f"a report can be reopened within {REOPEN_DAYS} days of its resolution", code="reopen_window_closed")
    if who.score is not None:
        raise Conflict("you rated this report: a rated report is not reopened", code="already_rated")


def check_rating(facts: ReportFacts, status: str, user_id: str, score: int, comment: str) -> Reporter:
    who = facts.reporter(user_id)
    if who is None:
        raise PermissionDenied("only a reporter of this report may rate it", code="not_a_reporter")
    if status != RESOLVED:
        raise Conflict("a report is rated once it is resolved", code="not_resolved")
    if who.score is not None:
        raise Conflict("you have rated this report", code="already_rated")
    if not 1 <= score <= 5:
        raise InvalidArgument("score is 1 (very dissatisfied) to 5 (very satisfied)", code="out_of_range", field="score")
    if len(comment) > 500:
        raise InvalidArgument("a comment has at most 500 characters", code="too_long", field="comment")
    return who
