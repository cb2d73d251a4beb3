"""`mgov insight seed`: synthetic activity through the real mobile API, for demos and tests.

Demo accounts of Hangzhou play their parts: the citizen opens an item's guide, starts the
form, submits (or gives up), the clerk accepts or sends it back for correction (补正),
the citizen corrects and resubmits, the approver approves or rejects, and the citizen
rates the finished case. Every step is a real request to the gateway, so every figure
insight shows comes from the events the services published. The choices come from a
seeded random generator: the same seed makes the same activity.

With `days` the activity is a history: the demo clock (`$MGOV_HOME/workflow-clock.json`,
mgov_common/clock.py) is set `days` days back, that day's visitors come and the cases due
for a step take it, the clock moves a day ahead, ... until today, and the clock is put back
to 0. A case takes its steps over several days (accepted after 0-2 days, decided 0-5 days
later; the staff's steps wait for a weekday), so some finish after their promised limit
and the SLA timers fire on their own days. The services stamp everything (events' `time`, cases' times, timers) with their
demo clock, so insight counts every day's activity on that day. For a fresh demo home only:
moving the clock back under cases already open there would give them steps before their
own submission.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import httpx

from mgov_common.clock import set_demo_offset

DEMO_PASSWORD = "mgov-demo-2026"
CITIZEN, CLERK, APPROVER = "13900000100", "13900000011", "13900000012"
DEFAULT_ITEM = "杭州市民卡申领"
CHINA = timezone(timedelta(hours=8))
FORM = {"applicant_name": "张小明", "id_number": "330106199001011234", "phone": "13900000100"}


def _pdf() -> bytes:
    import pikepdf

    doc = pikepdf.new()
    doc.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@dataclass
class SeedReport:
    item_id: str = ""
    counts: Counter[str] = field(default_factory=Counter)


class SeedError(RuntimeError):
    pass


def _ok(resp: httpx.Response, *codes: int) -> httpx.Response:
    if resp.status_code not in (codes or (200, 201, 204)):
        raise SeedError(f"{resp.request.method} {resp.request.url.path}: {resp.status_code} {resp.text[:300]}")
    return resp


DAY_S = 86400.0


def read_offset(clock_file: Path) -> float:
    """The demo clock's offset now (0 without a file)."""
    try:
        return float(json.loads(clock_file.read_text()).get("offset_s", 0))
    except FileNotFoundError:
        return 0.0
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        raise SeedError(f"the demo clock {clock_file} is unreadable: {exc}") from None
STAFF_STEPS = ("review", "accept", "decide")
TOKEN_REFRESH_S = 300.0  # signed in again after this long (access tokens are short-lived; a long seed outlives them)


@dataclass
class OpenCase:
    """A submitted case and the step it takes next, on which day (index: 0 = the first day)."""

    case: dict
    step: str  # "review", "accept" (clerk), "resubmit" (citizen), "decide" (approver), "rate" (citizen)
    day: int


