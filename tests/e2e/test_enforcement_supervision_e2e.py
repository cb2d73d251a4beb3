"""Supervising field inspections over HTTP on the demo platform: a plan's draws listed with
subject names, certificates and a redraw's reason; the teams under way with the positions
their officers reported, seen by supervisors of the tenant and above only (another city
404, a clerk 404, an inspector 403); the representative's signature stored as evidence in
the chain and named by the confirmation."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from services.enforcement.domain.uscc import check_character
from tests import material_samples as samples
from tests.e2e.conftest import DemoPlatform

HZ_ADMIN, HZ_CLERK, XH_SUPERVISOR, NB_INSPECTOR = "13900000010", "13900000011", "13900000033", "13900000055"
XH_INSPECTORS = ("13900000051", "13900000052", "13900000053", "13900000054")
CATEGORY = "e2e_team"


def _ok(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def _refused(resp: httpx.Response, status: int, code: str | None = None) -> None:
    assert resp.status_code == status and resp.headers["content-type"] == "application/problem+json", resp.text
    assert code is None or resp.json()["code"] == code, resp.text


@pytest.fixture(scope="module")
def clients(demo_platform: DemoPlatform) -> Iterator[dict[str, httpx.Client]]:
    phones = {"admin": HZ_ADMIN, "clerk": HZ_CLERK, "sup": XH_SUPERVISOR, "nb": NB_INSPECTOR,
              **{f"i{k}": p for k, p in enumerate(XH_INSPECTORS)}}
    made = {name: demo_platform.client(demo_platform.sign_in(phone)["access_token"]) for name, phone in phones.items()}
    try:
        yield made
    finally:
        for c in made.values():
            c.close()


@pytest.fixture(scope="module")
def plan(clients: dict[str, httpx.Client]) -> dict[str, Any]:
    """Xihu's supervisor plans two inspections, draws and redraws them (made once for the module)."""
    admin, sup = clients["admin"], clients["sup"]
    ids = {_ok(clients[f"i{k}"].get("/v1/me"))["id"]: f"i{k}" for k in range(4)}
    certs = {}
    for user_id in ids:
        certs[user_id] = f"ZJ-TEAM-{uuid.uuid4().hex[:8]}"
        _ok(admin.put(f"/v1/tenants/xihu/inspectors/{user_id}", json={"certificate": certs[user_id], "categories": [CATEGORY]}))
    names = {}
    for n in range(2):
        body = f"91330106MB{uuid.uuid4().int % 10**7:07d}"
        s = _ok(admin.post("/v1/tenants/xihu/subjects", json={"name": f"西湖区队伍测试店{n}", "credit_code": body + check_character(body),
                                                              "category": CATEGORY, "address": f"文二路 {n} 号"}), 201)
        names[s["id"]] = s["name"]
    _ok(admin.post(f"/v1/tenants/hangzhou/checklists/{CATEGORY}", json={"checks": [{"id": "licence", "text": "证照公示"}]}), 201)
    made = _ok(sup.post("/v1/tenants/xihu/plans", json={"name": "队伍位置抽查", "category": CATEGORY, "count": 2,
                                                      "start_date": "2026-12-01", "end_date": "2026-12-31"}), 201)
    _ok(sup.post(f"/v1/plans/{made['id']}/draws", json={}), 201)
    redraw = _ok(sup.post(f"/v1/plans/{made['id']}/draws", json={"reason": "执法员甲请假，重新抽取"}), 201)
    inspections = []
    for pick in redraw["picks"]:
        a = clients[ids[pick["inspector_ids"][0]]]
        insp = next(i for i in _ok(a.get("/v1/inspections"))["items"] if i["subject"]["id"] == pick["subject_id"])
        inspections.append({"id": insp["id"], "pair": [clients[ids[u]] for u in pick["inspector_ids"]],
                            "others": [clients[c] for u, c in ids.items() if u not in pick["inspector_ids"]]})
    return {"plan": made, "redraw": redraw, "certs": certs, "names": names, "inspections": inspections}


def test_a_plans_draws_are_listed_with_subject_names_certificates_and_the_redraws_reason(
        clients: dict[str, httpx.Client], plan: dict[str, Any]) -> None:
    draws = _ok(clients["sup"].get(f"/v1/plans/{plan['plan']['id']}/draws"))["items"]
    assert [(d["kind"], d["current"]) for d in draws] == [("draw", False), ("redraw", True)]
    assert draws[0]["reason"] == "" and draws[1]["reason"] == "执法员甲请假，重新抽取"
    assert draws[1]["draw_id"] == plan["redraw"]["draw_id"] and draws[1]["seed"] == plan["redraw"]["seed"]
    assert all(d["create_time"].endswith("Z") for d in draws)
    for pick in draws[1]["picks"]:
        assert pick["subject_name"] == plan["names"][pick["subject_id"]]
        assert pick["certificates"] == [plan["certs"][u] for u in pick["inspector_ids"]]
    # An inspector of the tenant reads them too (like the plan); another city does not.
    assert len(_ok(clients["i0"].get(f"/v1/plans/{plan['plan']['id']}/draws"))["items"]) == 2
    _refused(clients["nb"].get(f"/v1/plans/{plan['plan']['id']}/draws"), 404, "not_found")
    _refused(clients["clerk"].get(f"/v1/plans/{plan['plan']['id']}/draws"), 404, "not_found")


