"""Cases through the gateway against the real processes of `mgov up` (demo mode): the
citizen's path to a rating, 补正, tenant isolation, concurrency, a killed workflow
process, and an SLA breach fired once by two workflow processes."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from mgov_common.ports import free_port
from tests.conftest import repo_root
from tests import material_samples as samples
from tests.e2e.conftest import DemoPlatform

CITIZEN, HZ_ADMIN, HZ_CLERK, HZ_APPROVER, NB_CLERK = "13900000100", "13900000010", "13900000011", "13900000012", "13900000021"
HZ_CLERK_2 = "13900000019"
PDF = samples.PDF
FORM = {"applicant_name": "张小明", "id_number": "330106199001011234", "phone": "13900000100"}


@dataclass
class Demo:
    p: DemoPlatform
    tokens: dict[str, str]
    service_id: str

    def client(self, who: str) -> httpx.Client:
        return self.p.client(self.tokens[who])

    def apply(self, key: str | None = None, form: dict | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": key} if key else {}
        with self.client(CITIZEN) as c:
            return c.post("/v1/applications", json={"service_id": self.service_id, "form": form or FORM}, headers=headers)

    def act(self, who: str, case: dict, action: str, comment: str = "", etag: str | None = None, **extra: object) -> httpx.Response:
        headers = {"If-Match": etag if etag is not None else f'"{case["version"]}"'} if etag != "" else {}
        with self.client(who) as c:
            return c.post(f"/v1/applications/{case['id']}/actions", json={"action": action, "comment": comment, **extra}, headers=headers)

    def case(self, who: str, case_id: str) -> httpx.Response:
        with self.client(who) as c:
            return c.get(f"/v1/applications/{case_id}")

    def tasks(self, who: str, **params: str) -> list[dict]:
        with self.client(who) as c:
            resp = c.get("/v1/tasks", params=params)
        assert resp.status_code == 200, resp.text
        return resp.json()["items"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def demo(demo_platform: DemoPlatform) -> Demo:
    tokens = {who: demo_platform.sign_in(who)["access_token"] for who in (CITIZEN, HZ_ADMIN, HZ_CLERK, HZ_APPROVER, NB_CLERK)}
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        made = c.post("/v1/tenants/hangzhou/staff", json={"phone": HZ_CLERK_2, "name": "杭州市受理员二", "password": "Wf-e2e-clerk-2", "roles": ["clerk"]})
        assert made.status_code == 202, made.text
    first = demo_platform.sign_in(HZ_CLERK_2, "Wf-e2e-clerk-2")["access_token"]
    with demo_platform.client(first) as c:
        assert c.post(f"/v1/me/invitations/{made.json()['id']}/accept").status_code == 200  # the roles are theirs once accepted
    tokens[HZ_CLERK_2] = demo_platform.sign_in(HZ_CLERK_2, "Wf-e2e-clerk-2")["access_token"]
    with demo_platform.client() as c:
        found = c.get("/v1/tenants/hangzhou/services", params={"q": "杭州市民卡"}).json()["items"]
    [item] = [i for i in found if i["name"]["zh"] == "杭州市民卡申领"]
    return Demo(demo_platform, tokens, item["id"])


def problem(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    return resp.json()  # type: ignore[no-any-return]


def submitted(demo: Demo) -> dict:
    resp = demo.apply()
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


def test_the_citizens_path_from_application_to_a_rectification_task(demo: Demo) -> None:
    key = f"e2e-{uuid.uuid4()}"
    first = demo.apply(key)
    assert first.status_code == 201, first.text
    case = first.json()
    assert re.fullmatch(r"HZ-\d{4}-\d{6}", case["case_number"]) and case["tenant_id"] == "hangzhou" and case["status"] == "submitted"
    assert first.headers["etag"] == f'"{case["version"]}"'
    again = demo.apply(key)
    assert again.status_code == 201 and again.json()["id"] == case["id"]

    inbox = [t for t in demo.tasks(HZ_CLERK) if t["application_id"] == case["id"]]
    assert [(t["kind"], t["available_actions"]) for t in inbox] == [("case", ["accept", "return"])]
    accepted = demo.act(HZ_CLERK, case, "accept", "材料齐全，予以受理")
    assert accepted.status_code == 200, accepted.text
    approved = demo.act(HZ_APPROVER, accepted.json(), "approve", "同意")
    assert approved.status_code == 200 and approved.json()["status"] == "completed"

    seen = demo.case(CITIZEN, case["id"]).json()
    assert [(t["action"], t["to_state"]) for t in seen["timeline"]] == [("submit", "submitted"), ("accept", "under_review"), ("approve", "completed")]
    assert seen["timeline"][1]["comment"] == "材料齐全，予以受理" and seen["status_label"]["zh"] == "已办结"

    with demo.client(CITIZEN) as c:
        rated = c.post(f"/v1/applications/{case['id']}/rating", json={"score": 2, "comment": "等待时间太长"})
        assert rated.status_code == 201, rated.text
        problem(c.post(f"/v1/applications/{case['id']}/rating", json={"score": 5, "comment": ""}), 409)
    [task] = [t for t in demo.tasks(HZ_CLERK, kind="rectification") if t["application_id"] == case["id"]]
    assert task["rectification_id"] == rated.json()["rectification_id"] and task["due_time"]
    with demo.client(HZ_APPROVER) as c:
        closed = c.post(f"/v1/rectifications/{task['id']}/close", json={"callback": "已电话回访", "outcome": "优化了审核流程"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.text


def test_send_back_for_more_materials_and_resubmit(demo: Demo) -> None:
    case = submitted(demo)
    returned = demo.act(HZ_CLERK, case, "return", "请上传清晰的身份证复印件")
    assert returned.status_code == 200 and returned.json()["status"] == "returned" and returned.json()["clock_paused"]
    with demo.client(CITIZEN) as c:
        url = f"/v1/applications/{case['id']}/materials"
        problem(c.post(url, files={"file": ("id.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")}), 415)
        problem(c.post(url, files={"file": ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf")}), 413)
        uploaded = c.post(url, files={"file": ("id.pdf", PDF, "application/octet-stream")}, data={"material_code": "id-card"})
    assert uploaded.status_code == 201, uploaded.text
    material = uploaded.json()
    assert material["content_type"] == "application/pdf" and len(material["sha256"]) == 64 and material["size_bytes"] == len(PDF)
    problem(demo.act(CITIZEN, returned.json(), "resubmit"), 422)
    again = demo.act(CITIZEN, returned.json(), "resubmit", material_ids=[material["id"]])
    assert again.status_code == 200 and again.json()["status"] == "submitted" and not again.json()["clock_paused"]
    assert [m["id"] for m in again.json()["materials"]] == [material["id"]]


def test_the_applicant_corrects_the_form_with_the_resubmission_and_no_one_else_can(demo: Demo) -> None:
    case = submitted(demo)
    returned = demo.act(HZ_CLERK, case, "return", "申请人姓名有误").json()
    with demo.client(CITIZEN) as c:
        uploaded = c.post(f"/v1/applications/{case['id']}/materials", files={"file": ("id.pdf", PDF, "application/pdf")}, data={"material_code": "id-card"})
    assert uploaded.status_code == 201, uploaded.text
    mids = [uploaded.json()["id"]]
    bad = problem(demo.act(CITIZEN, returned, "resubmit", material_ids=mids, form={**FORM, "applicant_name": "张"}), 422)
    assert [e["field"] for e in bad["errors"]] == ["form.applicant_name"]
    assert problem(demo.act(HZ_CLERK, returned, "resubmit", material_ids=mids, form=FORM), 403)["code"] == "form_correction_not_allowed"
    assert problem(demo.act(CITIZEN, case, "accept", etag=f'"{returned["version"]}"', form=FORM), 409)["code"] == "action_not_allowed"
    corrected = {**FORM, "applicant_name": "张晓明"}
    done = demo.act(CITIZEN, returned, "resubmit", "已更正姓名", material_ids=mids, form=corrected)
    assert done.status_code == 200, done.text
    assert done.json()["form"] == corrected and [t["action"] for t in done.json()["timeline"][-2:]] == ["correct_form", "resubmit"]
    assert demo.case(HZ_CLERK, case["id"]).json()["form"] == corrected
    accepted = demo.act(HZ_CLERK, done.json(), "accept", form=corrected)
    assert problem(accepted, 403)["code"] == "form_correction_not_allowed"
    assert problem(demo.act(CITIZEN, done.json(), "resubmit", material_ids=mids, form=corrected), 409)["code"] == "action_not_allowed"
    assert problem(demo.act(CITIZEN, done.json(), "accept", form=corrected), 400)["code"] == "form_not_allowed"


def test_polyglots_active_pdfs_and_svg_are_refused_and_file_names_are_cleaned(demo: Demo) -> None:
    case = submitted(demo)
    with demo.client(CITIZEN) as c:
        url = f"/v1/applications/{case['id']}/materials"
        for name, content, declared in (("photo.png", samples.PNG_HTML_AFTER_END, "image/png"),
                                        ("photo.png", samples.PNG_HTML_IN_TEXT, "image/png"),
                                        ("form.pdf", samples.PDF_OPEN_JS, "application/pdf"),
                                        ("form.pdf", samples.PDF_ATTACHMENT_PACKED, "application/pdf")):
            assert problem(c.post(url, files={"file": (name, content, declared)}), 422)["code"] == "active_content"
        problem(c.post(url, files={"file": ("logo.svg", samples.SVG, "image/svg+xml")}), 415)
        renamed = c.post(url, files={"file": ("invoice\u202egpj.exe", samples.JPEG, "image/jpeg")})
    assert renamed.status_code == 201, renamed.text
    assert (renamed.json()["filename"], renamed.json()["content_type"]) == ("invoicegpj.exe.jpg", "image/jpeg")


def test_staff_of_another_city_can_neither_see_nor_act_and_bad_input_is_problem_json(demo: Demo) -> None:
    case = submitted(demo)
    problem(demo.case(NB_CLERK, case["id"]), 404)
    problem(demo.act(NB_CLERK, case, "accept"), 404)
    assert all(t["application_id"] != case["id"] for t in demo.tasks(NB_CLERK))
    assert problem(demo.act(HZ_CLERK, case, "accept", etag=""), 428)["code"] == "precondition_required"
    assert problem(demo.act(HZ_CLERK, case, "accept", etag='"99"'), 412)["code"] == "stale_version"
    problem(demo.act(CITIZEN, case, "accept"), 403)
    problem(demo.act(HZ_APPROVER, case, "approve"), 409)
    bad = problem(demo.apply(form={**FORM, "phone": "12345"}), 422)
    assert [e["field"] for e in bad["errors"]] == ["form.phone"]
    problem(demo.apply(key=f"k-{uuid.uuid4()}", form={"applicant_name": "张"}), 422)


def test_two_staff_acting_at_once_one_wins_and_the_other_gets_412(demo: Demo) -> None:
    case = submitted(demo)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda args: demo.act(*args), [(HZ_CLERK, case, "accept", ""), (HZ_CLERK_2, case, "return", "缺材料")]))
    assert sorted(r.status_code for r in results) == [200, 412], [r.text for r in results]


def test_claim_and_assign_in_the_mobile_office(demo: Demo) -> None:
    case = submitted(demo)
    with demo.client(HZ_CLERK) as c:
        assert c.post(f"/v1/tasks/{case['id']}/claim").json()["assignee_id"]
    with demo.client(HZ_CLERK_2) as c:
        problem(c.post(f"/v1/tasks/{case['id']}/claim"), 409)
    clerk_2 = next(u for u in demo.p.client(demo.tokens[HZ_ADMIN]).get("/v1/tenants/hangzhou/staff").json()["items"]
                   if "clerk" in json.dumps(u["roles"]) and u["name"] == "杭州市受理员二")
    with demo.client(HZ_ADMIN) as c:
        assigned = c.post(f"/v1/tasks/{case['id']}/assign", json={"assignee_id": clerk_2["id"]})
    assert assigned.status_code == 200, assigned.text
    mine = demo.tasks(HZ_CLERK_2, assignee="me")
    assert case["id"] in [t["id"] for t in mine]


def _workflow_processes(home: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if "services.workflow" in (proc.info["cmdline"] or []) and proc.environ().get("MGOV_HOME") == str(home):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def test_the_workflow_process_killed_mid_case_is_restarted_and_the_case_continues(demo: Demo) -> None:
    case = submitted(demo)
    accepted = demo.act(HZ_CLERK, case, "accept")
    assert accepted.status_code == 200
    [before] = _workflow_processes(demo.p.home)
    before.kill()
    before.wait(10)
    deadline = time.monotonic() + 60
    while not [p for p in _workflow_processes(demo.p.home) if p.pid != before.pid]:
        assert time.monotonic() < deadline, "the supervisor did not restart the workflow process"
        time.sleep(0.2)
    demo.p.wait_ready()  # the restarted workflow answers the gateway's own channel
    approved = demo.act(HZ_APPROVER, accepted.json(), "approve")
    assert approved.status_code == 200 and approved.json()["status"] == "completed", approved.text


@pytest.fixture
def second_workflow(demo: Demo, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Another workflow process (a replica) on the same database and NATS, its own port."""
    [first] = _workflow_processes(demo.p.home)
    env = dict(first.environ())
    env["MGOV_WORKFLOW_PORT"] = str(free_port())
    if "MGOV_METRICS_PORT" in env:  # the first process serves its metrics there
        env["MGOV_METRICS_PORT"] = str(free_port())
    log = (tmp_path / "workflow-2.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "services.workflow"], cwd=repo_root(), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        from launcher.probes import grpc_serving

        deadline = time.monotonic() + 30
        while not asyncio.run(grpc_serving(f"127.0.0.1:{env['MGOV_WORKFLOW_PORT']}")):
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "workflow-2.log").read_text()
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