class Seeder:
    def __init__(self, base_url: str, password: str = DEMO_PASSWORD, seed: int = 1, clock_file: Path | None = None) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.password = password
        self.rng = random.Random(seed)
        self.tokens: dict[str, tuple[str, float]] = {}
        self.pdf = _pdf()
        self.clock_file = clock_file
        self.open: list[OpenCase] = []
        self.today = 0  # index of the simulated day
        self.expected_day: date | None = None  # the services' (China) date while the clock is moved
        self.same_day = False

    def close(self) -> None:
        self.http.close()

    def sign_in(self, phone: str) -> None:
        resp = _ok(self.http.post("/v1/auth/token", json={"username": phone, "password": self.password}))
        self.tokens[phone] = (resp.json()["access_token"], time.monotonic())

    def _as(self, who: str) -> dict[str, str]:
        token, at = self.tokens.get(who, ("", float("-inf")))
        if time.monotonic() - at > TOKEN_REFRESH_S:
            self.sign_in(who)
            token = self.tokens[who][0]
        return {"authorization": f"Bearer {token}"}

    def item_id(self, name: str) -> str:
        found = _ok(self.http.get("/v1/tenants/hangzhou/services", params={"q": name})).json()["items"]
        ids = [i["id"] for i in found if i["name"]["zh"] == name]
        if not ids:
            raise SeedError(f"no item named {name!r} in hangzhou (is this a demo platform?)")
        return str(ids[0])

    def _act(self, who: str, case: dict, action: str, comment: str = "", **extra: object) -> dict:
        resp = self.http.post(f"/v1/applications/{case['id']}/actions", json={"action": action, "comment": comment, **extra},
                              headers={**self._as(who), "If-Match": f'"{case["version"]}"'})
        return dict(_ok(resp).json())

    def _usage(self, item_id: str, kind: str, visitor: str, report: SeedReport) -> None:
        """Report what the app would. Each visitor comes from an address of its own, which
        the gateway believes only when it trusts this host as a proxy
        (MGOV_GATEWAY_FORWARDED_ALLOW_IPS); otherwise its per-address limits count one
        visitor and refuse a flood (counted here as `usage_refused`)."""
        resp = self.http.post("/v1/insight/usage", json={"item_id": item_id, "kind": kind}, headers={"x-forwarded-for": visitor})
        if resp.status_code == 429:
            report.counts["usage_refused"] += 1
        else:
            _ok(resp, 204)

    def _later(self, case: dict, step: str, lo: int, hi: int) -> None:
        later = self.rng.randint(lo, hi)
        self.open.append(OpenCase(case, step, self.today + (0 if self.same_day else later)))

    def visit(self, item_id: str, report: SeedReport) -> None:
        """One citizen today: the guide, perhaps the form, perhaps a submission (whose next steps come on later days)."""
        rng, counts = self.rng, report.counts
        visitor = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for _ in range(rng.randint(1, 3)):
            self._usage(item_id, "guide_viewed", visitor, report)  # reloads count once (gateway/usage_limit.py)
        counts["guide_viewed"] += 1
        if rng.random() < 0.15:
            return  # read the guide, did not start
        self._usage(item_id, "application_started", visitor, report)
        counts["started"] += 1
        if rng.random() < 0.15:
            return  # started the form, gave up
        case = dict(_ok(self.http.post("/v1/applications", json={"service_id": item_id, "form": FORM}, headers=self._as(CITIZEN)),
                        201).json())
        self._check_day(case)
        counts["submitted"] += 1
        if rng.random() < 0.1:
            return  # still waiting at the counter
        self._later(case, "review", 0, 2)

    def _check_day(self, case: dict) -> None:
        """The platform follows the demo clock (else history would all land today: refused)."""
        if self.expected_day is None:
            return
        stamped = str(case.get("submit_time") or "")
        if not stamped or datetime.fromisoformat(stamped).astimezone(CHINA).date() != self.expected_day:
            raise SeedError(f"the case was stamped {stamped}, not on {self.expected_day}: the platform does not follow the demo "
                            f"clock {self.clock_file} (a demo platform, MGOV_DEMO=1, of the same MGOV_HOME is needed for --days)")

    def step(self, oc: OpenCase, report: SeedReport) -> None:
        """The step `oc` takes today, and the next one it takes on a later day."""
        rng, counts, case = self.rng, report.counts, oc.case
        if oc.step == "review" and rng.random() < 0.25:
            self._later(self._act(CLERK, case, "return", "请上传清晰的身份证复印件"), "resubmit", 0, 2)
            counts["supplemented"] += 1
        elif oc.step == "resubmit":
            material = _ok(self.http.post(f"/v1/applications/{case['id']}/materials", headers=self._as(CITIZEN),
                                          files={"file": ("id.pdf", self.pdf, "application/pdf")}, data={"material_code": "id-card"}),
                           201).json()
            self._later(self._act(CITIZEN, case, "resubmit", material_ids=[material["id"]]), "accept", 0, 1)
        elif oc.step in ("review", "accept"):
            self._later(self._act(CLERK, case, "accept", "材料齐全，予以受理"), "decide", 0, 5)
        elif oc.step == "decide" and rng.random() < 0.15:
            self._act(APPROVER, case, "reject", "不符合申领条件")
            counts["rejected"] += 1
        elif oc.step == "decide":
            case = self._act(APPROVER, case, "approve", "同意")
            counts["completed"] += 1
            if rng.random() < 0.8:
                self._later(case, "rate", 0, 1)
        else:
            score = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 6])[0]
            _ok(self.http.post(f"/v1/applications/{case['id']}/rating", json={"score": score, "comment": "" if score > 2 else "等待时间太长"},
                               headers=self._as(CITIZEN)), 201)
            counts["rated"] += 1

    def one_day(self, item_id: str, visitors: int, report: SeedReport) -> None:
        """Today's steps of the cases waiting for them (oldest first), today's visitors, and
        the steps today's cases take today too."""
        self._due_steps(report)
        for _ in range(visitors):
            self.visit(item_id, report)
        self._due_steps(report)

    def _due_steps(self, report: SeedReport) -> None:
        """The steps due today; on a Saturday or Sunday the staff's wait for Monday (citizens' do not)."""
        weekend = self.expected_day is not None and self.expected_day.weekday() >= 5
        while due := [c for c in self.open if c.day <= self.today and not (weekend and c.step in STAFF_STEPS)]:
            taken = {id(c) for c in due}
            self.open = [c for c in self.open if id(c) not in taken]
            for oc in due:
                self.step(oc, report)

    def run(self, cases: int, item: str = DEFAULT_ITEM, days: int = 0) -> SeedReport:
        """`cases` visitors a day, on each of the `days` days before today and today."""
        for who in (CITIZEN, CLERK, APPROVER):
            self.sign_in(who)
        report = SeedReport(self.item_id(item))
        if days <= 0:
            self.same_day = True  # today only: every case takes all its steps now
            self.one_day(report.item_id, cases, report)
            return report
        if self.clock_file is None:
            raise SeedError("history (--days) needs the demo platform's home (MGOV_HOME): its clock file moves the services")
        if read_offset(self.clock_file) != 0:
            raise SeedError(f"the demo clock {self.clock_file} is moved already: history is seeded on a fresh demo home with its clock at 0")
        try:
            for back in range(days, -1, -1):
                set_demo_offset(self.clock_file, -back * DAY_S)
                self.expected_day = (datetime.now(UTC) - timedelta(days=back)).astimezone(CHINA).date()
                self.today = days - back
                self.one_day(report.item_id, cases, report)
        finally:
            set_demo_offset(self.clock_file, 0)
        report.counts["days"] = days
        return report
