"""移动执法监管 over HTTP on the demo platform (`mgov up`: real processes, database, NATS):
a Hangzhou administrator registers Xihu's subjects and inspectors and a checklist, plans
and draws; the drawn pair starts the inspection, uploads evidence (a repeated upload is
stored once), records and confirms it; the draw and the evidence verify; a Ningbo
inspector gets 404 for all of it; bad input gets problem+json. An order to correct due on
a holiday moves to the next working day and reaches the subject's phone by SMS; a penalty
decision is public from 决定 until revoked; the demo's own plan is seeded and drawn."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from datetime import date
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from services.enforcement.domain.uscc import check_character
from tests import material_samples as samples
from tests import sms_outbox
from tests.e2e.conftest import DemoPlatform

HZ_ADMIN, NB_INSPECTOR = "13900000010", "13900000055"
XH_CLERK, XH_SUPERVISOR, XH_APPROVER = "13900000031", "13900000033", "13900000034"
XH_INSPECTORS = ("13900000051", "13900000052", "13900000053", "13900000054")


def _ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def _code(n: int) -> str:
    body = f"91330106MA{n:07d}"
    return body + check_character(body)


@pytest.fixture(scope="module")
def clients(demo_platform: DemoPlatform) -> Iterator[dict[str, httpx.Client]]:
    phones = {"admin": HZ_ADMIN, "nb": NB_INSPECTOR, "clerk": XH_CLERK, "supervisor": XH_SUPERVISOR, "approver": XH_APPROVER,
              **{f"i{k}": p for k, p in enumerate(XH_INSPECTORS)}}
    made = {name: demo_platform.client(demo_platform.sign_in(phone)["access_token"]) for name, phone in phones.items()}
    try:
        yield made
    finally:
        for c in made.values():
            c.close()


@pytest.fixture(scope="module")
def drawn(clients: dict[str, httpx.Client]) -> dict[str, Any]:
    """Xihu's registry and a drawn plan of two inspections (made once for the module)."""
    admin = clients["admin"]
    ids = {_ok(clients[f"i{k}"].get("/v1/me"))["id"]: f"i{k}" for k in range(4)}
    for n, user_id in enumerate(ids):
        _ok(admin.put(f"/v1/tenants/xihu/inspectors/{user_id}", json={"certificate": f"ZJ-E2E-{uuid.uuid4().hex[:6]}-{n}",
                                                                         "categories": ["e2e_food"]}))
    subjects = [_ok(admin.post("/v1/tenants/xihu/subjects", json={
        "name": f"西湖区端到端食品店{n}", "credit_code": _code(9000 + n), "category": "e2e_food", "address": f"文三路 {n} 号",
        "contact_phone": f"1370000900{n}", "position": {"latitude": 30.28, "longitude": 120.12}}), 201) for n in range(6)]
    _ok(admin.post("/v1/tenants/hangzhou/checklists/e2e_food", json={"checks": [{"id": "licence", "text": "证照公示"},
                                                                               {"id": "cold", "text": "冷藏温度"}]}), 201)
    plan = _ok(admin.post("/v1/tenants/xihu/plans", json={"name": "端到端双随机抽查", "category": "e2e_food", "count": 4,
                                                         "start_date": "2026-12-01", "end_date": "2026-12-31"}), 201)
    draw = _ok(admin.post(f"/v1/plans/{plan['id']}/draws", json={}), 201)
    return {"plan": plan, "draw": draw, "subjects": subjects, "by_user": ids}


