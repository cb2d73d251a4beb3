"""Quotas of a tenant system on ingest against the real processes of `mgov up`: one
bucket for its HTTP and NATS events; over HTTP the refusal is 429 problem+json with
Retry-After, over NATS an error answer to the publish, and both are listed to the
tenant admin as rejected with the reason."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import DemoPlatform
from tests.e2e.test_platform import start, stop, wait_ready
from tests.e2e.test_systems_e2e import HZ_ADMIN, CitySystem, event, eventually, register, subject_of, system_token

BURST = 3


@pytest.fixture(scope="module")
def quota_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoPlatform]:
    from launcher.up import demo_nats_url

    tmp = tmp_path_factory.mktemp("quota")
    # One event per 100 s after a burst of three: the refill plays no part in the test.
    p = start(tmp / "home", tmp, MGOV_DEMO="1", MGOV_INGEST_EVENTS_PER_S="0.01", MGOV_INGEST_BURST=str(BURST))
    try:
        wait_ready(p)
        yield DemoPlatform(p.gateway, p.home, p.home / "logs", "", demo_nats_url(p.ports["NATS"]), p.proc.pid)
    finally:
        stop(p, signal.SIGINT)


def notice(creds: dict[str, str], n: int) -> dict[str, object]:
    return event(creds, "mgov.notice.published.v1", None, {"title": {"zh": f"配额 {n}"}, "body": {"zh": "正文"}})


def test_a_system_over_its_quota_gets_429_over_http_and_a_refusal_over_nats(quota_platform: DemoPlatform, tmp_path: Path) -> None:
    p = quota_platform
    admin = p.sign_in(HZ_ADMIN)["access_token"]
    creds = register(p, admin, types=["mgov.notice.published.v1"])
    token = system_token(p, creds).json()["access_token"]
    sent = [notice(creds, n) for n in range(BURST + 2)]
    with p.client(token) as c:
        for ev in sent[:BURST]:
            assert c.post("/v1/tenants/hangzhou/events", json=ev).status_code == 202
        over = c.post("/v1/tenants/hangzhou/events", json=sent[BURST])
    assert over.status_code == 429 and over.headers["content-type"].startswith("application/problem+json"), over.text
    assert over.json()["code"] == "quota_exceeded" and 1 <= int(over.headers["retry-after"]) <= 100
    system = CitySystem(creds["nats"])
    try:
        refused = system("publish", subject=subject_of(creds, "mgov.notice.published.v1"), event=sent[BURST + 1])
    finally:
        system.close()
    assert not refused["ok"] and "429" in refused["error"], refused

    def listed() -> dict[str, dict[str, object]]:
        with p.client(admin) as c:
            items = c.get("/v1/tenants/hangzhou/rejected-events").json()["items"]
        found = {i["event_id"]: i for i in items if i["system_id"] == creds["system_id"]}
        return found if len(found) >= 2 else {}

    found = eventually(listed, "the refusals being listed")
    assert {found[str(ev["id"])]["code"] for ev in sent[BURST:]} == {"quota_exceeded"}
