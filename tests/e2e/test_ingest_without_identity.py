"""Workflow applies tenant systems' case actions itself: an action already admitted applies
while the identity service is stopped (the processes of `mgov up`, demo mode)."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from typing import Any

import asyncpg
import psutil

from tests.e2e.conftest import DemoPlatform
from tests.e2e.test_systems_e2e import CITIZEN, HZ_ADMIN, CitySystem, event, eventually, register, subject_of, submitted_case


def service_pids(p: DemoPlatform, service: str) -> list[int]:
    pids = [c.pid for c in psutil.Process(p.pid).children() if f"services.{service}" in " ".join(c.cmdline())]
    assert pids, f"no {service} process"
    return pids


def send(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        os.kill(pid, sig)


def query(p: DemoPlatform, sql: str, *args: Any) -> Any:
    async def run() -> Any:
        conn = await asyncpg.connect(p.dsn)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


def test_an_admitted_case_action_applies_in_workflow_while_identity_is_stopped(demo_platform: DemoPlatform) -> None:
    """What this proves: once identity's admission has acknowledged a tenant system's case
    action (it is stored in MGOV_INGEST), workflow applies it with identity frozen
    (SIGSTOP: no admission, no token, no gRPC answer, no database work from identity),
    attributed to the system. Workflow is frozen too while the event is published and
    admitted, so the action cannot have been applied before identity stops: it is applied
    after identity stopped, by workflow alone, from the stored event and workflow's own
    projection of the system. (Had identity to apply it, or to answer workflow, the case
    would not move until identity continued.) It does not prove that new events are
    admitted without identity: admission is identity's stage in front of the bus."""
    p = demo_platform
    tokens = {who: p.sign_in(who)["access_token"] for who in (CITIZEN, HZ_ADMIN)}
    creds = register(p, tokens[HZ_ADMIN], types=["mgov.case.status_changed.v1"])
    # Workflow's projection has the registration (identity announced it through its outbox).
    eventually(lambda: query(p, "SELECT status FROM workflow.systems WHERE id = $1", uuid.UUID(creds["system_id"])) == "active",
               "workflow projecting the new system")
    case = submitted_case(p, tokens)
    system = CitySystem(creds["nats"])
    comment = f"不动产登记系统已受理 {uuid.uuid4().hex[:6]}"
    identity, workflow = service_pids(p, "identity"), service_pids(p, "workflow")
    try:
        ev = event(creds, "mgov.case.status_changed.v1", case["id"], {"action": "accept", "comment": comment})
        send(workflow, signal.SIGSTOP)
        ack = system("publish", subject=subject_of(creds, ev["type"]), event=ev)
        assert ack["ok"] and not ack["duplicate"], ack  # admitted: stored in MGOV_INGEST
        send(identity, signal.SIGSTOP)
        send(workflow, signal.SIGCONT)
        # Workflow runs again; identity stays frozen until the case has moved.
        eventually(lambda: query(p, "SELECT status FROM workflow.applications WHERE id = $1", uuid.UUID(case["id"])) == "under_review",
                   "the case moving to under_review with identity stopped")
        assert all(psutil.Process(pid).status() == psutil.STATUS_STOPPED for pid in identity)
        actor = query(p, "SELECT actor::text FROM workflow.transitions WHERE application_id = $1 AND request_id = $2",
                      uuid.UUID(case["id"]), ev["id"])
        assert actor is not None and creds["system_id"] in actor, actor
    finally:
        send(workflow + identity, signal.SIGCONT)
        system.close()
    # Identity back: the citizen sees the action, with the system's comment, through the gateway.
    with p.client(tokens[CITIZEN]) as c:
        timeline = c.get(f"/v1/applications/{case['id']}").json()["timeline"]
    assert timeline[-1]["action"] == "accept" and timeline[-1]["comment"] == comment, timeline[-1]