def test_the_drawn_pair_inspects_with_evidence_and_both_confirm(clients: dict[str, httpx.Client], drawn: dict[str, Any]) -> None:
    pick = drawn["draw"]["picks"][0]
    a, b = (clients[drawn["by_user"][u]] for u in pick["inspector_ids"])
    tasks = _ok(a.get("/v1/inspections"))["items"]
    insp = next(t for t in tasks if t["subject"]["id"] == pick["subject_id"])
    assert insp["status"] == "assigned" and [i["id"] for i in insp["checklist"]] == ["licence", "cold"]
    assert _ok(a.post(f"/v1/inspections/{insp['id']}/start"))["status"] == "in_progress"
    photo = samples.png({"Comment": "e2e 现场"})
    form = {"kind": "photo", "device_time": "2026-11-30T02:00:00.000Z", "latitude": "30.28", "longitude": "120.12",
            "accuracy_m": "5", "sha256": hashlib.sha256(photo).hexdigest()}
    first = a.post(f"/v1/inspections/{insp['id']}/evidence", data=form, files={"file": ("p.png", photo, "image/png")},
                   headers={"Idempotency-Key": "e2e-photo-1"})
    again = a.post(f"/v1/inspections/{insp['id']}/evidence", data=form, files={"file": ("p.png", photo, "image/png")},
                   headers={"Idempotency-Key": "e2e-photo-1"})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["seq"] == again.json()["seq"] == 1
    entry = first.json()
    assert entry["device_time"] == "2026-11-30T02:00:00.000Z" and entry["receive_time"] != entry["device_time"]
    assert entry["position"]["latitude"] == 30.28
    assert a.get(f"/v1/inspections/{insp['id']}/evidence/1/file").content == photo
    record = {"answers": {"licence": {"result": "pass"}, "cold": {"result": "pass"}}, "outcome": "pass"}
    _ok(a.post(f"/v1/inspections/{insp['id']}/record", json=record, headers={"Idempotency-Key": "e2e-record"}))
    _ok(a.post(f"/v1/inspections/{insp['id']}/confirmations", json={}))
    done = _ok(b.post(f"/v1/inspections/{insp['id']}/confirmations", json={}))
    assert done["status"] == "completed" and sorted(done["confirmed_by"]) == sorted(pick["inspector_ids"])
    check = _ok(a.get(f"/v1/inspections/{insp['id']}/evidence/verification"))
    assert check == {"inspection_id": insp["id"], "ok": True, "entries": 1, "broken_seq": 0, "reason": ""}
    verified = _ok(clients["admin"].get(f"/v1/plans/{drawn['plan']['id']}/verification"))
    assert verified["ok"] and verified["draws"][0]["kind"] == "draw"


def test_a_ningbo_inspector_gets_404_for_hangzhous_plans_subjects_and_evidence(clients: dict[str, httpx.Client],
                                                                             drawn: dict[str, Any]) -> None:
    nb, pick = clients["nb"], drawn["draw"]["picks"][0]
    insp_id = next(t["id"] for t in _ok(clients[drawn["by_user"][pick["inspector_ids"][0]]].get("/v1/inspections",
                                                                                                params={"open_only": "false"}))["items"]
                   if t["subject"]["id"] == pick["subject_id"])
    for path in (f"/v1/plans/{drawn['plan']['id']}", f"/v1/plans/{drawn['plan']['id']}/verification", f"/v1/subjects/{pick['subject_id']}",
                 f"/v1/inspections/{insp_id}", f"/v1/inspections/{insp_id}/evidence", f"/v1/inspections/{insp_id}/evidence/1/file",
                 "/v1/tenants/xihu/subjects", "/v1/tenants/hangzhou/plans"):
        resp = nb.get(path)
        assert resp.status_code == 404 and resp.headers["content-type"] == "application/problem+json", (path, resp.text)
    assert nb.post(f"/v1/inspections/{insp_id}/start").status_code == 404
    assert _ok(nb.get("/v1/inspections"))["items"] == []


