"""`mgov up` survives its own servers dying: the embedded NATS and PostgreSQL are killed
with SIGKILL and come back by themselves, nothing accepted is lost, and health tells
"degraded" (NATS away: 200) from "down" (a service cannot serve: 503).

To see the platform *during* an outage the test holds the dead server's port for a
moment (the supervisor's restart then fails and is retried with backoff, as it would
be for any other obstacle); once the port is free the server is back without anyone
acting. Every wait is on a signal (`/readyz`, the inbox, the supervisor's log) with a
deadline, never a bare sleep.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from launcher.pg_placement import discard
from tests.e2e.test_platform import Platform, start, stop, wait_for_log, wait_ready

CITIZEN, PASSWORD = "13900000100", "mgov-demo-2026"
FORM = {"applicant_name": "张小明", "id_number": "330106199001011234", "phone": "13900000100"}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    tmp = tmp_path_factory.mktemp("supervision")
    p = start(tmp / "home", tmp, MGOV_DEMO="1")
    try:
        wait_ready(p)
        yield p
    finally:
        stop(p)
        discard(p.home / "postgres")


@pytest.fixture(scope="module")
def token(platform: Platform) -> str:
    resp = httpx.post(f"{platform.gateway}/v1/auth/token", json={"username": CITIZEN, "password": PASSWORD}, timeout=15)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["access_token"])


@pytest.fixture(scope="module")
def service_id(platform: Platform) -> str:
    found = httpx.get(f"{platform.gateway}/v1/tenants/hangzhou/services", params={"q": "杭州市民卡"}, timeout=15).json()["items"]
    return str(next(i["id"] for i in found if i["name"]["zh"] == "杭州市民卡申领"))


def until(check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f}s"
        time.sleep(0.1)


def readyz(p: Platform) -> httpx.Response:
    return httpx.get(f"{p.gateway}/readyz", timeout=5)


def server_process(p: Platform, name: str) -> psutil.Process | None:
    """The supervised server `name` ("nats-server" or "postgres": the postmaster)."""
    for child in psutil.Process(p.proc.pid).children():
        if Path(child.cmdline()[0]).name == name:
            return child
    return None


@contextmanager
def kill_and_hold_port(p: Platform, name: str, port: int) -> Iterator[psutil.Process]:
    """SIGKILL the server and keep its port taken until the block ends (its restart is
    refused meanwhile), so the test can look at the platform while the server is away.
    The holder closes every connection at once: clients see a server that is gone,
    not one that hangs."""
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    stop = threading.Event()
    try:
        for _ in range(20):
            victim = until(lambda: server_process(p, name), f"{name} running under mgov up")
            victim.kill()
            psutil.wait_procs([victim], timeout=10)
            try:
                holder.bind(("127.0.0.1", port))
                break
            except OSError:
                continue  # the supervisor was quicker: kill the new one again
        else:
            raise AssertionError(f"could not take port {port} after killing {name}")
        holder.listen(64)
        holder.settimeout(0.1)

        def refuse() -> None:
            while not stop.is_set():
                try:
                    conn, _ = holder.accept()
                except OSError:
                    continue
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()  # a reset, at once

        refuser = threading.Thread(target=refuse, daemon=True)
        refuser.start()
        yield victim
    finally:
        stop.set()
        holder.close()


def apply(p: Platform, token: str, service_id: str, key: str) -> httpx.Response:
    return httpx.post(f"{p.gateway}/v1/applications", json={"service_id": service_id, "form": FORM}, timeout=15,
                      headers={"authorization": f"Bearer {token}", "Idempotency-Key": key})


def notifications_by_case(p: Platform, token: str) -> dict[str, int]:
    """How many notifications the citizen has per case link (every page)."""
    counts: dict[str, int] = {}
    page = ""
    while True:
        resp = httpx.get(f"{p.gateway}/v1/notifications", params={"page_size": 100, "page_token": page}, timeout=15,
                         headers={"authorization": f"Bearer {token}"})
        assert resp.status_code == 200, resp.text
        for n in resp.json()["items"]:
            counts[n["link"]] = counts.get(n["link"], 0) + 1
        page = resp.json().get("next_page_token", "")
        if not page:
            return counts


def my_case_ids(p: Platform, token: str) -> set[str]:
    ids: set[str] = set()
    page = ""
    while True:
        resp = httpx.get(f"{p.gateway}/v1/applications", params={"page_size": 100, "page_token": page}, timeout=15,
                         headers={"authorization": f"Bearer {token}"})
        assert resp.status_code == 200, resp.text
        ids |= {a["id"] for a in resp.json()["items"]}
        page = resp.json().get("next_page_token", "")
        if not page:
            return ids


def test_a_killed_nats_comes_back_by_itself_readyz_says_degraded_meanwhile_and_every_case_is_notified_once(
        platform: Platform, token: str, service_id: str) -> None:
    accepted: list[str] = []
    with kill_and_hold_port(platform, "nats-server", platform.ports["NATS"]) as victim:
        degraded = until(lambda: (r := readyz(platform)).status_code == 200 and "workflow: nats_disconnected" in r.json()["reasons"] and r.json(),
                         "/readyz 200 naming the workflow service degraded while NATS is down")
        assert degraded["status"] == "degraded" and set(degraded["services"].values()) == {"SERVING"}
        for _ in range(5):
            resp = apply(platform, token, service_id, str(uuid.uuid4()))
            assert resp.status_code == 201, resp.text  # the outbox keeps the events
            accepted.append(resp.json()["id"])
        waiting = until(lambda: (r := readyz(platform).json())["outbox_backlog"] >= 5 and r, "the events waiting in the outbox")
        assert waiting["status"] == "degraded"
    wait_for_log(platform, "nats exited with code -9; restarting")
    until(lambda: readyz(platform).json()["status"] == "ready", "ready again once NATS is back")
    assert until(lambda: server_process(platform, "nats-server"), "NATS running").pid != victim.pid
    links = {f"/applications/{case}" for case in accepted}
    counts = until(lambda: (c := notifications_by_case(platform, token)) and all(link in c for link in links) and c,
                   "a notification for every case accepted while NATS was down")
    assert {link: counts[link] for link in links} == {link: 1 for link in links}


def test_a_killed_postgres_comes_back_by_itself_requests_meanwhile_get_503_and_no_accepted_case_is_lost(
        platform: Platform, token: str, service_id: str) -> None:
    before = apply(platform, token, service_id, str(uuid.uuid4()))
    assert before.status_code == 201, before.text
    with kill_and_hold_port(platform, "postgres", platform.ports["POSTGRES"]):
        refused = apply(platform, token, service_id, str(uuid.uuid4()))  # a hang would fail on the client's timeout
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) >= 1
        down = until(lambda: (r := readyz(platform)).status_code == 503 and r, "/readyz 503 while no service can reach its database")
        assert down.headers["content-type"].startswith("application/problem+json")
    wait_for_log(platform, "postgres exited with code -9; restarting")
    until(lambda: readyz(platform).status_code == 200, "ready again once PostgreSQL is back")
    after = until(lambda: (r := apply(platform, token, service_id, str(uuid.uuid4()))).status_code == 201 and r,
                  "a case accepted after the restart")
    cases = {before.json()["id"], after.json()["id"]}
    assert cases <= my_case_ids(platform, token)
    links = {f"/applications/{case}" for case in cases}
    counts = until(lambda: (c := notifications_by_case(platform, token)) and all(link in c for link in links) and c,
                   "a notification for the cases accepted before and after the restart")
    assert {link: counts[link] for link in links} == {link: 1 for link in links}