async def _breaches(nats_url: str, application_id: str, settle_s: float) -> list[dict]:
    """Every sla.breached event of the case on the stream, read until none came for `settle_s`."""
    import nats

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe("mgov.evt.hangzhou.workflow.sla.breached", ordered_consumer=True)
        found: list[dict] = []
        while True:
            try:
                msg = await sub.next_msg(timeout=settle_s)
            except nats.errors.TimeoutError:
                return found
            event = json.loads(msg.data)
            if event["subject"] == application_id:
                found.append(event)
    finally:
        await nc.close()


def test_an_sla_breach_fires_exactly_once_with_two_workflow_processes(demo: Demo, second_workflow: subprocess.Popen[bytes]) -> None:
    case = submitted(demo)
    [first] = [p for p in _workflow_processes(demo.p.home) if p.pid != second_workflow.pid]
    nats_url = first.environ()["MGOV_NATS_URL"]
    clock = demo.p.home / "workflow-clock.json"
    clock.write_text(json.dumps({"offset_s": 60 * 86400}))  # both processes now live sixty days ahead
    try:
        deadline = time.monotonic() + 30
        events: list[dict] = []
        while len(events) < 2:  # the state's and the case's
            assert time.monotonic() < deadline, events
            events = asyncio.run(_breaches(nats_url, case["id"], settle_s=0.5))
        events = asyncio.run(_breaches(nats_url, case["id"], settle_s=3.0))  # several timer rounds of both processes
        assert sorted(e["data"]["scope"] for e in events) == ["case", "state"]
        assert all(e["data"]["escalate_to_roles"] == ["supervisor"] and e["tenant"] == "hangzhou" for e in events)
        assert second_workflow.poll() is None
    finally:
        clock.unlink(missing_ok=True)


