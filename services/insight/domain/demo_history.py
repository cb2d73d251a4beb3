"""Back-dated synthetic activity for demo platforms (pure: items, days, seed and clock in,
events out).

A demo needs a month of history to show trends, and the platform's services stamp their
events with the real time: driving the real flows today cannot make last month's events.
So, in demo mode only, insight writes the history as events of its own, plainly named as
demo data — `mgov.insight.demo_application.submitted|completed|rejected.v1`,
`mgov.insight.demo_rating.received.v1`, `mgov.insight.demo_usage.recorded.v1` — whose
`time` lies in the past and whose `data` has the shape of the workflow's and the app's
events. The consumer applies them with the same code as the real ones (so the figures
take each event's own time), a rebuild replays them, and no other service reads them.

Every id comes from the seed, the item and the day: the same seed makes the same events,
and writing them twice counts them once.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mgov_common.working_days import day_start, local_date

NAMESPACE = uuid.UUID("6f0b3c52-9f1e-4d0a-8a55-1d7f3e2b9c41")


@dataclass(frozen=True)
class DemoItem:
    id: uuid.UUID
    tenant_id: str
    department: str
    name: dict[str, str]


@dataclass(frozen=True)
class DemoEvent:
    id: uuid.UUID
    entity: str  # demo_application | demo_rating | demo_usage
    verb: str
    tenant_id: str
    subject: str
    time: datetime
    data: dict[str, Any]


@dataclass
class History:
    events: list[DemoEvent] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


def history(items: list[DemoItem], days: int, seed: int, now: datetime, per_day: int = 4) -> History:
    """`days` days of activity before `now`'s China date, up to `per_day` visitors per item
    and day; everything happens before today (today's figures stay today's real ones)."""
    out = History()
    today = local_date(now)
    now = min(now, day_start(today))
    for item in items:
        rng = random.Random(f"{seed}/{item.id}")
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)
            for n in range(rng.randint(1, per_day)):
                _visitor(out, rng, item, seed, day_start(day) + timedelta(hours=rng.uniform(1, 10)), now, f"{day}/{n}")
    out.events.sort(key=lambda e: (e.time, str(e.id)))
    return out


def _visitor(out: History, rng: random.Random, item: DemoItem, seed: int, at: datetime, now: datetime, key: str) -> None:
    def emit(entity: str, verb: str, when: datetime, data: dict[str, Any], subject: str = "") -> None:
        out.events.append(DemoEvent(_id(seed, item.id, key, entity, verb, data.get("kind", "")), entity, verb, item.tenant_id,
                                    subject or str(item.id), when, data))
        out.counts[f"{entity}.{verb}"] += 1

    usage = {"item_id": str(item.id), "tenant_id": item.tenant_id}
    emit("demo_usage", "recorded", at, {**usage, "kind": "guide_viewed"})
    if rng.random() < 0.15:
        return
    emit("demo_usage", "recorded", at + timedelta(minutes=2), {**usage, "kind": "application_started"})
    if rng.random() < 0.15:
        return
    case = _id(seed, item.id, key, "case")
    channel = "system" if rng.random() < 0.3 else "user"
    submitted = at + timedelta(minutes=10)

    def case_data(action: str, terminal: bool, roles: list[str]) -> dict[str, Any]:
        return {"application_id": str(case), "case_number": f"DEMO-{case.hex[:8]}", "tenant_id": item.tenant_id, "service_id": str(item.id),
                "service_version": 1, "service_name": item.name, "department": item.department, "applicant_id": "demo",
                "action": action, "actor": {"kind": channel, "id": "demo", "tenant_id": item.tenant_id}, "comment": "",
                "eligible_roles": roles, "due_at": None, "case_due_at": None, "clock_paused": False, "terminal": terminal, "version": 1}

    emit("demo_application", "submitted", submitted, case_data("submit", False, ["clerk"]), str(case))
    finished = submitted + timedelta(hours=rng.uniform(4, 24 * 9))
    if finished >= now or rng.random() < 0.08:
        return  # still open
    if rng.random() < 0.12:
        emit("demo_application", "rejected", finished, case_data("reject", True, []), str(case))
        return
    emit("demo_application", "completed", finished, case_data("approve", True, []), str(case))
    rated = finished + timedelta(hours=1)
    if rated < now and rng.random() < 0.8:
        score = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 6])[0]
        emit("demo_rating", "received", rated, {"application_id": str(case), "tenant_id": item.tenant_id, "service_id": str(item.id),
                                                "department": item.department, "score": score}, str(case))
