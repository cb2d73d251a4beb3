"""One hostile message from a tenant system never takes a service down: a deeply nested
array on the system's own ingest subjects, then a thousand valid events. Admission
(identity) and the consuming services (workflow for cases, catalog for notices) keep
their pids and keep serving, the valid events apply, and the hostile ones are listed to
the tenant admin with their reason."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg
import psutil

from tests.e2e.conftest import DemoPlatform
from tests.e2e.test_systems_e2e import HZ_ADMIN, CitySystem, event, eventually, register, subject_of

POISON = "[" * 50000 + "]" * 50000
VALID = 1000


def service_pids(p: DemoPlatform) -> dict[str, int]:
    """The pid of each service process of `mgov up` that takes part in ingest."""
    found = {}
    for child in psutil.Process(p.pid).children():
        line = " ".join(child.cmdline())
        for name in ("identity", "workflow", "catalog"):
            if f"services.{name}" in line:
                found[name] = child.pid
    assert len(found) == 3, found
    return found


def notices_titled(p: DemoPlatform, prefix: str) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(p.dsn)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM catalog.notices WHERE title->>'zh' LIKE $1", prefix + "%"))
        finally:
            await conn.close()

    return asyncio.run(count())


def applied_all(p: DemoPlatform, prefix: str, stall_s: float = 90) -> None:
    """Until all VALID notices exist; fails only when none was added for `stall_s` (on a
    loaded machine the thousand take minutes, but they keep coming)."""
    last, since = -1, time.monotonic()
    while (count := notices_titled(p, prefix)) < VALID:
        if count != last:
            last, since = count, time.monotonic()
        assert time.monotonic() - since < stall_s, f"applying stopped at {count} of {VALID}"
        time.sleep(0.5)


def test_a_poison_message_then_a_thousand_valid_events_leave_the_service_up(demo_platform: DemoPlatform) -> None:
    admin = demo_platform.sign_in(HZ_ADMIN)["access_token"]
    creds = register(demo_platform, admin)
    system = CitySystem(creds["nats"])
    try:
        before = service_pids(demo_platform)
        poisoned = [subject_of(creds, "mgov.case.status_changed.v1"), subject_of(creds, "mgov.notice.published.v1")]
        for subject in poisoned:
            assert system("publish_raw", subject=subject, data=POISON)["ok"]
        # A subject naming no type systems publish has no service to apply it: admission refuses it at once.
        unknown = f"mgov.ingest.hangzhou.{creds['system_id']}.anything.else.v1"
        refused = system("publish_raw", subject=unknown, data=POISON)
        assert not refused["ok"] and "names no event type" in refused["error"], refused
        prefix = f"公告-{uuid.uuid4().hex[:8]}-"
        valid = [event(creds, "mgov.notice.published.v1", None, {"title": {"zh": f"{prefix}{n}"}, "body": {"zh": "正文"}})
                 for n in range(VALID)]
        assert system("publish_many", subject=subject_of(creds, "mgov.notice.published.v1"), events=valid)["published"] == VALID

        applied_all(demo_platform, prefix)

        def listed() -> list[dict[str, Any]]:
            with demo_platform.client(admin) as c:
                resp = c.get("/v1/tenants/hangzhou/rejected-events", params={"page_size": 500})
            assert resp.status_code == 200, resp.text
            mine = [i for i in resp.json()["items"] if i["system_id"] == creds["system_id"]]
            return mine if len(mine) >= len(poisoned) + 1 else []

        rejected = {i["subject"]: i for i in eventually(listed, "the poison being listed as rejected")}
        assert sorted(rejected) == sorted([*poisoned, unknown])
        assert {rejected[s]["code"] for s in poisoned} == {"json_too_deep"}, rejected
        assert all("deeper than" in rejected[s]["reason"] for s in poisoned)
        assert rejected[unknown]["code"] == "unknown_type"
        assert service_pids(demo_platform) == before, "no service was restarted"
        demo_platform.sign_in(HZ_ADMIN)  # and it still serves
    finally:
        system.close()
