"""网上预约 over HTTP on the demo platform (`mgov up`: real processes, database, NATS):
the demo halls, booking with an Idempotency-Key, a full slot's 409 with suggestions,
check-in and calls at the desk on the slot's day (the demo clock moved there), another
tenant's staff refused, and the problems bad input gets."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.e2e.conftest import DemoPlatform

ITEM = "482f791f-ec73-5751-8d4d-887d7dfd4159"  # 个体工商户营业执照办理
CITIZEN, HZ_CLERK, NB_CLERK, HZ_ADMIN = "13900000100", "13900000011", "13900000021", "13900000010"


def _client(demo: DemoPlatform, phone: str) -> httpx.Client:
    return demo.client(demo.sign_in(phone)["access_token"])


def _hangzhou_hall(c: httpx.Client) -> dict:
    halls = c.get("/v1/halls", params={"tenant_id": "hangzhou", "service_id": ITEM})
    assert halls.status_code == 200, halls.text
    return next(h for h in halls.json()["items"] if h["tenant_id"] == "hangzhou")


@pytest.fixture
def moved_clock(demo_platform: DemoPlatform) -> Iterator[object]:
    clock = demo_platform.home / "workflow-clock.json"

    def move_to(when: datetime) -> None:
        clock.write_text(json.dumps({"offset_s": (when - datetime.now(timezone.utc)).total_seconds()}))

    try:
        yield move_to
    finally:
        clock.unlink(missing_ok=True)


def test_halls_slots_booking_a_full_slot_and_the_desk(demo_platform: DemoPlatform, moved_clock) -> None:  # type: ignore[no-untyped-def]
    with _client(demo_platform, CITIZEN) as me, _client(demo_platform, HZ_CLERK) as desk, _client(demo_platform, NB_CLERK) as other:
        listed = me.get("/v1/halls", params={"tenant_id": "hangzhou", "service_id": ITEM}).json()["items"]
        assert {h["name"]["zh"] for h in listed} == {"杭州市民中心政务服务大厅", "西湖区政务服务中心"}  # the city's and the county's
        hall = _hangzhou_hall(me)
        first = me.get(f"/v1/halls/{hall['id']}/slots", params={"service_id": ITEM}).json()["bookable_dates"][0]
        slots = me.get(f"/v1/halls/{hall['id']}/slots", params={"service_id": ITEM, "date": first}).json()["items"]
        slot = next(s for s in slots if s["available"] == s["capacity"])
        key = str(uuid.uuid4())
        body = {"hall_id": hall["id"], "service_id": ITEM, "slot_start_time": slot["start_time"]}
        made = me.post("/v1/appointments", json=body, headers={"Idempotency-Key": key})
        assert made.status_code == 201, made.text
        appt = made.json()
        assert appt["status"] == "booked" and len(appt["code"]) == 8 and appt["qr_payload"].endswith(appt["code"])
        assert made.headers["location"] == f"/v1/appointments/{appt['id']}" and appt["application_id"] is None
        again = me.post("/v1/appointments", json=body, headers={"Idempotency-Key": key})
        assert again.status_code == 201 and again.json()["id"] == appt["id"]

        # the desk closes the rest of the slot: one seat, taken; the next booker is offered others
        closed = desk.post(f"/v1/halls/{hall['id']}/slot-capacity", json={"service_id": ITEM, "start_time": slot["start_time"], "capacity": 1})
        assert closed.status_code == 200 and (closed.json()["capacity"], closed.json()["available"]) == (1, 0), closed.text
        full = other.post("/v1/appointments", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert full.status_code == 409 and full.headers["content-type"] == "application/problem+json", full.text
        problem = full.json()
        assert problem["code"] == "slot_full" and len(problem["suggested_slots"]) == 3
        assert all(s["start_time"] > slot["start_time"] and s["available"] > 0 for s in problem["suggested_slots"])

        refused = other.post(f"/v1/halls/{hall['id']}/check-ins", json={"code": appt["code"]})
        assert refused.status_code == 403 and refused.json()["code"] == "not_hall_staff"

        start = datetime.fromisoformat(slot["start_time"].replace("Z", "+00:00"))
        moved_clock(start + timedelta(minutes=5))
        deadline = time.monotonic() + 20
        while True:  # the services look at the demo clock file anew on every reading
            checked = desk.post(f"/v1/halls/{hall['id']}/check-ins", json={"code": appt["qr_payload"]})
            if checked.status_code != 409 or checked.json()["code"] != "not_today" or time.monotonic() > deadline:
                break
        assert checked.status_code == 200, checked.text
        assert checked.json()["status"] == "checked_in" and checked.json()["ticket_number"] >= 1
        mine = me.get(f"/v1/appointments/{appt['id']}").json()
        assert mine["ticket_number"] == checked.json()["ticket_number"]
        queue = desk.get(f"/v1/halls/{hall['id']}/queue").json()
        assert appt["id"] in [a["id"] for a in queue["waiting"]]
        called = desk.post(f"/v1/halls/{hall['id']}/calls")
        while called.status_code == 200 and called.json()["id"] != appt["id"]:
            called = desk.post(f"/v1/halls/{hall['id']}/calls")
        assert called.status_code == 200 and called.json()["status"] == "called"
        stats = desk.get(f"/v1/halls/{hall['id']}/stats", params={"start_date": first, "end_date": first})
        assert stats.status_code == 200 and sum(r["check_ins"] for r in stats.json()["items"]) >= 1


def test_bad_appointment_input_gets_problems_not_errors(demo_platform: DemoPlatform) -> None:
    with _client(demo_platform, CITIZEN) as me:
        hall = _hangzhou_hall(me)
        cases = [
            (me.post("/v1/appointments", json={"hall_id": "nope", "service_id": ITEM, "slot_start_time": "2026-12-01T01:00:00Z"}), 422, "invalid_id"),
            (me.post("/v1/appointments", json={"hall_id": hall["id"], "service_id": ITEM, "slot_start_time": "2026-12-01T01:07:00Z"}), 422, "slot_not_bookable"),
            (me.post("/v1/appointments", json={"hall_id": hall["id"], "service_id": ITEM}), 422, "validation_failed"),
            (me.get(f"/v1/halls/{hall['id']}/slots", params={"service_id": str(uuid.uuid4()), "date": "2026-12-01"}), 404, "service_not_at_hall"),
            (me.get(f"/v1/halls/{hall['id']}/slots", params={"service_id": ITEM, "date": "12/01"}), 422, "invalid_date"),
            (me.get(f"/v1/appointments/{uuid.uuid4()}"), 404, "appointment_not_found"),
            (me.post(f"/v1/halls/{hall['id']}/calls"), 403, "not_hall_staff"),
            (me.post("/v1/halls", json={"tenant_id": "hangzhou", "name": {"zh": "x"}, "opening_hours": [], "windows": 1}), 403, "not_hall_admin"),
        ]
        for resp, status, code in cases:
            assert (resp.status_code, resp.json().get("code")) == (status, code), resp.text
    with demo_platform.client() as anonymous:
        assert anonymous.post("/v1/appointments", json={}).status_code == 401
    with _client(demo_platform, HZ_ADMIN) as admin:
        bad = admin.post("/v1/halls", json={"tenant_id": "hangzhou", "name": {"zh": "新大厅"}, "windows": 2,
                                            "opening_hours": [{"weekday": 1, "open": "12:00", "close": "09:00"}]})
        assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["hall.opening_hours[0].close"], bad.text


def test_a_booking_links_only_the_citizens_own_case(demo_platform: DemoPlatform) -> None:
    from tests.e2e.browser.steps import PASSWORD, case_filed_through_the_api, registered_citizen

    phone = registered_citizen(demo_platform)
    case = case_filed_through_the_api(demo_platform, phone)
    with demo_platform.client(demo_platform.sign_in(phone, PASSWORD)["access_token"]) as owner, _client(demo_platform, CITIZEN) as stranger:
        hall = next(h for h in owner.get("/v1/halls", params={"tenant_id": "xihu", "service_id": ITEM}).json()["items"])
        day = owner.get(f"/v1/halls/{hall['id']}/slots", params={"service_id": ITEM}).json()["bookable_dates"][-1]
        slot = next(s for s in owner.get(f"/v1/halls/{hall['id']}/slots", params={"service_id": ITEM, "date": day}).json()["items"] if s["available"])
        body = {"hall_id": hall["id"], "service_id": ITEM, "slot_start_time": slot["start_time"], "application_id": case["id"]}
        foreign = stranger.post("/v1/appointments", json=body)
        assert (foreign.status_code, foreign.json()["code"]) == (404, "case_not_found"), foreign.text
        linked = owner.post("/v1/appointments", json=body)
        assert linked.status_code == 201 and linked.json()["application_id"] == case["id"], linked.text
        invented = owner.post("/v1/appointments", json={**body, "application_id": str(uuid.uuid4())})
        assert (invented.status_code, invented.json()["code"]) == (404, "case_not_found")
