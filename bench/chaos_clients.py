"""The load of `make chaos-local`: citizens submitting cases with Idempotency-Keys.

Each client submits one case after another. A key is kept until its request is
accepted: a failed attempt (503 during a restart, a refused connection while the
gateway is down, a timeout) is retried with the same key after the server's
`Retry-After` (capped), exactly what the key is for. So a case is accepted at most once
per key whatever fails in between, and "doubled" means the platform broke that promise.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import httpx

FORM = {"applicant_name": "张小明", "id_number": "330106199001011234", "phone": "13900000100"}
MAX_RETRY_WAIT_S = 1.0


@dataclass
class Accepted:
    case_id: str
    key: str
    at: float  # monotonic time the 201 came back


@dataclass
class Load:
    """What every client saw; `window` is the label of the fault in progress."""

    window: str = "warm-up"
    accepted: list[Accepted] = field(default_factory=list)
    accepted_by_window: dict[str, int] = field(default_factory=dict)
    failed_by_window: dict[str, int] = field(default_factory=dict)
    gap_by_window: dict[str, float] = field(default_factory=dict)
    ids_by_key: dict[str, set[str]] = field(default_factory=dict)
    window_of_case: dict[str, str] = field(default_factory=dict)
    last_accepted_at: float = 0.0
    stopping: bool = False

    def _count(self, table: dict[str, int]) -> None:
        table[self.window] = table.get(self.window, 0) + 1

    def record_gap(self, gap: float) -> None:
        self.gap_by_window[self.window] = max(self.gap_by_window.get(self.window, 0.0), gap)


async def client(base_url: str, token: str, service_id: str, load: Load) -> None:
    """Submit until `load.stopping`; then finish the key in hand (bounded by the caller)."""
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as http:
        last_ok: float | None = None  # gaps count from the first accepted request on
        key: str | None = None
        while True:
            key = key or str(uuid.uuid4())
            wait = 0.0
            try:
                resp = await http.post("/v1/applications", json={"service_id": service_id, "form": FORM}, headers={"Idempotency-Key": key})
            except httpx.HTTPError:
                resp, wait = None, 0.2
            now = time.monotonic()
            if resp is not None and resp.status_code in (200, 201):
                case_id = resp.json()["id"]
                load.ids_by_key.setdefault(key, set()).add(case_id)
                if case_id not in load.window_of_case:
                    load.window_of_case[case_id] = load.window
                    load.accepted.append(Accepted(case_id, key, now))
                load._count(load.accepted_by_window)
                load.last_accepted_at = now
                if last_ok is not None:
                    load.record_gap(now - last_ok)
                last_ok = now
                key = None
                if load.stopping:
                    return
                continue
            load._count(load.failed_by_window)
            if resp is not None:
                try:
                    wait = float(resp.headers.get("retry-after", "0.2"))
                except ValueError:
                    wait = 0.2
            if last_ok is not None:
                load.record_gap(now - last_ok)
            await asyncio.sleep(min(max(wait, 0.05), MAX_RETRY_WAIT_S))


async def pages(http: httpx.AsyncClient, path: str) -> list[dict[str, object]]:
    """Every item of a paged list route."""
    items: list[dict[str, object]] = []
    token = ""
    while True:
        resp = await http.get(path, params={"page_size": 100, "page_token": token})
        resp.raise_for_status()
        body = resp.json()
        items.extend(body["items"])
        token = body.get("next_page_token", "")
        if not token:
            return items


async def notification_counts(http: httpx.AsyncClient) -> dict[str, int]:
    """Notifications per case (by the link each carries) in the citizen's inbox."""
    counts: dict[str, int] = {}
    for n in await pages(http, "/v1/notifications"):
        link = str(n.get("link", ""))
        if link.startswith("/applications/"):
            case = link.removeprefix("/applications/")
            counts[case] = counts.get(case, 0) + 1
    return counts
