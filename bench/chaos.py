"""`make chaos`: faults under load on `mgov up --replicas 2`, then count everything.

Starts `mgov up --replicas 2` (demo mode, a temporary home, free loopback ports: two
copies of each service and of the gateway, a NATS cluster of three, streams at R3),
registers a Hangzhou back-office system with a loopback webhook receiver, and runs the
load of `bench.chaos_load` (citizens submitting, a clerk and the system accepting the
cases) while it, one fault per window:

- kills -9 the first copy of identity, catalog, workflow and notify in turn (the
  workflow's demo clock is moved sixty days ahead just before, so every case's SLA
  timers come due while a workflow copy dies);
- kills -9 the NATS node that leads the events stream (the supervisor restarts it);
- kills -9 PostgreSQL (restarted on the same data);
- kills -9 the second gateway (its clients go on through the first).

Then it waits for the platform to settle and counts (`bench.chaos_count`): it prints a
table per fault (requests, the longest unavailability a client saw, recovery time), the
counts per kind with `lost` and `doubled`, and a last line `CHAOS_JSON {...}`.
Bounded: about five minutes; nothing leaves loopback. MGOV_CHAOS_KEEP=1 keeps the home.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from bench.chaos_count import count
from bench.chaos_load import Load, TenantSystem, WebhookReceiver, citizen, staff
from launcher.pg_placement import discard
from launcher.probes import grpc_serving
from launcher.topology import SERVICES
from launcher.up import demo_nats_url
from mgov_common.ports import free_port, is_listening

CITIZENS = 6
STAFF = 4  # workers taking the submitted cases, a clerk's and the system's turn about
WINDOW_S = 15.0
WARM_UP_S = 10.0
CLOCK_AHEAD_S = 60 * 86400
FAULTS = ("identity", "catalog", "workflow", "notify", "nats", "postgres", "gateway")
CITIZEN, CLERK, HZ_ADMIN, PASSWORD = "13900000100", "13900000011", "13900000010", "mgov-demo-2026"


def _ports() -> dict[str, list[int]]:
    taken: set[int] = set()

    def some(n: int) -> list[int]:
        out: list[int] = []
        while len(out) < n:
            p = free_port()
            if p not in taken:
                taken.add(p)
                out.append(p)
        return out

    return {**{name: some(2) for name in ("gateway", *SERVICES)}, "nats": some(3), "nats_route": some(3), "postgres": some(1)}


def victim(mgov: psutil.Process, fault: str, ports: dict[str, list[int]]) -> psutil.Process | None:
    """The process a fault kills, among `mgov up`'s children."""
    for child in mgov.children():
        try:
            cmd = child.cmdline()
            if fault == "nats":
                continue  # chosen by leadership (`nats_leader`)
            if fault == "postgres" and cmd and Path(cmd[0]).name == "postgres":
                return child
            module = "gateway" if fault == "gateway" else f"services.{fault}"
            copy = 1 if fault == "gateway" else 0
            if cmd[-2:] == ["-m", module] and child.environ().get(f"MGOV_{fault.upper()}_PORT") == str(ports[fault][copy]):
                return child
        except psutil.Error:
            continue
    return None


def nats_node(mgov: psutil.Process, port: int) -> psutil.Process | None:
    for child in mgov.children():
        try:
            cmd = child.cmdline()
        except psutil.Error:
            continue
        if cmd and Path(cmd[0]).name == "nats-server" and str(port) in cmd:
            return child
    return None


async def nats_leader(nats_url: str) -> int:
    import nats

    from mgov_common.bus import nats_servers
    from mgov_common.events.streams import EVENTS_STREAM

    nc = await nats.connect(nats_servers(nats_url))
    try:
        info = await nc.jetstream().stream_info(EVENTS_STREAM)
        assert info.cluster is not None and info.cluster.leader
        return int(info.cluster.leader.removeprefix("mgov-"))
    finally:
        await nc.close()


async def until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = await check()
        except (httpx.HTTPError, OSError, asyncpg.PostgresError, ValueError, KeyError):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f}s")
        await asyncio.sleep(0.1)


async def answers(fault: str, ports: dict[str, list[int]], port: int) -> bool:
    if fault == "postgres":
        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/mgov", timeout=2)
        try:
            return bool(await conn.fetchval("SELECT 1") == 1)
        finally:
            await conn.close()
    if fault == "nats":
        return is_listening(port)
    if fault == "gateway":
        async with httpx.AsyncClient(timeout=10) as http:
            return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
    return await grpc_serving(f"127.0.0.1:{port}")