def test_the_pairs_positions_are_seen_by_supervisors_of_the_tenant_and_above_only(clients: dict[str, httpx.Client],
                                                                                   plan: dict[str, Any]) -> None:
    insp = plan["inspections"][0]
    a, b = insp["pair"]
    here = {"latitude": 30.2801, "longitude": 120.1201, "accuracy_m": 12}
    _refused(a.post(f"/v1/inspections/{insp['id']}/positions", json=here), 409, "inspection_not_open")  # not started yet
    _ok(a.post(f"/v1/inspections/{insp['id']}/start"))
    _ok(a.post(f"/v1/inspections/{insp['id']}/positions", json={**here, "latitude": 30.1}))
    reported = _ok(a.post(f"/v1/inspections/{insp['id']}/positions", json=here))  # replaces the first
    assert reported["receive_time"].endswith("Z")

    for who in ("sup", "admin"):
        tenant = "xihu" if who == "sup" else "hangzhou"
        teams = {t["inspection_id"]: t for t in _ok(clients[who].get(f"/v1/tenants/{tenant}/team-positions"))["items"]}
        team = teams[insp["id"]]
        assert team["status"] == "in_progress" and team["subject"]["name"] in plan["names"].values()
        [officer] = team["officers"]
        assert officer["position"] == here and officer["receive_time"] == reported["receive_time"]
        assert officer["certificate"] == plan["certs"][officer["inspector_id"]]
        assert plan["inspections"][1]["id"] not in teams  # not started: not under way
    # An inspector of the tenant is refused; a clerk, another city, or a county supervisor above their county see nothing.
    _refused(clients["i0"].get("/v1/tenants/xihu/team-positions"), 403, "not_supervisor")
    _refused(clients["clerk"].get("/v1/tenants/hangzhou/team-positions"), 404, "not_found")
    _refused(clients["nb"].get("/v1/tenants/xihu/team-positions"), 404, "not_found")
    _refused(clients["sup"].get("/v1/tenants/hangzhou/team-positions"), 404, "not_found")
    _refused(clients["sup"].get("/v1/tenants/ningbo/team-positions"), 404, "not_found")
    # Only the pair reports, with a real position.
    _refused(clients["nb"].post(f"/v1/inspections/{insp['id']}/positions", json=here), 404, "not_found")
    _refused(insp["others"][0].post(f"/v1/inspections/{insp['id']}/positions", json=here), 404, "not_found")
    _refused(clients["sup"].post(f"/v1/inspections/{insp['id']}/positions", json=here), 403, "not_assigned")
    _refused(a.post(f"/v1/inspections/{insp['id']}/positions", json={**here, "latitude": 91}), 422)
    _refused(a.post(f"/v1/inspections/{insp['id']}/positions", json={"latitude": 30.2}), 422)

    # Completed: the team is no longer under way and reports no more.
    _ok(a.post(f"/v1/inspections/{insp['id']}/record", json={"answers": {"licence": {"result": "pass"}}, "outcome": "pass"},
               headers={"Idempotency-Key": f"team-{insp['id']}"}))
    _ok(a.post(f"/v1/inspections/{insp['id']}/confirmations", json={}))
    _ok(b.post(f"/v1/inspections/{insp['id']}/confirmations", json={}))
    assert insp["id"] not in {t["inspection_id"] for t in _ok(clients["sup"].get("/v1/tenants/xihu/team-positions"))["items"]}
    _refused(b.post(f"/v1/inspections/{insp['id']}/positions", json=here), 409, "inspection_not_open")


def test_the_representatives_signature_is_evidence_in_the_chain_named_by_the_confirmation(clients: dict[str, httpx.Client],
                                                                                           plan: dict[str, Any]) -> None:
    insp = plan["inspections"][1]
    a, b = insp["pair"]
    _ok(a.post(f"/v1/inspections/{insp['id']}/start"))
    _ok(a.post(f"/v1/inspections/{insp['id']}/record", json={"answers": {"licence": {"result": "pass"}}, "outcome": "pass"},
               headers={"Idempotency-Key": f"sign-{insp['id']}"}))
    signature = samples.png({"Comment": "当事人签名"})
    digest = hashlib.sha256(signature).hexdigest()
    form = {"kind": "signature", "device_time": "2026-12-02T02:00:00.000Z", "sha256": digest}
    _refused(a.post(f"/v1/inspections/{insp['id']}/evidence", data=form | {"sha256": ""}, headers={"Idempotency-Key": "sign-jpeg"},
                    files={"file": ("s.jpg", samples.JPEG, "image/jpeg")}), 422, "kind_mismatch")
    _refused(a.post(f"/v1/inspections/{insp['id']}/confirmations", json={"signature_sha256": digest}), 409, "signature_not_in_evidence")
    entry = _ok(a.post(f"/v1/inspections/{insp['id']}/evidence", data=form, files={"file": ("signature.png", signature, "image/png")},
                       headers={"Idempotency-Key": f"sign-{insp['id']}"}), 201)
    assert entry["kind"] == "signature" and entry["content_type"] == "image/png" and entry["sha256"] == digest
    _ok(a.post(f"/v1/inspections/{insp['id']}/confirmations", json={"signature_sha256": digest}))
    done = _ok(b.post(f"/v1/inspections/{insp['id']}/confirmations", json={}))
    assert done["status"] == "completed" and done["representative_signature_sha256"] == digest
    assert clients["sup"].get(f"/v1/inspections/{insp['id']}/evidence/{entry['seq']}/file").content == signature
    assert _ok(clients["sup"].get(f"/v1/inspections/{insp['id']}/evidence/verification"))["ok"]