def test_saving_a_workflow_definition_validates_it_and_names_the_problem(demo: Demo) -> None:
    with demo.client(HZ_ADMIN) as c:
        inherited = c.get("/v1/tenants/hangzhou/workflows/standard")
        assert inherited.status_code == 200 and inherited.json()["tenant_id"] == "zhejiang", inherited.text
        body = {k: inherited.json()[k] for k in ("name", "start_state", "states", "actions")}
        body["actions"][0]["roles"] = ["clerk", "mayor"]
        bad = problem(c.put("/v1/tenants/hangzhou/workflows/hz-express", json=body), 422)
        assert [(e["field"], e["code"]) for e in bad["errors"]] == [("definition.actions[0].roles[1]", "unknown_role")]
        body["actions"][0]["roles"] = ["clerk"]
        body["states"].append({"name": "archived", "label": {"zh": "归档"}, "terminal": True})
        assert problem(c.put("/v1/tenants/hangzhou/workflows/hz-express", json=body), 422)["errors"][0]["code"] == "unreachable_state"
        body["states"].pop()
        saved = c.put("/v1/tenants/hangzhou/workflows/hz-express", json=body)
        assert saved.status_code == 201 and saved.json()["version"] == 1 and saved.headers["etag"] == '"1"', saved.text
        problem(c.put("/v1/tenants/hangzhou/workflows/hz-express", json=body, headers={"If-Match": '"7"'}), 412)
        assert c.put("/v1/tenants/hangzhou/workflows/hz-express", json=body, headers={"If-Match": '"1"'}).json()["version"] == 2
    with demo.client(CITIZEN) as c:
        problem(c.put("/v1/tenants/hangzhou/workflows/hz-express", json=body, headers={"If-Match": '"2"'}), 403)