async def setup(gateways: list[str], receiver_port: int) -> tuple[dict[str, str], str, TenantSystem]:
    async with httpx.AsyncClient(base_url=gateways[0], timeout=15) as http:
        tokens = {}
        for who in (CITIZEN, CLERK, HZ_ADMIN):
            resp = await http.post("/v1/auth/token", json={"username": who, "password": PASSWORD})
            resp.raise_for_status()
            tokens[who] = resp.json()["access_token"]
        found = (await http.get("/v1/tenants/hangzhou/services", params={"q": "杭州市民卡"})).json()["items"]
        service_id = next(i["id"] for i in found if i["name"]["zh"] == "杭州市民卡申领")
        made = await http.post("/v1/tenants/hangzhou/systems", headers={"authorization": f"Bearer {tokens[HZ_ADMIN]}"},
                               json={"name": "chaos back office", "event_types": ["mgov.case.status_changed.v1"],
                                     "webhook_url": f"http://127.0.0.1:{receiver_port}/hook"})
        assert made.status_code == 201, made.text
        creds = made.json()
    return tokens, service_id, TenantSystem(creds["system_id"], creds["client_id"], creds["client_secret"])


async def run(mgov: psutil.Process, ports: dict[str, list[int]], home: Path) -> dict[str, Any]:
    gateways = [f"http://127.0.0.1:{p}" for p in ports["gateway"]]
    nats_url = ",".join(demo_nats_url(p) for p in ports["nats"])
    dsn = f"postgresql://postgres@127.0.0.1:{ports['postgres'][0]}/mgov"

    async def all_ready() -> bool:
        return all([await answers("gateway", ports, p) for p in ports["gateway"]])

    await until(all_ready, 240, "both gateways ready")
    load = Load(gateways)
    receiver = WebhookReceiver(load)
    tokens, service_id, system = await setup(gateways, await receiver.start())
    from bench.chaos_count import stream_events

    registered_after = len(await stream_events(nats_url))
    started = time.monotonic()
    tasks = [asyncio.create_task(citizen(load, tokens[CITIZEN], service_id, i)) for i in range(CITIZENS)]
    tasks += [asyncio.create_task(staff(load, tokens[CLERK], system)) for _ in range(STAFF)]
    await asyncio.sleep(WARM_UP_S)
    recovery: dict[str, float | None] = {}
    clock_moved_at: datetime | None = None
    for fault in FAULTS:
        load.window = fault
        if fault == "workflow":
            (home / "workflow-clock.json").write_text(json.dumps({"offset_s": CLOCK_AHEAD_S}))
            clock_moved_at = datetime.now(UTC)
        if fault == "nats":
            port = await nats_leader(nats_url)
            target = nats_node(mgov, port)
        else:
            port = {"postgres": ports["postgres"][0], "gateway": ports["gateway"][1]}.get(fault, ports.get(fault, [0])[0])
            target = victim(mgov, fault, ports)
        assert target is not None, f"no process to kill for {fault}"
        killed_at = time.monotonic()
        target.kill()
        print(f"  kill -9 {fault} (pid {target.pid}, port {port})", flush=True)

        waiting_for: dict[str, float] = {}  # what recovery waited for -> since when (s after the kill)

        async def back(fault: str = fault, old: int = target.pid, port: int = port, killed_at: float = killed_at) -> bool:
            now = nats_node(mgov, port) if fault == "nats" else victim(mgov, fault, ports)
            if now is None or now.pid == old:
                waiting_for.setdefault("a new process", round(time.monotonic() - killed_at, 1))
                return False
            for what, check in (("it to answer", lambda: answers(fault, ports, port)), ("both gateways ready", all_ready)):
                try:
                    ok = await check()
                except Exception as exc:  # noqa: BLE001 - not back yet; say why
                    ok, what = False, f"{what} ({type(exc).__name__})"
                if not ok:
                    waiting_for.setdefault(what, round(time.monotonic() - killed_at, 1))
                    return False
            if load.last_accepted_at <= killed_at:
                waiting_for.setdefault("a request accepted after the kill", round(time.monotonic() - killed_at, 1))
                return False
            return True

        try:
            await until(back, 120, f"{fault} back")
            recovery[fault] = round(time.monotonic() - killed_at, 2)
        except TimeoutError:
            recovery[fault] = None
        if recovery[fault] is None or recovery[fault] > 30:  # type: ignore[operator]
            print(f"  {fault}: slow to recover; first waited for (s after the kill): {waiting_for}", flush=True)
        await asyncio.sleep(max(0.0, WINDOW_S - (time.monotonic() - killed_at)))
        print(f"    {fault}: accepted {load.requests_by_window[(fault, 'accepted')]}, failed {load.requests_by_window[(fault, 'failed')]}"
              f" (so far by status {dict(load.failed)}); {load.to_accept.qsize()} cases waiting for staff", flush=True)
    load.window = "after"
    load.stopping = True
    done, pending = await asyncio.wait(tasks, timeout=240)
    for task in pending:  # a request still retrying: what it did not get is not counted as promised
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if pending:
        print(f"  {len(pending)} clients still retrying after 240 s; {load.to_accept.qsize()} cases not yet acted on", flush=True)
    duration = time.monotonic() - started
    assert clock_moved_at is not None
    due_by = clock_moved_at + timedelta(seconds=CLOCK_AHEAD_S)

    async def settled() -> dict[str, Any] | None:
        counts = await count(dsn, nats_url, load, receiver, system.system_id, registered_after, due_by)
        return counts if all(k["lost"] == 0 for k in counts.values()) else None

    try:
        counts = await until(settled, 180, "every accepted thing accounted for")
    except TimeoutError:
        counts = await count(dsn, nats_url, load, receiver, system.system_id, registered_after, due_by)
    await receiver.stop()
    return report(load, recovery, counts, duration)


