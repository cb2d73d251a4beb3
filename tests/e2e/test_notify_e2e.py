"""Notifications through the gateway against the real processes of `mgov up` (demo
mode). Events come from the real workflow service (a citizen applies, a clerk acts)
except where the test needs the exact same event twice: then it publishes a
well-formed platform event to the platform's NATS itself, as the workflow's outbox
relay would after a crash between publishing and committing."""

from __future__ import annotations

import asyncio
import json
import queue
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mgov_common.events.envelope import CloudEvent
from tests.e2e.conftest import DemoPlatform

CITIZEN, HZ_CLERK = "13900000100", "13900000011"
FORM = {"applicant_name": "张小明", "id_number": "330106199001011234", "phone": "13900000100"}


class Stream(threading.Thread):
    """An open SSE connection to /v1/notifications/stream, its events in a queue."""

    def __init__(self, base_url: str, token: str, last_event_id: str | None = None) -> None:
        super().__init__(daemon=True)
        self.headers = {"authorization": f"Bearer {token}", **({"Last-Event-ID": last_event_id} if last_event_id else {})}
        self.base_url = base_url
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.opened = threading.Event()
        self.status = 0
        self.content_type = ""
        self._response: httpx.Response | None = None

    def run(self) -> None:
        try:
            with httpx.Client(base_url=self.base_url, timeout=httpx.Timeout(10, read=60)) as client, \
                    client.stream("GET", "/v1/notifications/stream", headers=self.headers) as resp:
                self._response, self.status, self.content_type = resp, resp.status_code, resp.headers.get("content-type", "")
                self.opened.set()
                event: dict[str, str] = {}
                for line in resp.iter_lines():
                    if not line:
                        if "data" in event:
                            self.events.put({**event, "json": json.loads(event["data"])})
                        event = {}
                    elif not line.startswith(":"):
                        key, _, value = line.partition(":")
                        event[key] = value.removeprefix(" ")
        except Exception:  # noqa: BLE001 - closed by the test
            pass
        finally:
            self.opened.set()

    def next(self, match: Callable[[dict[str, Any]], bool], timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, "no matching event on the stream"
            event = self.events.get(timeout=left)
            if match(event["json"]):
                return event

    def close(self) -> None:
        if self._response is not None:
            self._response.close()


@pytest.fixture
def open_stream(demo_platform: DemoPlatform) -> Iterator[Callable[..., Stream]]:
    streams: list[Stream] = []

    def opener(token: str, last_event_id: str | None = None) -> Stream:
        s = Stream(demo_platform.base_url, token, last_event_id)
        s.start()
        assert s.opened.wait(15)
        streams.append(s)
        return s

    yield opener
    for s in streams:
        s.close()


@pytest.fixture(scope="module")
def tokens(demo_platform: DemoPlatform) -> dict[str, str]:
    return {who: demo_platform.sign_in(who)["access_token"] for who in (CITIZEN, HZ_CLERK)}


@pytest.fixture(scope="module")
def service_id(demo_platform: DemoPlatform) -> str:
    with demo_platform.client() as c:
        found = c.get("/v1/tenants/hangzhou/services", params={"q": "杭州市民卡"}).json()["items"]
    return next(i["id"] for i in found if i["name"]["zh"] == "杭州市民卡申领")


def new_citizen(p: DemoPlatform) -> tuple[str, str]:
    made = p.register(f"137{random.randrange(10**8):08d}", "notify e2e passphrase")
    return made["user_id"], made["access_token"]


def apply(p: DemoPlatform, token: str, service_id: str) -> dict[str, Any]:
    with p.client(token) as c:
        resp = c.post("/v1/applications", json={"service_id": service_id, "form": FORM})
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


def inbox(p: DemoPlatform, token: str, **params: Any) -> dict[str, Any]:
    with p.client(token) as c:
        resp = c.get("/v1/notifications", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def wait_for(p: DemoPlatform, token: str, match: Callable[[dict[str, Any]], bool], timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [n for n in inbox(p, token, page_size=100)["items"] if match(n)]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError("the notification never arrived")


def problem(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    return resp.json()  # type: ignore[no-any-return]


def test_an_application_reaches_the_citizens_open_stream_and_inbox_and_the_clerks_inbox_and_a_stream_resumes(
        demo_platform: DemoPlatform, tokens: dict[str, str], service_id: str, open_stream: Callable[..., Stream]) -> None:
    stream = open_stream(tokens[CITIZEN])
    assert (stream.status, stream.content_type.split(";")[0]) == (200, "text/event-stream")
    case = apply(demo_platform, tokens[CITIZEN], service_id)
    live = stream.next(lambda n: case["case_number"] in n["body"])
    assert live["event"] == "notification" and live["id"] == live["json"]["id"]
    assert live["json"]["category"] == "case_progress" and live["json"]["link"] == f"/applications/{case['id']}"
    listed = inbox(demo_platform, tokens[CITIZEN])
    assert listed["items"][0]["id"] == live["id"] and listed["unread_count"] >= 1 and listed["items"][0]["read"] is False
    task = wait_for(demo_platform, tokens[HZ_CLERK], lambda n: case["case_number"] in n["body"])
    assert task["category"] == "task" and task["title"] == "新的待办"

    # The clerk accepts; a stream reopened with the last id it saw gets the progress it missed.
    stream.close()
    with demo_platform.client(tokens[HZ_CLERK]) as c:
        acted = c.post(f"/v1/applications/{case['id']}/actions", json={"action": "accept"}, headers={"If-Match": f'"{case["version"]}"'})
    assert acted.status_code == 200, acted.text
    progressed = wait_for(demo_platform, tokens[CITIZEN], lambda n: case["case_number"] in n["body"] and n["id"] != live["id"])
    resumed = open_stream(tokens[CITIZEN], last_event_id=live["id"])
    assert resumed.next(lambda n: case["case_number"] in n["body"])["id"] == progressed["id"]


def test_the_same_event_delivered_twice_gives_one_notification(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    import nats

    with demo_platform.client(tokens[CITIZEN]) as c:
        me = c.get("/v1/me").json()["id"]

    def event(case_number: str) -> CloudEvent:
        data = {"application_id": str(uuid.uuid4()), "case_number": case_number, "tenant_id": "hangzhou", "service_id": str(uuid.uuid4()),
                "service_version": 1, "service_name": {"zh": "测试事项", "en": "Test item"}, "applicant_id": me, "status": "submitted",
                "previous_status": "", "action": "submit", "actor": {"kind": "user", "id": me, "tenant_id": "hangzhou"}, "comment": "",
                "assignee_id": None, "eligible_roles": [], "due_at": None, "terminal": False}
        return CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant="hangzhou", subject=data["application_id"], data=data)

    twice, marker = event("HZ-2026-990001"), event("HZ-2026-990002")

    async def publish() -> None:
        nc = await nats.connect(demo_platform.nats_url)
        try:
            js = nc.jetstream()
            for msg_id, e in ((f"{twice.id}-a", twice), (f"{twice.id}-b", twice), (str(marker.id), marker)):
                await js.publish(e.platform_subject(), e.to_json().encode(), headers={"Nats-Msg-Id": msg_id})
        finally:
            await nc.close()

    asyncio.run(publish())
    wait_for(demo_platform, tokens[CITIZEN], lambda n: n["event_id"] == str(marker.id))  # handled after both copies
    items = inbox(demo_platform, tokens[CITIZEN], page_size=100)["items"]
    assert [n["event_id"] for n in items].count(str(twice.id)) == 1


def test_an_opt_out_is_respected_and_case_outcomes_stay_on(demo_platform: DemoPlatform, tokens: dict[str, str], service_id: str) -> None:
    _, token = new_citizen(demo_platform)
    with demo_platform.client(token) as c:
        defaults = c.get("/v1/me/preferences").json()
        assert {"category": "case_outcome", "channel": "in_app", "enabled": True} in defaults["channels"]
        locked = c.put("/v1/me/preferences", json={"channels": [{"category": "case_outcome", "channel": "in_app", "enabled": False}]})
        assert problem(locked, 409)["code"] == "locked_preference"
        bad = c.put("/v1/me/preferences", json={"channels": [{"category": "case_progress", "channel": "fax", "enabled": False}],
                                                "quiet_hours": {"enabled": True, "start": "25:00", "end": "07:00"}})
        assert {e["field"] for e in problem(bad, 422)["errors"]} == {"channels[0].channel"}
        saved = c.put("/v1/me/preferences", json={"channels": [{"category": "case_progress", "channel": "in_app", "enabled": False}]})
        assert saved.status_code == 200 and {"category": "case_progress", "channel": "in_app", "enabled": False} in saved.json()["channels"]
    case = apply(demo_platform, token, service_id)
    with demo_platform.client(tokens[HZ_CLERK]) as c:
        sent_back = c.post(f"/v1/applications/{case['id']}/actions", json={"action": "return", "comment": "请补充户口簿首页"},
                           headers={"If-Match": f'"{case["version"]}"'})
    assert sent_back.status_code == 200, sent_back.text
    returned = wait_for(demo_platform, token, lambda n: case["case_number"] in n["body"])
    assert returned["title"] == "请补正材料" and "请补充户口簿首页" in returned["body"] and returned["category"] == "case_outcome"
    # The submission came first on the same ordered stream and was not put in the inbox.
    assert [n["category"] for n in inbox(demo_platform, token, page_size=100)["items"]] == ["case_outcome"]
    # The SMS of the send-back went to the demo outbox (with the registered phone).
    outbox = demo_platform.home / "notify" / "sms-outbox.jsonl"
    deadline = time.monotonic() + 20
    while not (outbox.exists() and case["case_number"] in outbox.read_text()):
        assert time.monotonic() < deadline, "the SMS never reached the demo outbox"
        time.sleep(0.1)


def test_a_user_can_neither_see_nor_mark_another_users_notifications(demo_platform: DemoPlatform, tokens: dict[str, str],
                                                                      service_id: str) -> None:
    case = apply(demo_platform, tokens[CITIZEN], service_id)
    mine = wait_for(demo_platform, tokens[CITIZEN], lambda n: case["case_number"] in n["body"])
    with demo_platform.client(tokens[HZ_CLERK]) as c:
        assert problem(c.post(f"/v1/notifications/{mine['id']}/read"), 404)["code"] == "notification_not_found"
        assert problem(c.post("/v1/notifications/not-an-id/read"), 422)["code"] == "invalid_id"
        assert all(n["recipient_id"] != mine["recipient_id"] for n in c.get("/v1/notifications", params={"page_size": 100}).json()["items"])
    with demo_platform.client() as c:
        assert problem(c.get("/v1/notifications"), 401)["code"] == "unauthenticated"
        assert problem(c.get("/v1/notifications/stream"), 401)["code"] == "unauthenticated"
    with demo_platform.client(tokens[CITIZEN]) as c:
        before = c.get("/v1/notifications").json()["unread_count"]
        marked = c.post(f"/v1/notifications/{mine['id']}/read")
        assert marked.json() == {"id": mine["id"], "read": True, "changed": True}
        assert c.get("/v1/notifications").json()["unread_count"] == before - 1
        assert c.post("/v1/notifications/read-all").status_code == 200
        assert c.get("/v1/notifications").json()["unread_count"] == 0
        import base64

        forged = base64.urlsafe_b64encode(json.dumps(["inbox:0::", ["x"]]).encode()).decode()
        for params in ({"page_token": "bm9wZQ"}, {"page_token": forged}):
            assert problem(c.get("/v1/notifications", params=params), 400)["code"] == "invalid_page_token"
        assert problem(c.get("/v1/notifications", params={"category": "gossip"}), 422)["errors"][0]["field"] == "category"


def test_devices_bad_input_is_problem_json_and_a_device_is_its_owners(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    with demo_platform.client() as c:
        key = c.get("/v1/devices/web-push-key")
    assert key.status_code == 200 and len(key.json()["vapid_public_key"]) == 87
    with demo_platform.client(tokens[CITIZEN]) as c:
        assert problem(c.post("/v1/devices", json={"platform": "blackberry", "token": "tok-0123456789"}), 422)["code"] == "unknown_platform"
        assert problem(c.post("/v1/devices", json={"platform": "ios", "token": ""}), 422)["errors"][0]["field"] == "token"
        assert problem(c.post("/v1/devices", json={"platform": "ios", "token": "   "}), 422)["code"] == "required"
        assert problem(c.post("/v1/devices", json={"platform": "ios", "token": "tok-0123456789", "name": "a\u0007b"}), 422)["code"] == "invalid_characters"
        web = json.dumps({"endpoint": "https://attacker.example/collect", "keys": {"p256dh": "x", "auth": "y"}})
        assert problem(c.post("/v1/devices", json={"platform": "web", "token": web}), 422)["errors"][0]["field"] == "token"
        made = c.post("/v1/devices", json={"platform": "harmony", "token": f"hms-{uuid.uuid4().hex}", "name": "Mate 60"})
        assert made.status_code == 201 and made.json()["platform"] == "harmony", made.text
        device = made.json()
        assert device["id"] in [d["id"] for d in c.get("/v1/devices").json()["items"]]
    with demo_platform.client(tokens[HZ_CLERK]) as c:
        assert problem(c.delete(f"/v1/devices/{device['id']}"), 404)["code"] == "device_not_found"
    with demo_platform.client(tokens[CITIZEN]) as c:
        assert c.delete(f"/v1/devices/{device['id']}").status_code == 204
        assert c.delete(f"/v1/devices/{device['id']}").status_code == 204  # idempotent


def test_tenant_admins_save_templates_and_read_their_delivery_log(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    admin = demo_platform.sign_in("13900000010")["access_token"]  # Hangzhou's admin
    body = {"key": "application.returned", "channel": "sms", "locale": "zh-CN", "body": "【杭州】申请{{ case_number }}需补正：{{ comment }}"}
    with demo_platform.client(admin) as c:
        saved = c.post("/v1/tenants/hangzhou/notification-templates", json=body)
        assert saved.status_code == 201, saved.text
        assert (saved.json()["version"], saved.json()["channel"], saved.json()["tenant_id"]) == (1, "sms", "hangzhou")
        again = c.post("/v1/tenants/hangzhou/notification-templates", json=body)
        assert again.json()["version"] == 2
        bad = problem(c.post("/v1/tenants/hangzhou/notification-templates", json={**body, "body": "{{ password }}"}), 422)
        assert bad["code"] == "invalid_template" and bad["errors"][0]["code"] == "unknown_placeholder"
        assert problem(c.post("/v1/tenants/hangzhou/notification-templates", json={**body, "channel": "fax"}), 422)["code"] == "unknown_channel"
        assert problem(c.post("/v1/tenants/ningbo/notification-templates", json=body), 403)["code"] == "forbidden"
        assert problem(c.post("/v1/tenants/No.Where/notification-templates", json=body), 404)["code"] == "tenant_not_found"
        assert problem(c.get("/v1/tenants/hangzhou/notification-deliveries", params={"recipient_id": "a b"}), 422)["code"] == "invalid_id"
        log = c.get("/v1/tenants/hangzhou/notification-deliveries", params={"channel": "in_app", "page_size": 5})
        assert log.status_code == 200 and log.json()["items"], log.text
        assert {d["channel"] for d in log.json()["items"]} == {"in_app"} and all(d["tenant_id"] == "hangzhou" for d in log.json()["items"])
    with demo_platform.client(tokens[CITIZEN]) as c:
        assert problem(c.get("/v1/tenants/hangzhou/notification-deliveries"), 403)["code"] == "forbidden"
        assert problem(c.post("/v1/tenants/hangzhou/notification-templates", json=body), 403)["code"] == "forbidden"
