"""Tenant back-office systems against the real processes of `mgov up` (demo mode, NATS
with authorization): a simulated city system runs as a separate process with nats-py
and the credentials the platform issued it (tests/e2e/city_system.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.conftest import repo_root
from tests.e2e.conftest import DemoPlatform

CITIZEN, HZ_ADMIN, NB_ADMIN_PROVINCE = "13900000100", "13900000010", "13900000000"
FORM = {"applicant_name": "张小明", "id_number": "330106199001011234", "phone": "13900000100"}
ALL_TYPES = ["mgov.case.status_changed.v1", "mgov.catalog.item.updated.v1", "mgov.notice.published.v1"]


class CitySystem:
    """The separate process, one JSON command per line."""

    def __init__(self, nats_creds: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.e2e.city_system", json.dumps(nats_creds)], cwd=repo_root(),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(self._line()) == {"ready": True}

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"the city system exited with {self.proc.poll()}"
        return line

    def __call__(self, op: str, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self._line())  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(10)
            except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def tokens(demo_platform: DemoPlatform) -> dict[str, str]:
    return {who: demo_platform.sign_in(who)["access_token"] for who in (CITIZEN, HZ_ADMIN, NB_ADMIN_PROVINCE)}


def register(p: DemoPlatform, admin_token: str, tenant: str = "hangzhou", types: list[str] | None = None,
             webhook_url: str | None = None) -> dict[str, Any]:
    with p.client(admin_token) as c:
        resp = c.post(f"/v1/tenants/{tenant}/systems", json={"name": f"city-{uuid.uuid4().hex[:8]}", "event_types": types or ALL_TYPES,
                                                            "webhook_url": webhook_url})
    assert resp.status_code == 201, resp.text
    assert resp.headers["cache-control"] == "no-store"
    return resp.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def city(demo_platform: DemoPlatform, tokens: dict[str, str]) -> Iterator[tuple[dict[str, Any], CitySystem]]:
    creds = register(demo_platform, tokens[HZ_ADMIN])
    system = CitySystem(creds["nats"])
    try:
        yield creds, system
    finally:
        system.close()


def event(creds: dict[str, Any], type_: str, subject: str | None, data: Any, **extra: Any) -> dict[str, Any]:
    ev = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": f"tenant/hangzhou/{creds['system_id']}", "type": type_,
          "time": datetime.now(UTC).isoformat(), "datacontenttype": "application/json", "data": data, "tenant": "hangzhou", **extra}
    if subject is not None:
        ev["subject"] = subject
    return ev


def subject_of(creds: dict[str, Any], type_: str, tenant: str = "hangzhou") -> str:
    return f"mgov.ingest.{tenant}.{creds['system_id']}.{type_.removeprefix('mgov.')}"


def system_token(p: DemoPlatform, creds: dict[str, Any], basic: bool = False) -> httpx.Response:
    with p.client() as c:
        if basic:
            auth = base64.b64encode(f"{creds['client_id']}:{creds['client_secret']}".encode()).decode()
            return c.post("/v1/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {auth}"})
        return c.post("/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": creds["client_id"],
                                               "client_secret": creds["client_secret"]})


def submitted_case(p: DemoPlatform, tokens: dict[str, str]) -> dict[str, Any]:
    with p.client() as c:
        found = c.get("/v1/tenants/hangzhou/services", params={"q": "杭州市民卡"}).json()["items"]
    [item] = [i for i in found if i["name"]["zh"] == "杭州市民卡申领"]
    with p.client(tokens[CITIZEN]) as c:
        resp = c.post("/v1/applications", json={"service_id": item["id"], "form": FORM})
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


def eventually(probe: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.1)


def case_as_citizen(p: DemoPlatform, tokens: dict[str, str], case_id: str) -> dict[str, Any]:
    with p.client(tokens[CITIZEN]) as c:
        resp = c.get(f"/v1/applications/{case_id}")
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def test_a_city_system_moves_a_citizens_case_over_nats(demo_platform: DemoPlatform, tokens: dict[str, str], city: Any) -> None:
    creds, system = city
    assert system("subscribe", subject="mgov.evt.hangzhou.workflow.>") == {"ok": True}
    case = submitted_case(demo_platform, tokens)
    ev = event(creds, "mgov.case.status_changed.v1", case["id"], {"action": "accept", "comment": "不动产登记系统已受理"})
    ack = system("publish", subject=subject_of(creds, ev["type"]), event=ev)
    assert ack["ok"] and not ack["duplicate"], ack
    moved = eventually(lambda: (c := case_as_citizen(demo_platform, tokens, case["id"]))["status"] == "under_review" and c,
                       "the case moving to under_review")
    last = moved["timeline"][-1]
    assert last["action"] == "accept" and last["comment"] == "不动产登记系统已受理", last
    assert json.dumps(last).count(creds["system_id"]) >= 1, last  # attributed to the system
    # The system hears its own tenant's platform events over NATS.
    seen = system("next", timeout=20)
    assert seen["ok"] and seen["subject"].startswith("mgov.evt.hangzhou.workflow."), seen


def test_the_server_refuses_another_tenants_subjects(city: Any) -> None:
    creds, system = city
    ev = event(creds, "mgov.case.status_changed.v1", str(uuid.uuid4()), {"action": "accept"}, tenant="ningbo")
    refused = system("publish", subject=subject_of(creds, ev["type"], tenant="ningbo"), event=ev)
    assert not refused["ok"], refused
    assert system("wait_error", contains="publish to \"mgov.ingest.ningbo.")["ok"]
    other = f"mgov.ingest.hangzhou.{uuid.uuid4()}.case.status_changed.v1"  # another system's prefix in its own tenant
    assert not system("publish", subject=other, event=ev)["ok"]
    system("subscribe", subject="mgov.evt.ningbo.>")
    assert system("wait_error", contains="subscription to \"mgov.evt.ningbo.>\"")["ok"]
    system("subscribe", subject="mgov.evt.>")
    assert system("wait_error", contains="subscription to \"mgov.evt.>\"")["ok"]
    system("subscribe", subject="$JS.API.>")
    assert system("wait_error", contains="subscription to \"$JS.API.>\"")["ok"]


def test_http_ingest_checks_the_tenant_of_the_credential(demo_platform: DemoPlatform, tokens: dict[str, str], city: Any) -> None:
    creds, _ = city
    form, basic = system_token(demo_platform, creds), system_token(demo_platform, creds, basic=True)
    assert form.status_code == 200 and basic.status_code == 200, (form.text, basic.text)
    assert form.headers["cache-control"] == "no-store" and form.json()["token_type"] == "Bearer"
    wrong = system_token(demo_platform, {**creds, "client_secret": "x" * 40})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    token = form.json()["access_token"]
    case = submitted_case(demo_platform, tokens)
    ev = event(creds, "mgov.case.status_changed.v1", case["id"], {"action": "accept"})
    with demo_platform.client(token) as c:
        other_tenant = c.post("/v1/tenants/ningbo/events", json={**ev, "tenant": "ningbo", "source": f"tenant/ningbo/{creds['system_id']}"})
        claims_other = c.post("/v1/tenants/hangzhou/events", json={**ev, "tenant": "ningbo"})
        bad_data = c.post("/v1/tenants/hangzhou/events", json={**ev, "data": {"action": 7}})
        ok = c.post("/v1/tenants/hangzhou/events", json=ev)
    assert other_tenant.status_code == 403 and other_tenant.headers["content-type"].startswith("application/problem+json")
    assert other_tenant.json()["code"] == "tenant_mismatch"
    assert claims_other.status_code == 403 and claims_other.json()["code"] == "tenant_mismatch"
    assert bad_data.status_code == 422 and bad_data.json()["code"] == "invalid_data"
    assert ok.status_code == 202, ok.text
    eventually(lambda: case_as_citizen(demo_platform, tokens, case["id"])["status"] == "under_review", "the HTTP-ingested accept")
    # A user (even the tenant's admin) is not a system.
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        assert c.post("/v1/tenants/hangzhou/events", json=ev).status_code == 403


def test_a_replayed_event_is_applied_once(demo_platform: DemoPlatform, tokens: dict[str, str], city: Any) -> None:
    creds, system = city
    case = submitted_case(demo_platform, tokens)
    ev = event(creds, "mgov.case.status_changed.v1", case["id"], {"action": "accept", "comment": "once"})
    first = system("publish", subject=subject_of(creds, ev["type"]), event=ev)
    again = system("publish", subject=subject_of(creds, ev["type"]), event=ev)
    assert first["ok"] and again["ok"] and again["duplicate"], (first, again)
    token = system_token(demo_platform, creds).json()["access_token"]
    with demo_platform.client(token) as c:
        over_http = c.post("/v1/tenants/hangzhou/events", json=ev)
    assert over_http.status_code == 202 and over_http.json()["duplicate"] is True
    moved = eventually(lambda: (c := case_as_citizen(demo_platform, tokens, case["id"]))["status"] == "under_review" and c, "the accept")
    # A later, distinct event proves the router has passed the replays: they added nothing.
    ev2 = event(creds, "mgov.case.status_changed.v1", case["id"], {"action": "approve", "comment": "done"})
    assert system("publish", subject=subject_of(creds, ev2["type"]), event=ev2)["ok"]
    done = eventually(lambda: (c := case_as_citizen(demo_platform, tokens, case["id"]))["status"] == "completed" and c, "the approve")
    assert [t["action"] for t in done["timeline"] if t.get("action") == "accept"] == ["accept"]
    assert done["version"] == moved["version"] + 1


def test_a_refused_nats_event_is_listed_to_the_tenant_admin(demo_platform: DemoPlatform, tokens: dict[str, str], city: Any) -> None:
    creds, system = city
    bad = event(creds, "mgov.case.status_changed.v1", str(uuid.uuid4()), {"action": "accept", "extra": True})
    claims = event(creds, "mgov.notice.published.v1", None, {"title": {"zh": "通知"}, "body": {"zh": "正文"}}, tenant="ningbo")
    no_case = event(creds, "mgov.case.status_changed.v1", str(uuid.uuid4()), {"action": "accept"})  # not a case of its tenant
    for ev in (bad, claims, no_case):
        assert system("publish", subject=subject_of(creds, ev["type"]), event=ev)["ok"]

    def listed() -> dict[str, dict[str, Any]]:
        with demo_platform.client(tokens[HZ_ADMIN]) as c:
            resp = c.get("/v1/tenants/hangzhou/rejected-events")
        assert resp.status_code == 200, resp.text
        found = {i["event_id"]: i for i in resp.json()["items"]}
        return found if {bad["id"], claims["id"], no_case["id"]} <= found.keys() else {}

    found = eventually(listed, "the rejected events being listed")
    assert found[bad["id"]]["code"] == "invalid_data" and found[bad["id"]]["system_id"] == creds["system_id"]
    assert found[claims["id"]]["code"] == "tenant_mismatch"
    assert found[no_case["id"]]["code"] == "application_not_found", found[no_case["id"]]
    with demo_platform.client(tokens[CITIZEN]) as c:
        assert c.get("/v1/tenants/hangzhou/rejected-events").status_code == 403


def test_a_notice_from_a_city_system_is_published(demo_platform: DemoPlatform, tokens: dict[str, str], city: Any) -> None:
    creds, system = city
    title = f"停水通知 {uuid.uuid4().hex[:6]}"
    ev = event(creds, "mgov.notice.published.v1", None, {"title": {"zh": title}, "body": {"zh": "明日上午停水。"}})
    assert system("publish", subject=subject_of(creds, ev["type"]), event=ev)["ok"]

    def listed() -> bool:
        with demo_platform.client() as c:
            items = c.get("/v1/tenants/hangzhou/notices").json()["items"]
        return any(n["title"]["zh"] == title for n in items)

    eventually(listed, "the notice being listed")


def test_a_revoked_credential_stops_working_without_a_restart(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    creds = register(demo_platform, tokens[HZ_ADMIN], types=["mgov.notice.published.v1"])
    system = CitySystem(creds["nats"])
    try:
        token = system_token(demo_platform, creds).json()["access_token"]
        assert system("connect_fresh") == {"ok": True}
        with demo_platform.client(token) as c:
            assert c.get("/v1/tenants/hangzhou/notices").status_code == 200
        # Rotation: the old password stops, the new one works.
        with demo_platform.client(tokens[HZ_ADMIN]) as c:
            rotated = c.post(f"/v1/tenants/hangzhou/systems/{creds['system_id']}/rotate")
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()
        assert new["nats"]["password"] != creds["nats"]["password"] and new["system"]["credentials_version"] == 2
        assert system_token(demo_platform, creds).status_code == 401
        assert system_token(demo_platform, new).status_code == 200
        eventually(lambda: not system("connect_fresh")["ok"], "the old NATS password being refused")
        with demo_platform.client(tokens[HZ_ADMIN]) as c:
            revoked = c.delete(f"/v1/tenants/hangzhou/systems/{creds['system_id']}")
        assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
        # The connection made with the old password was closed (kicked), and nothing gets in any more.
        assert system("wait_disconnected", timeout=20)["ok"]
        probe = subprocess.run([sys.executable, "-c", (
            "import asyncio, nats, json, sys\n"
            "c = json.loads(sys.argv[1])\n"
            "async def m():\n"
            "    try:\n"
            "        nc = await nats.connect(c['url'], user=c['user'], password=c['password'], allow_reconnect=False, max_reconnect_attempts=0)\n"
            "    except Exception as e:\n"
            "        print('refused', e); return\n"
            "    print('connected')\n"
            "asyncio.run(m())\n"), json.dumps(new["nats"])], capture_output=True, text=True, timeout=30, cwd=repo_root())
        assert probe.stdout.startswith("refused") and "Authorization Violation" in probe.stdout, probe.stdout + probe.stderr
        assert system_token(demo_platform, new).status_code == 401
        ev = event(creds, "mgov.notice.published.v1", None, {"title": {"zh": "x"}, "body": {"zh": "y"}})

        def http_refused() -> bool:
            with demo_platform.client(token) as c:
                return c.post("/v1/tenants/hangzhou/events", json=ev).status_code == 401

        eventually(http_refused, "HTTP ingest refusing the revoked system's token")

        def any_route_refused() -> bool:
            with demo_platform.client(token) as c:
                resp = c.get("/v1/tenants/hangzhou/notices")
            return resp.status_code == 401 and resp.json()["code"] == "system_revoked"

        # Its unexpired access token is refused on every route, not only on ingest.
        eventually(any_route_refused, "every gateway route refusing the revoked system's token")
        with demo_platform.client(tokens[HZ_ADMIN]) as c:
            listed = c.get("/v1/tenants/hangzhou/systems", params={"include_revoked": "true"}).json()["items"]
        [row] = [s for s in listed if s["id"] == creds["system_id"]]
        assert row["status"] == "revoked" and "client_secret" not in row
    finally:
        system.close()


def test_systems_are_managed_only_by_their_tenants_admins(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    nb_clerk = demo_platform.sign_in("13900000021")["access_token"]
    with demo_platform.client(nb_clerk) as c:
        assert c.post("/v1/tenants/ningbo/systems", json={"name": "x", "event_types": ALL_TYPES}).status_code == 403
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        assert c.post("/v1/tenants/ningbo/systems", json={"name": "x", "event_types": ALL_TYPES}).status_code == 403
        assert c.get("/v1/tenants/ningbo/systems").status_code == 403
        bad = c.post("/v1/tenants/hangzhou/systems", json={"name": "x", "event_types": ["mgov.workflow.application.submitted.v1"]})
        assert bad.status_code == 422 and bad.json()["code"] == "unknown_event_type", bad.text


class Receiver:
    """A real HTTP server on a free loopback port that records (and can refuse) webhook calls."""

    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[tuple[dict[str, str], bytes, int]] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                status = 503 if len(outer.calls) < outer.fail_first else 204
                outer.calls.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), headers["x-mgov-timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["x-mgov-signature"])


def test_a_webhook_receiver_gets_its_tenants_events_signed(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    receiver = Receiver()
    try:
        creds = register(demo_platform, tokens[HZ_ADMIN], types=["mgov.notice.published.v1"], webhook_url=receiver.url)
        secret = creds["webhook_secret"]
        case = submitted_case(demo_platform, tokens)

        def got() -> list[dict[str, Any]]:
            events = [json.loads(body) for _, body, _ in receiver.calls]
            return [e for e in events if e.get("subject") == case["id"]]

        [submitted] = eventually(got, "the webhook call")
        headers, body, _ = next(c for c in receiver.calls if json.loads(c[1]).get("subject") == case["id"])
        assert headers["content-type"].startswith("application/cloudevents+json")
        assert verify(secret, headers, body) and not verify("another secret", headers, body)
        assert abs(int(headers["x-mgov-timestamp"]) - time.time()) < 300
        assert submitted["type"] == "mgov.workflow.application.submitted.v1" and submitted["tenant"] == "hangzhou"
        assert all(json.loads(b)["tenant"] == "hangzhou" for _, b, _ in receiver.calls)  # never another tenant's

        def logged() -> list[dict[str, Any]]:
            with demo_platform.client(tokens[HZ_ADMIN]) as c:
                items = c.get("/v1/tenants/hangzhou/webhook-deliveries", params={"system_id": creds["system_id"]}).json()["items"]
            return [d for d in items if d["status"] == "delivered"]

        assert eventually(logged, "the delivery log")[0]["last_status_code"] == 204
    finally:
        receiver.close()


def test_an_item_update_from_a_city_system_localises_an_inherited_item(demo_platform: DemoPlatform, tokens: dict[str, str],
                                                                       city: Any) -> None:
    creds, _ = city
    with demo_platform.client() as c:
        items = c.get("/v1/tenants/hangzhou/services", params={"page_size": 100}).json()["items"]
    inherited = next(i for i in items if i["tenant_id"] == "zhejiang" and not i.get("inherited_from"))
    agency = f"杭州市{uuid.uuid4().hex[:4]}服务中心"
    ev = event(creds, "mgov.catalog.item.updated.v1", None,
               {"service_id": inherited["id"], "fields": {"agency": agency, "department": "便民服务科"}})
    token = system_token(demo_platform, creds).json()["access_token"]
    with demo_platform.client(token) as c:
        assert c.post("/v1/tenants/hangzhou/events", json=ev).status_code == 202

    def localised() -> dict[str, Any] | None:
        with demo_platform.client() as c:
            listed = c.get("/v1/tenants/hangzhou/services", params={"page_size": 100}).json()["items"]
        return next((i for i in listed if i["tenant_id"] == "hangzhou" and i.get("agency") == agency), None)

    item = eventually(localised, "the localisation being published")
    assert item["department"] == "便民服务科"
    # The next version of its own localisation, over NATS this time.
    _, system = city
    department = f"政务服务科{uuid.uuid4().hex[:4]}"
    ev2 = event(creds, "mgov.catalog.item.updated.v1", None, {"service_id": item["id"], "fields": {"department": department}})
    assert system("publish", subject=subject_of(creds, ev2["type"]), event=ev2)["ok"]

    def republished() -> dict[str, Any] | None:
        with demo_platform.client() as c:
            got = c.get(f"/v1/services/{item['id']}")
        return got.json() if got.status_code == 200 and got.json().get("department") == department else None

    again = eventually(republished, "the NATS item update being published")
    assert again["agency"] == agency and again["version"] == item["version"] + 1, again


def test_an_event_id_is_scoped_to_its_tenant_and_system(demo_platform: DemoPlatform, tokens: dict[str, str], city: Any) -> None:
    """A Hangzhou system that uses an id first does not make Ningbo's event with that id a duplicate."""
    creds, hz_system = city
    nb_creds = register(demo_platform, tokens[NB_ADMIN_PROVINCE], tenant="ningbo", types=["mgov.notice.published.v1"])
    nb_system = CitySystem(nb_creds["nats"])
    try:
        shared = str(uuid.uuid4())
        titles = {t: f"同号通知 {t} {uuid.uuid4().hex[:6]}" for t in ("hangzhou", "ningbo")}
        hz = {**event(creds, "mgov.notice.published.v1", None, {"title": {"zh": titles["hangzhou"]}, "body": {"zh": "x"}}), "id": shared}
        nb = {**event(nb_creds, "mgov.notice.published.v1", None, {"title": {"zh": titles["ningbo"]}, "body": {"zh": "y"}}),
              "id": shared, "tenant": "ningbo", "source": f"tenant/ningbo/{nb_creds['system_id']}"}
        first = hz_system("publish", subject=subject_of(creds, hz["type"]), event=hz)
        second = nb_system("publish", subject=subject_of(nb_creds, nb["type"], tenant="ningbo"), event=nb)
        assert first["ok"] and second["ok"] and not second["duplicate"], (first, second)

        def listed(tenant: str) -> bool:
            with demo_platform.client() as c:
                items = c.get(f"/v1/tenants/{tenant}/notices", params={"own_only": "true"}).json()["items"]
            return any(n["title"]["zh"] == titles[tenant] for n in items)

        eventually(lambda: listed("hangzhou"), "Hangzhou's notice")
        eventually(lambda: listed("ningbo"), "Ningbo's notice with the same event id")
    finally:
        nb_system.close()


def test_http_ingest_bounds_size_and_depth_before_parsing(demo_platform: DemoPlatform, city: Any) -> None:
    creds, _ = city
    token = system_token(demo_platform, creds).json()["access_token"]
    headers = {"content-type": "application/json"}
    with demo_platform.client(token) as c:
        deep = c.post("/v1/tenants/hangzhou/events", content="[" * 50000 + "]" * 50000, headers=headers)
        big = c.post("/v1/tenants/hangzhou/events", content=b"{" + b" " * (300 * 1024) + b"}", headers=headers)

        def chunks() -> Iterator[bytes]:  # no Content-Length: read only up to the limit
            for _ in range(300):
                yield b" " * 1024

        streamed = c.post("/v1/tenants/hangzhou/events", content=chunks(), headers=headers)
    # The gateway's own guard answers first (every JSON body), as ingest itself would.
    assert deep.status_code == 422 and deep.json()["code"] == "json_too_deep", deep.text
    assert deep.headers["content-type"].startswith("application/problem+json")
    assert big.status_code == 413 and big.json()["code"] == "payload_too_large", big.text
    assert streamed.status_code == 413 and streamed.json()["code"] == "payload_too_large", streamed.text
