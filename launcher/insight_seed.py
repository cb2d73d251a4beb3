"""`mgov insight seed`: synthetic activity through the real mobile API, for demos and tests.

Demo accounts of Hangzhou play their parts: the citizen opens an item's guide, starts the
form, submits (or gives up), the clerk accepts or sends it back for correction (补正),
the citizen corrects and resubmits, the approver approves or rejects, and the citizen
rates the finished case. Every step is a real request to the gateway, so every figure
insight shows comes from the events the services published. The choices come from a
seeded random generator: the same seed makes the same activity.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from dataclasses import dataclass, field

import httpx

DEMO_PASSWORD = "mgov-demo-2026"
CITIZEN, CLERK, APPROVER = "13900000100", "13900000011", "13900000012"
DEFAULT_ITEM = "杭州市民卡申领"
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


class Seeder:
    def __init__(self, base_url: str, password: str = DEMO_PASSWORD, seed: int = 1) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.password = password
        self.rng = random.Random(seed)
        self.tokens: dict[str, str] = {}
        self.pdf = _pdf()

    def close(self) -> None:
        self.http.close()

    def sign_in(self, phone: str) -> None:
        resp = _ok(self.http.post("/v1/auth/token", json={"username": phone, "password": self.password}))
        self.tokens[phone] = resp.json()["access_token"]

    def _as(self, who: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.tokens[who]}"}

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

    def one_case(self, item_id: str, report: SeedReport) -> None:
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
        counts["submitted"] += 1
        if rng.random() < 0.1:
            return  # still waiting at the counter
        if rng.random() < 0.25:
            case = self._act(CLERK, case, "return", "请上传清晰的身份证复印件")
            counts["supplemented"] += 1
            material = _ok(self.http.post(f"/v1/applications/{case['id']}/materials", headers=self._as(CITIZEN),
                                          files={"file": ("id.pdf", self.pdf, "application/pdf")}, data={"material_code": "id-card"}),
                           201).json()
            case = self._act(CITIZEN, case, "resubmit", material_ids=[material["id"]])
        case = self._act(CLERK, case, "accept", "材料齐全，予以受理")
        if rng.random() < 0.15:
            self._act(APPROVER, case, "reject", "不符合申领条件")
            counts["rejected"] += 1
            return
        self._act(APPROVER, case, "approve", "同意")
        counts["completed"] += 1
        if rng.random() < 0.8:
            score = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 6])[0]
            _ok(self.http.post(f"/v1/applications/{case['id']}/rating", json={"score": score, "comment": "" if score > 2 else "等待时间太长"},
                               headers=self._as(CITIZEN)), 201)
            counts["rated"] += 1

    def run(self, cases: int, item: str = DEFAULT_ITEM) -> SeedReport:
        for who in (CITIZEN, CLERK, APPROVER):
            self.sign_in(who)
        report = SeedReport(self.item_id(item))
        for _ in range(cases):
            self.one_case(report.item_id, report)
        return report