def test_an_idempotency_key_reused_by_another_caller_is_refused_with_409(demo: Demo) -> None:
    case = demo.apply().json()
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    with demo.client(HZ_CLERK) as c:
        returned = c.post(f"/v1/applications/{case['id']}/actions", json={"action": "return", "comment": "请补充材料"},
                          headers={**key, "If-Match": f'"{case["version"]}"'})
        assert returned.status_code == 200, returned.text
        repeat = c.post(f"/v1/applications/{case['id']}/actions", json={"action": "return", "comment": "请补充材料"},
                        headers={**key, "If-Match": f'"{case["version"]}"'})
        assert repeat.status_code == 200 and repeat.json()["version"] == returned.json()["version"]
    with demo.client(CITIZEN) as c:  # the clerk's key on the applicant's resubmit: refused, not a silent 200
        reused = c.post(f"/v1/applications/{case['id']}/actions", json={"action": "resubmit"},
                        headers={**key, "If-Match": f'"{returned.json()["version"]}"'})
    assert problem(reused, 409)["code"] == "idempotency_key_reused"


def _b64(value: object) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("token", [
    _b64({"k": "apps", "v": [123, "5f0c3e8e-4a55-4c8e-9f6e-2f4b9c1a0d11"]}),  # a hand-made token of the old codec
    _b64({"k": "apps", "v": ["2026-13-45T99:00:00", "5f0c3e8e-4a55-4c8e-9f6e-2f4b9c1a0d11"]}),  # a bad date
    _b64([1, 2, 3]),  # a list
    "not-a-token", "x" * 3000,
])
def test_a_crafted_page_token_is_400_invalid_page_token_never_500(demo: Demo, token: str) -> None:
    with demo.client(CITIZEN) as c:
        assert problem(c.get("/v1/applications", params={"page_token": token}), 400)["code"] == "invalid_page_token"


def test_a_page_token_of_one_query_is_refused_by_another_and_pages_are_items_and_next_page_token(demo: Demo) -> None:
    for _ in range(2):
        assert demo.apply().status_code == 201
    with demo.client(CITIZEN) as c:
        first = c.get("/v1/applications", params={"page_size": 1})
        assert first.status_code == 200 and set(first.json()) == {"items", "next_page_token"}
        token = first.json()["next_page_token"]
        assert token and len(first.json()["items"]) == 1
        assert c.get("/v1/applications", params={"page_size": 1, "page_token": token}).status_code == 200
        other = c.get("/v1/applications", params={"page_size": 1, "page_token": token, "status": "completed"})
        assert problem(other, 400)["code"] == "invalid_page_token"
        assert problem(c.get("/v1/applications", params={"page_size": -1}), 400)["code"] == "invalid_page_size"
    with demo.client(HZ_CLERK) as c:  # another caller's token (the same list for someone else)
        assert problem(c.get("/v1/applications", params={"page_size": 1, "page_token": token}), 400)["code"] == "invalid_page_token"
