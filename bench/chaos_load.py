"""The load of `make chaos`: citizens, staff, a tenant system and its webhook receiver.

- Citizens submit cases with an Idempotency-Key through either gateway; a failed attempt
  (503 during a restart, a refused connection, a timeout) is retried with the same key,
  on the other gateway, after the server's `Retry-After` (capped), as a phone behind a
  load balancer would.
- Staff (a Hangzhou clerk) accept half of the accepted cases, with If-Match and an
  Idempotency-Key, retried the same way.
- A tenant back-office system accepts the other half over HTTP ingest
  (`mgov.case.status_changed.v1`), retrying each event with its own id.
- The same system's webhook receiver counts every POST it gets, by event id.

Every request is counted (sent, accepted, failed by status) per kind and per fault
window, with the longest unavailability a client saw: from a request's first attempt
to its accepted answer, retries included.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

FORM = {"applicant_name": "张小明", "id_number": "330106199001011234", "phone": "13900000100"}
MAX_RETRY_WAIT_S = 1.0
MAX_BACKLOG = 20  # submitted cases waiting for the staff before citizens pause


@dataclass
class Load:
    """What every client saw; `window` is the label of the fault in progress."""

    gateways: list[str]
    window: str = "warm-up"
    stopping: bool = False
    sent: Counter[str] = field(default_factory=Counter)  # per kind
    accepted: Counter[str] = field(default_factory=Counter)
    failed: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, status)
    gap_by_window: dict[str, float] = field(default_factory=dict)
    requests_by_window: Counter[tuple[str, str]] = field(default_factory=Counter)  # (window, accepted|failed)
    case_by_key: dict[str, set[str]] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)  # accepted case -> version
    window_of_case: dict[str, str] = field(default_factory=dict)
    to_accept: asyncio.Queue[tuple[str, int]] = field(default_factory=asyncio.Queue)
    staff_accepted: set[str] = field(default_factory=set)
    system_events: dict[str, str] = field(default_factory=dict)  # accepted ingest event id -> case
    last_accepted_at: float = 0.0
    taken: int = 0  # cases the staff workers took from `to_accept`

    def record_gap(self, gap: float) -> None:
        self.gap_by_window[self.window] = max(self.gap_by_window.get(self.window, 0.0), gap)


async def _retrying(load: Load, kind: str, gateway: int, send: Any, ok: tuple[int, ...]) -> tuple[httpx.Response | None, int]:
    """`send(client)` until it answers one of `ok` (or the load stops and it failed
    once more); the other gateway after each failure. Returns the response and the
    gateway index that answered."""
    started = time.monotonic()
    while True:
        load.sent[kind] += 1
        base = load.gateways[gateway % len(load.gateways)]
        wait = 0.2
        try:
            async with httpx.AsyncClient(base_url=base, timeout=10) as http:
                resp: httpx.Response | None = await send(http)
        except httpx.HTTPError as exc:
            resp, status = None, type(exc).__name__
        else:
            status = str(resp.status_code)
        now = time.monotonic()
        if resp is not None and resp.status_code in ok:
            load.accepted[kind] += 1
            load.requests_by_window[(load.window, "accepted")] += 1
            # Unavailability as this client saw it: from its first attempt to the answer.
            load.record_gap(now - started)
            load.last_accepted_at = now
            return resp, gateway
        load.failed[(kind, status)] += 1
        load.requests_by_window[(load.window, "failed")] += 1
        if resp is not None:
            try:
                wait = float(resp.headers.get("retry-after", "0.2"))
            except ValueError:
                pass
            if resp.status_code < 500 and resp.status_code not in (401, 408, 409, 429):
                return resp, gateway  # refused for good: not a fault to retry through
        if load.stopping and now - started > 60:
            return None, gateway
        gateway += 1
        await asyncio.sleep(min(max(wait, 0.05), MAX_RETRY_WAIT_S))


async def citizen(load: Load, token: str, service_id: str, first_gateway: int) -> None:
    """Submit until the load stops; every key until it is accepted."""
    gateway = first_gateway
    headers = {"authorization": f"Bearer {token}"}
    while not load.stopping:
        if load.to_accept.qsize() > MAX_BACKLOG:  # steady load: staff keep up with citizens
            await asyncio.sleep(0.1)
            continue
        key = str(uuid.uuid4())
        resp, gateway = await _retrying(load, "submissions", gateway, lambda http, key=key: http.post(
            "/v1/applications", json={"service_id": service_id, "form": FORM}, headers={**headers, "Idempotency-Key": key}), (200, 201))
        if resp is None or resp.status_code not in (200, 201):
            continue
        case = resp.json()
        load.case_by_key.setdefault(key, set()).add(case["id"])
        if case["id"] not in load.cases:
            load.cases[case["id"]] = case["version"]
            load.window_of_case[case["id"]] = load.window
            await load.to_accept.put((case["id"], case["version"]))


async def staff(load: Load, token: str, system: "TenantSystem") -> None:
    """Accept the queued cases: the clerk every other one, the tenant system the rest."""
    headers = {"authorization": f"Bearer {token}"}
    while True:
        try:
            case_id, version = await asyncio.wait_for(load.to_accept.get(), 1.0)
        except TimeoutError:
            if load.stopping:
                return
            continue
        load.taken += 1
        n = load.taken
        if n % 2:
            await system.accept(load, case_id)
            continue
        key = str(uuid.uuid4())
        resp, _ = await _retrying(load, "staff_actions", n, lambda http, key=key, case_id=case_id, version=version: http.post(
            f"/v1/applications/{case_id}/actions", json={"action": "accept", "comment": "chaos"},
            headers={**headers, "If-Match": f'"{version}"', "Idempotency-Key": key}), (200,))
        if resp is not None and resp.status_code == 200:
            load.staff_accepted.add(case_id)


@dataclass
class TenantSystem:
    """A Hangzhou back-office system: client credentials, HTTP ingest."""

    system_id: str
    client_id: str
    client_secret: str
    token: str = ""

    async def _token(self, load: Load) -> str:
        if not self.token:
            resp, _ = await _retrying(load, "system_tokens", 0, lambda http: http.post("/v1/oauth/token", data={
                "grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}), (200,))
            assert resp is not None and resp.status_code == 200, resp.text if resp is not None else "no answer"
            self.token = resp.json()["access_token"]
        return self.token

    async def accept(self, load: Load, case_id: str) -> None:
        event_id = str(uuid.uuid4())
        event = {"specversion": "1.0", "id": event_id, "source": f"tenant/hangzhou/{self.system_id}",
                 "type": "mgov.case.status_changed.v1", "subject": case_id, "time": datetime.now(UTC).isoformat(),
                 "data": {"action": "accept", "comment": "chaos (system)"}}
        while True:
            token = await self._token(load)
            resp, _ = await _retrying(load, "system_events", 0, lambda http: http.post(
                "/v1/tenants/hangzhou/events", json=event, headers={"authorization": f"Bearer {token}"}), (202,))
            if resp is not None and resp.status_code == 401:
                self.token = ""  # expired: a new token, the same event id
                continue
            if resp is not None and resp.status_code == 202:
                load.system_events[event_id] = case_id
            return


class WebhookReceiver:
    """A loopback HTTP server that answers 204 to every POST and counts them by event id.

    It runs in threads of its own, not on the load's event loop: a receiver slowed by
    the load generator would answer after the platform's 5 s timeout and be sent the
    event again, a double of the bench's making."""

    def __init__(self, load: Load | None = None) -> None:
        self.received: Counter[str] = Counter()
        self.windows: dict[str, list[str]] = {}  # event id -> the fault window of each POST
        self.load = load
        self.server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    async def start(self) -> int:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                try:
                    event_id = str(json.loads(body)["id"])
                except (ValueError, KeyError, TypeError):
                    event_id = ""
                if event_id:
                    with outer._lock:
                        outer.received[event_id] += 1
                        outer.windows.setdefault(event_id, []).append(outer.load.window if outer.load else "")
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True, name="chaos-webhook-receiver").start()
        return int(self.server.server_address[1])

    async def stop(self) -> None:
        if self.server is not None:
            await asyncio.to_thread(self.server.shutdown)
            self.server.server_close()