def test_bad_input_gets_problems(clients: dict[str, httpx.Client], drawn: dict[str, Any]) -> None:
    admin = clients["admin"]
    wrong = admin.post("/v1/tenants/xihu/subjects", json={"name": "错号商店", "credit_code": "91350100M000100Y44", "category": "e2e_food"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "credit_code_check_failed", wrong.text
    redraw = admin.post(f"/v1/plans/{drawn['plan']['id']}/draws", json={})
    assert redraw.status_code == 422 and redraw.json()["code"] == "reason_required", redraw.text
    pick = drawn["draw"]["picks"][1]
    a = clients[drawn["by_user"][pick["inspector_ids"][0]]]
    insp = next(t for t in _ok(a.get("/v1/inspections"))["items"] if t["subject"]["id"] == pick["subject_id"])
    no_key = a.post(f"/v1/inspections/{insp['id']}/evidence", data={"kind": "photo", "device_time": "2026-11-30T02:00:00Z"},
                    files={"file": ("p.png", samples.PNG, "image/png")})
    assert no_key.status_code == 428 and no_key.json()["code"] == "idempotency_key_required"
    a.post(f"/v1/inspections/{insp['id']}/start")
    html = a.post(f"/v1/inspections/{insp['id']}/evidence", data={"kind": "photo", "device_time": "2026-11-30T02:00:00Z"},
                  files={"file": ("p.png", samples.HTML_AS_PNG, "image/png")}, headers={"Idempotency-Key": "e2e-bad"})
    assert html.status_code == 422 and html.json()["code"] == "undecodable_file", html.text


def _sql(p: DemoPlatform, query: str) -> list[Any]:
    async def run() -> list[Any]:
        conn = await asyncpg.connect(p.dsn)
        try:
            return list(await conn.fetch(query))
        finally:
            await conn.close()

    return asyncio.run(run())


def _until(what: str, check: Any, timeout: float = 30) -> Any:
    """Poll `check` (another service's consumer acts on an event) until it answers truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout:.0f}s")


def test_an_order_to_correct_reaches_the_subjects_phone_with_its_date_and_items(demo_platform: DemoPlatform,
                                                                               clients: dict[str, httpx.Client],
                                                                               drawn: dict[str, Any]) -> None:
    pick = drawn["draw"]["picks"][2]
    subject = next(s for s in drawn["subjects"] if s["id"] == pick["subject_id"])
    a, b = (clients[drawn["by_user"][u]] for u in pick["inspector_ids"])
    insp = next(t for t in _ok(a.get("/v1/inspections"))["items"] if t["subject"]["id"] == pick["subject_id"])
    _ok(a.post(f"/v1/inspections/{insp['id']}/start"))
    # New Year's Day 2027 is a holiday of the demo calendar (the workflow service's, projected here from its events).
    _until("the enforcement service has the province's calendar", lambda: _sql(
        demo_platform, "SELECT count(*) FROM enforcement.calendar_days WHERE tenant_id = 'zhejiang' AND day = '2027-01-01'")[0][0])
    record = {"answers": {"licence": {"result": "pass"}, "cold": {"result": "fail", "note": "冷藏柜 12℃"}}, "outcome": "rectify",
              "rectify_due_date": "2027-01-01"}
    recorded = _ok(a.post(f"/v1/inspections/{insp['id']}/record", json=record, headers={"Idempotency-Key": "e2e-rectify"}))
    assert recorded["rectify_due_date"] == "2027-01-04"  # a period ending on a holiday ends on the next working day
    assert sms_outbox.to(demo_platform.home, subject["contact_phone"]) == []  # not before both officers confirmed
    _ok(a.post(f"/v1/inspections/{insp['id']}/confirmations", json={}))
    assert _ok(b.post(f"/v1/inspections/{insp['id']}/confirmations", json={}))["status"] == "completed"
    # Sent before the confirmation answered (the sweep only retries what failed).
    [sms] = sms_outbox.to(demo_platform.home, subject["contact_phone"])
    due = date.fromisoformat(recorded["rectify_due_date"])
    assert sms["template"] == "correction_order" and subject["name"] in sms["content"] and "冷藏温度（冷藏柜 12℃）" in sms["content"]
    assert f"请于{due.year}年{due.month}月{due.day}日前整改完毕" in sms["content"] and "证照公示" not in sms["content"]
    seen = _ok(a.get(f"/v1/inspections/{insp['id']}"))
    assert seen["correction_order_status"] == "sent" and seen["correction_order_time"].endswith("Z")
    # The bus hears that the order went out, not where to.
    events = [json.loads(r[0]) for r in _sql(demo_platform, "SELECT payload FROM enforcement.outbox WHERE type LIKE '%correction_order_sent%'")]
    [sent] = [e for e in events if e["data"]["inspection_id"] == insp["id"]]
    assert subject["contact_phone"] not in json.dumps(sent)


def _act(c: httpx.Client, case_id: str, action: str, comment: str = "") -> dict[str, Any]:
    case = _ok(c.get(f"/v1/applications/{case_id}"))
    return _ok(c.post(f"/v1/applications/{case_id}/actions", json={"action": action, "comment": comment},  # type: ignore[no-any-return]
                      headers={"If-Match": f'"{case["version"]}"'}))


def test_a_penalty_decision_is_public_from_its_decision_until_it_is_revoked(demo_platform: DemoPlatform, clients: dict[str, httpx.Client],
                                                                          drawn: dict[str, Any]) -> None:
    pick = drawn["draw"]["picks"][3]
    subject = next(s for s in drawn["subjects"] if s["id"] == pick["subject_id"])
    a, b = (clients[drawn["by_user"][u]] for u in pick["inspector_ids"])
    insp = next(t for t in _ok(a.get("/v1/inspections"))["items"] if t["subject"]["id"] == pick["subject_id"])
    _ok(a.post(f"/v1/inspections/{insp['id']}/start"))
    record = {"answers": {"licence": {"result": "fail", "note": "未公示许可证"}, "cold": {"result": "pass"}}, "outcome": "case"}
    _ok(a.post(f"/v1/inspections/{insp['id']}/record", json=record, headers={"Idempotency-Key": "e2e-case"}))
    _ok(a.post(f"/v1/inspections/{insp['id']}/confirmations", json={}))
    done = _ok(b.post(f"/v1/inspections/{insp['id']}/confirmations", json={}))
    case_id = done["case_id"]
    clerk, approver, public = clients["clerk"], clients["approver"], demo_platform.client()
    _until("the workflow service opened the penalty case", lambda: clerk.get(f"/v1/applications/{case_id}").status_code == 200)
    _act(clerk, case_id, "investigate")
    _act(clerk, case_id, "notify", "已告知当事人陈述申辩权利")
    facts = {"decision_number": "西市监罚〔2026〕1号", "summary": "未按规定公示食品经营许可证", "legal_basis": "《食品经营许可管理办法》第五十条",
             "penalty": "警告"}
    assert clients["nb"].put(f"/v1/penalty-cases/{case_id}/decision", json=facts).status_code == 404
    assert _ok(clients["supervisor"].put(f"/v1/penalty-cases/{case_id}/decision", json=facts))["status"] == "draft"
    assert _ok(approver.get(f"/v1/penalty-cases/{case_id}/decision"))["summary"] == facts["summary"]
    assert clients["nb"].get(f"/v1/penalty-cases/{case_id}/decision").status_code == 404
    listed = lambda: [d for d in _ok(public.get("/v1/tenants/xihu/penalty-decisions"))["items"] if d["case_id"] == case_id]  # noqa: E731
    assert listed() == []
    _act(approver, case_id, "decide", "给予警告")
    [entry] = _until("the decision was published", listed)
    assert {k: entry[k] for k in facts} == facts and entry["subject_name"] == subject["name"]
    assert entry["credit_code"] == subject["credit_code"] and entry["status"] == "published"
    assert not any(c in str(entry) for c in done["certificates"] + pick["inspector_ids"])
    _act(approver, case_id, "revoke", "行政复议撤销")
    _until("the revoked decision was retracted", lambda: listed() == [])
    public.close()


def test_the_demo_has_xihus_subjects_and_a_drawn_plan_whose_tasks_the_inspectors_see(demo_platform: DemoPlatform) -> None:
    with demo_platform.client(demo_platform.sign_in(XH_SUPERVISOR)["access_token"]) as supervisor:
        [plan] = [p for p in _ok(supervisor.get("/v1/tenants/xihu/plans"))["items"] if p["name"] == "西湖区食品经营双随机抽查（演示）"]
        subjects = _ok(supervisor.get("/v1/tenants/xihu/subjects", params={"category": "market_food", "page_size": 100}))["items"]
    assert plan["status"] == "drawn" and plan["category"] == "market_food"
    assert len(subjects) == 24 and all(s["contact_phone"] and s["position"] for s in subjects)
    tasks = []
    for phone in XH_INSPECTORS:
        with demo_platform.client(demo_platform.sign_in(phone)["access_token"]) as inspector:
            tasks += [t for t in _ok(inspector.get("/v1/inspections", params={"open_only": "false"}))["items"] if t["plan_id"] == plan["id"]]
    assert len({t["id"] for t in tasks}) == 6  # a quarter of 24, each task seen by both of its inspectors
    assert len(tasks) == 12 and all(len(t["checklist"]) == 6 for t in tasks)
