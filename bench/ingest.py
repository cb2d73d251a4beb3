"""Events from a city system over NATS to applied workflow transitions, beside raw JetStream.

    .venv/bin/python -m bench.ingest [--events N] [--in-flight K] [--keep]

Starts its own platform (`mgov up`, demo mode, NATS with authorization, free loopback
ports, a temporary MGOV_HOME), registers a Hangzhou back-office system, submits N
citizen cases through the gateway (setup, not measured), then:

1. The city system, connected with its own issued NATS credentials, publishes one
   `mgov.case.status_changed.v1` ("accept") per case (half the cases without
   `expected_version`, acted on as the case is under its row lock; the other half with
   the version the system saw) to
   `mgov.ingest.hangzhou.<system>.case.status_changed.v1` with K JetStream publishes in
   flight. Identity's admission stores each; workflow's ingest consumer validates it
   (envelope, registered type, JSON Schema, tenant and system from the subject, the
   system from its projection) and performs the action as the system, with the event
   id as idempotency key, committing the transition, its outbox event and the event id
   together. The figure is N divided by the time from the
   first publish to the last `application.transitioned` event (actor = the system)
   seen on `mgov.evt.hangzhou.>` by the system itself, i.e. applied transitions per second.
2. Raw JetStream publish in the same run: the platform user publishes N messages of the
   same size to a scratch stream with the same K in flight (acks only, nothing applied).

Figures only; nothing is asserted. Progress goes to stderr, the table and a final
`BENCH_JSON {...}` line to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats

from bench.procs import PLATFORM_PORTS, end_processes, processes_touching, stop_process, wait_http
from bench.workflow import FORM
from mgov_common.ports import free_port

REPO = Path(__file__).resolve().parent.parent
CITIZEN, HZ_ADMIN, PASSWORD = "13900000100", "13900000010", "mgov-demo-2026"


def log(msg: str) -> None:
    print(f"[bench.ingest] {msg}", file=sys.stderr, flush=True)


@dataclass
class IngestBench:
    events: int
    in_flight: int
    publish_eps: float = 0.0
    applied_eps: float = 0.0
    applied_with_version_eps: float = 0.0
    applied: int = 0
    rejected: int = 0
    raw_publish_eps: float = 0.0
    # 1-minute load average before and after (the machine may be shared: context for the figures).
    load_before: float | None = None
    load_after: float | None = None
    error: str | None = None


async def _submit(gateway: str, token: str, service_id: str, n: int, concurrency: int = 20) -> list[tuple[str, int]]:
    ids: list[tuple[str, int]] = []
    sem = asyncio.Semaphore(concurrency)
    body = {"service_id": service_id, "form": FORM}
    async with httpx.AsyncClient(base_url=gateway, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        async def one() -> None:
            async with sem:
                resp = await c.post("/v1/applications", json=body)
                resp.raise_for_status()
                ids.append((resp.json()["id"], resp.json()["version"]))

        await asyncio.gather(*(one() for _ in range(n)))
    return ids


async def _publish_all(js: Any, items: list[tuple[str, bytes, dict[str, str]]], in_flight: int) -> float:
    sem = asyncio.Semaphore(in_flight)

    async def one(subject: str, data: bytes, headers: dict[str, str]) -> None:
        async with sem:
            await js.publish(subject, data, headers=headers)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(*i) for i in items))
    return time.perf_counter() - t0


async def _phase(nc: Any, system_id: str, cases: list[tuple[str, int]], in_flight: int, with_version: bool) -> tuple[float, float, int]:
    """Publish one accept per case; (publish events/s, applied transitions/s, applied)."""
    pending = {case_id for case_id, _ in cases}
    done = asyncio.Event()
    last = [0.0]

    async def on_event(msg: Any) -> None:
        data = json.loads(msg.data).get("data", {})
        if data.get("action") == "accept" and data.get("actor", {}).get("kind") == "system" and data.get("application_id") in pending:
            pending.discard(data["application_id"])
            last[0] = time.perf_counter()
            if not pending:
                done.set()

    sub = await nc.subscribe("mgov.evt.hangzhou.workflow.application.transitioned", cb=on_event)
    await nc.flush()
    subject = f"mgov.ingest.hangzhou.{system_id}.case.status_changed.v1"
    items = []
    for case_id, version in cases:
        data: dict[str, Any] = {"action": "accept", "comment": "bench"}
        if with_version:
            data["expected_version"] = version
        ev = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": f"tenant/hangzhou/{system_id}", "type": "mgov.case.status_changed.v1",
              "subject": case_id, "time": datetime.now(UTC).isoformat(), "data": data}
        items.append((subject, json.dumps(ev).encode(), {"Nats-Msg-Id": ev["id"]}))
    t0 = time.perf_counter()
    publish_s = await _publish_all(nc.jetstream(timeout=30), items, in_flight)
    log(f"published {len(items)} events in {publish_s:.2f}s; waiting for the transitions")
    try:
        await asyncio.wait_for(done.wait(), 300)
    except TimeoutError:
        log(f"{len(pending)} transitions not seen")
    await sub.unsubscribe()
    applied = len(cases) - len(pending)
    return round(len(items) / publish_s, 1), (round(applied / (last[0] - t0), 1) if last[0] > t0 else 0.0), applied


async def measure(res: IngestBench, creds: dict[str, Any], platform_url: str, cases: list[tuple[str, int]]) -> None:
    n = creds["nats"]
    nc = await nats.connect(n["url"], user=n["user"], password=n["password"], inbox_prefix=n["inbox_prefix"], name="bench-city-system")
    half = len(cases) // 2
    res.publish_eps, res.applied_eps, applied_a = await _phase(nc, creds["system_id"], cases[:half], res.in_flight, with_version=False)
    _, res.applied_with_version_eps, applied_b = await _phase(nc, creds["system_id"], cases[half:], res.in_flight, with_version=True)
    res.applied = applied_a + applied_b
    await nc.close()

    # Raw JetStream publish, same size and in-flight count, platform user, scratch stream.
    pc = await nats.connect(platform_url, name="bench-raw")
    js = pc.jetstream(timeout=30)
    await js.add_stream(name="BENCH_INGEST_RAW", subjects=["bench.ingest.raw.>"])
    body = json.dumps({"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tenant/hangzhou/x", "type": "mgov.case.status_changed.v1",
                       "subject": str(uuid.uuid4()), "time": datetime.now(UTC).isoformat(),
                       "data": {"action": "accept", "comment": "bench"}}).encode()
    raw = [(f"bench.ingest.raw.{i % 16}", body, {"Nats-Msg-Id": str(uuid.uuid4())}) for i in range(len(cases))]
    raw_s = await _publish_all(js, raw, res.in_flight)
    res.raw_publish_eps = round(len(raw) / raw_s, 1)
    await js.delete_stream("BENCH_INGEST_RAW")
    await pc.close()


def run(events: int = 2000, in_flight: int = 256, keep: bool = False) -> IngestBench:
    from launcher.up import demo_nats_url

    res = IngestBench(events, in_flight, load_before=round(os.getloadavg()[0], 2))
    tmp = Path(tempfile.mkdtemp(prefix="mgov-bench-ingest-"))
    ports = {name: free_port() for name in PLATFORM_PORTS}
    env = {k: v for k, v in os.environ.items() if k not in ("MGOV_DATABASE_URL", "MGOV_NATS_URL")}
    env.update({f"MGOV_{k}_PORT": str(v) for k, v in ports.items()})
    env.update(MGOV_HOME=str(tmp / "home"), MGOV_DEMO="1", MGOV_READY_TIMEOUT="90", MGOV_LOG_LEVEL="WARNING",
               # Throughput is measured, not the per-system quota: lift it for the run.
               MGOV_INGEST_EVENTS_PER_S="1000000", MGOV_INGEST_BURST="1000000")
    gateway = f"http://127.0.0.1:{ports['GATEWAY']}"
    up = None
    try:
        log(f"starting the platform (mgov up, demo) in {tmp}")
        up = subprocess.Popen([str(Path(sys.executable).parent / "mgov"), "up"], cwd=REPO, env=env,
                              stdout=(tmp / "mgov-up.out").open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_http(f"{gateway}/readyz", 120, up)
        admin = httpx.post(f"{gateway}/v1/auth/token", json={"username": HZ_ADMIN, "password": PASSWORD}).json()["access_token"]
        creds = httpx.post(f"{gateway}/v1/tenants/hangzhou/systems", headers={"Authorization": f"Bearer {admin}"},
                           json={"name": "bench city system", "event_types": ["mgov.case.status_changed.v1"]}).json()
        citizen = httpx.post(f"{gateway}/v1/auth/token", json={"username": CITIZEN, "password": PASSWORD}).json()["access_token"]
        found = httpx.get(f"{gateway}/v1/tenants/hangzhou/services", params={"q": "杭州市民卡"}).json()["items"]
        service_id = next(i["id"] for i in found if i["name"]["zh"] == "杭州市民卡申领")
        log(f"submitting {events} cases (setup)")
        ids = asyncio.run(_submit(gateway, citizen, service_id, events))
        asyncio.run(measure(res, creds, demo_nats_url(ports["NATS"]), ids))
        with httpx.Client(base_url=gateway, headers={"Authorization": f"Bearer {admin}"}) as c:
            res.rejected = len(c.get("/v1/tenants/hangzhou/rejected-events", params={"page_size": 500}).json()["items"])
        res.load_after = round(os.getloadavg()[0], 2)
    except Exception as exc:  # noqa: BLE001 - reported, the bench goes on to clean up
        res.error = f"{type(exc).__name__}: {exc}"
        log(f"failed: {res.error} (see {tmp})")
    finally:
        if up is not None:
            stop_process(up)
        leftovers = processes_touching(str(tmp))
        if leftovers:
            end_processes([pid for pid, _ in leftovers])
        if not keep and res.error is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return res


def print_report(res: IngestBench) -> None:
    print(f"\nIngest from a city system over NATS ({res.events:,} events, {res.in_flight} publishes in flight)")
    print(f"  {'measurement':<64} {'events/s':>10}")
    print(f"  {'city system JetStream publish (acked), own credentials':<64} {res.publish_eps:>10,.0f}")
    print(f"  {'applied transitions, event without expected_version':<64} {res.applied_eps:>10,.0f}")
    print(f"  {'applied transitions, event carries expected_version':<64} {res.applied_with_version_eps:>10,.0f}")
    print(f"  {'raw JetStream publish (platform user, scratch stream)':<64} {res.raw_publish_eps:>10,.0f}")
    print(f"  applied {res.applied:,} of {res.events:,}; rejected {res.rejected}")
    if res.raw_publish_eps:
        print(f"  applied transitions / raw publish: {res.applied_eps / res.raw_publish_eps:.1%}"
              f" (with expected_version: {res.applied_with_version_eps / res.raw_publish_eps:.1%})")
    print(f"  load average (1 min) before/after: {res.load_before}/{res.load_after} on {os.cpu_count()} CPUs")
    if res.error:
        print(f"  error: {res.error}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=2000, help="events (and cases) (default 2000)")
    p.add_argument("--in-flight", type=int, default=256, help="JetStream publishes in flight (default 256)")
    p.add_argument("--keep", action="store_true", help="keep the temporary MGOV_HOME")
    args = p.parse_args(argv)
    res = run(args.events, args.in_flight, args.keep)
    print_report(res)
    print("BENCH_JSON " + json.dumps(asdict(res)))
    return 1 if res.error else 0


if __name__ == "__main__":
    sys.exit(main())