def report(load: Load, recovery: dict[str, float | None], counts: dict[str, Any], duration: float) -> dict[str, Any]:
    windows = [{"fault": w, "accepted": load.requests_by_window[(w, "accepted")], "failed": load.requests_by_window[(w, "failed")],
                "recovery_s": recovery.get(w), "longest_gap_s": round(load.gap_by_window.get(w, 0.0), 2)}
               for w in ("warm-up", *FAULTS, "after")]
    failed: dict[str, dict[str, int]] = {}
    for (kind, status), n in sorted(load.failed.items()):
        failed.setdefault(kind, {})[status] = n
    return {
        "replicas": 2, "nats_nodes": 3, "duration_s": round(duration, 1),
        "requests": {"sent": dict(load.sent), "accepted": dict(load.accepted), "failed_by_status": failed},
        "faults": windows, "counts": counts,
        "lost": {k: v["lost"] for k, v in counts.items()}, "doubled": {k: v["doubled"] for k, v in counts.items()},
        "longest_gap_s": {w["fault"]: w["longest_gap_s"] for w in windows if w["fault"] in FAULTS},
    }


def print_table(result: dict[str, Any]) -> None:
    head = ("fault", "accepted", "failed", "recovery_s", "longest_gap_s")
    print("\n| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for row in result["faults"]:
        print("| " + " | ".join("–" if row[h] is None else str(row[h]) for h in head) + " |")
    print("\n| kind | lost | doubled | counts |\n|---|---|---|---|")
    for kind, c in result["counts"].items():
        rest = ", ".join(f"{k}: {v}" for k, v in c.items() if k not in ("lost", "doubled"))
        print(f"| {kind} | {c['lost']} | {c['doubled']} | {rest} |")
    r = result["requests"]
    print(f"\nrequests sent {sum(r['sent'].values())}, accepted {sum(r['accepted'].values())}; "
          f"failed by status: {json.dumps(r['failed_by_status'])}; {result['duration_s']} s")


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="mgov-chaos-"))
    ports = _ports()
    env = {k: v for k, v in os.environ.items() if k not in ("MGOV_DATABASE_URL", "MGOV_NATS_URL")}
    env.update({f"MGOV_{k.upper()}_PORT": ",".join(map(str, v)) for k, v in ports.items()})
    env.update(MGOV_HOME=str(home), MGOV_DEMO="1", MGOV_READY_TIMEOUT="200",
               MGOV_STREAM_MAX_BYTES_EVENTS=str(256 << 20), MGOV_STREAM_MAX_BYTES_INGEST=str(64 << 20),
               MGOV_STREAM_MAX_BYTES_DLQ=str(16 << 20), MGOV_STREAM_MAX_BYTES_REJECTED=str(16 << 20),
               MGOV_IDENTITY_WEBHOOK_RETRY_S="1,2,4,8,15,30")
    out = home / "mgov-up.out"
    proc = subprocess.Popen([str(Path(sys.executable).parent / "mgov"), "up", "--replicas", "2"], env=env,
                            stdout=out.open("w"), stderr=subprocess.STDOUT)
    print(f"mgov up --replicas 2 (pid {proc.pid}, home {home}); {CITIZENS} citizens, a clerk, a tenant system; "
          f"faults: {', '.join(FAULTS)}", flush=True)
    code = 1
    try:
        result = asyncio.run(run(psutil.Process(proc.pid), ports, home))
        print_table(result)
        print("CHAOS_JSON " + json.dumps(result, ensure_ascii=False), flush=True)
        code = 0 if not any(result["lost"].values()) and not any(result["doubled"].values()) else 3
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(90)
        except subprocess.TimeoutExpired:
            proc.kill()
        lines = [line for line in out.read_text().splitlines() if "exited with" in line or "restarted" in line]
        print("\nthe supervisor saw:\n  " + "\n  ".join(lines) if lines else "", file=sys.stderr)
        if code == 1:
            print(out.read_text()[-4000:], file=sys.stderr)
        if os.environ.get("MGOV_CHAOS_KEEP"):
            print(f"kept {home}", file=sys.stderr)
        else:
            discard(home / "postgres")
            shutil.rmtree(home, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
