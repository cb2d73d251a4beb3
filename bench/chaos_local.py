"""`make chaos-local`: kill every part of a one-machine platform under load, then count.

Starts `mgov up` (demo mode, a temporary home, free loopback ports), runs 20 clients
submitting cases with Idempotency-Keys (`bench.chaos_clients`), and kills with SIGKILL
each service, the gateway, NATS and PostgreSQL in turn, one fault per window. Per fault
it prints the requests accepted and failed in its window, the cases of that window that
were lost, doubled or did not get exactly one notification, the recovery time (kill →
a new process in its place that answers, `/readyz` "ready" and a client's request
accepted again) and the longest gap a client saw
between two accepted requests. The last line is `CHAOS_JSON {...}` for machines.
Bounded: about three minutes; nothing leaves loopback.
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
from pathlib import Path

import asyncpg
import httpx
import psutil

from bench.chaos_clients import Load, client, notification_counts, pages
from launcher.pg_placement import discard
from launcher.probes import grpc_serving
from mgov_common.ports import free_port, is_listening

CLIENTS = 20
WINDOW_S = 12.0
WARM_UP_S = 8.0
SLOW_S = 15.0
ALL_FAULTS = ("identity", "catalog", "workflow", "notify", "gateway", "nats", "postgres")
# A subset, comma-separated (`MGOV_CHAOS_FAULTS=postgres make chaos-local`); the home
# (logs, data) is kept with MGOV_CHAOS_KEEP=1.
FAULTS = tuple(f for f in os.environ.get("MGOV_CHAOS_FAULTS", ",".join(ALL_FAULTS)).split(",") if f in ALL_FAULTS) or ALL_FAULTS
CITIZEN, PASSWORD = "13900000100", "mgov-demo-2026"
PORTS = ("GATEWAY", "NATS", "POSTGRES", "IDENTITY", "CATALOG", "WORKFLOW", "NOTIFY")


def victim(mgov: psutil.Process, name: str) -> psutil.Process | None:
    """The supervised process `name` among `mgov up`'s children."""
    for child in mgov.children():
        try:
            cmd = child.cmdline()
        except psutil.Error:
            continue
        exe = Path(cmd[0]).name if cmd else ""
        if (name == "nats" and exe == "nats-server") or (name == "postgres" and exe == "postgres") \
                or (name == "gateway" and cmd[-2:] == ["-m", "gateway"]) or f"services.{name}" in cmd:
            return child
    return None


async def until(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = await check()
        except (httpx.HTTPError, ValueError, KeyError):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f}s")
        await asyncio.sleep(0.1)


LAST_READYZ: dict[str, object] = {}


async def ready(http: httpx.AsyncClient) -> bool:
    resp = await http.get("/readyz", timeout=2)
    LAST_READYZ.clear()
    LAST_READYZ.update(resp.json(), http_status=resp.status_code)
    return resp.status_code == 200 and resp.json()["status"] == "ready"


async def answers(name: str, ports: dict[str, int]) -> bool:
    """The restarted process itself serves again (not just runs)."""
    if name == "postgres":
        try:
            conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{ports['POSTGRES']}/mgov", timeout=2)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            return False
        try:
            return bool(await conn.fetchval("SELECT 1") == 1)
        finally:
            await conn.close()
    if name == "nats":
        return is_listening(ports["NATS"])
    if name == "gateway":
        return True  # `/readyz` through it is checked next
    return await grpc_serving(f"127.0.0.1:{ports[name.upper()]}")


async def run(base: str, mgov: psutil.Process, ports: dict[str, int]) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        await until(lambda: ready(http), 120, "the platform ready")
        token = (await http.post("/v1/auth/token", json={"username": CITIZEN, "password": PASSWORD})).json()["access_token"]
        found = (await http.get("/v1/tenants/hangzhou/services", params={"q": "杭州市民卡"})).json()["items"]
        service_id = next(i["id"] for i in found if i["name"]["zh"] == "杭州市民卡申领")
        load = Load()
        started = time.monotonic()
        tasks = [asyncio.create_task(client(base, token, service_id, load)) for _ in range(CLIENTS)]
        await asyncio.sleep(WARM_UP_S)
        recovery: dict[str, float | None] = {}
        for name in FAULTS:
            load.window = name
            target = await until(lambda name=name: asyncio.to_thread(victim, mgov, name), 60, f"{name} running")
            killed_at = time.monotonic()
            target.kill()
            print(f"  killed {name} (pid {target.pid})", flush=True)

            async def back(name: str = name, old: int = target.pid, killed_at: float = killed_at) -> bool:
                now = await asyncio.to_thread(victim, mgov, name)
                return (now is not None and now.pid != old and await answers(name, ports) and await ready(http)
                        and load.last_accepted_at > killed_at)

            try:
                await until(back, 90, f"{name} back")
                recovery[name] = round(time.monotonic() - killed_at, 2)
            except TimeoutError:
                recovery[name] = None
            if recovery[name] is None or recovery[name] > SLOW_S:  # type: ignore[operator]
                print(f"  {name} slow to recover; /readyz last said {json.dumps(LAST_READYZ, ensure_ascii=False)[:400]}", flush=True)
            await asyncio.sleep(max(0.0, WINDOW_S - (time.monotonic() - killed_at)))
        load.window = "after"
        load.stopping = True
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
        duration = time.monotonic() - started
        authed = {"authorization": f"Bearer {token}"}
        http.headers.update(authed)
        accepted = {a.case_id for a in load.accepted}

        async def drained() -> dict[str, int] | None:
            counts = await notification_counts(http)
            return counts if accepted <= set(counts) else None

        try:
            counts = await until(drained, 90, "a notification for every accepted case")
        except TimeoutError:
            counts = await notification_counts(http)
        listed = {str(a["id"]) for a in await pages(http, "/v1/applications")}
    return report(load, recovery, listed, counts, duration)


def report(load: Load, recovery: dict[str, float | None], listed: set[str], counts: dict[str, int], duration: float) -> dict[str, object]:
    rows = []
    doubled_keys = {k for k, ids in load.ids_by_key.items() if len(ids) > 1}
    for window in ("warm-up", *FAULTS, "after"):
        cases = [c for c, w in load.window_of_case.items() if w == window]
        rows.append({
            "fault": window,
            "accepted": load.accepted_by_window.get(window, 0),
            "failed": load.failed_by_window.get(window, 0),
            "lost": sum(1 for c in cases if c not in listed),
            "doubled": sum(1 for k in doubled_keys if load.window_of_case.get(next(iter(load.ids_by_key[k]))) == window),
            "not_notified_once": sum(1 for c in cases if counts.get(c, 0) != 1),
            "recovery_s": recovery.get(window),
            "longest_gap_s": round(load.gap_by_window.get(window, 0.0), 2),
        })
    accepted = {a.case_id for a in load.accepted}
    return {
        "clients": CLIENTS, "duration_s": round(duration, 1), "faults": rows,
        "accepted_cases": len(accepted), "cases_listed": len(listed),
        "unaccepted_cases_created": len(listed - accepted),  # a case made for a key whose 201 never arrived
        "lost": sum(r["lost"] for r in rows), "doubled": len(doubled_keys),
        "not_notified_once": sum(r["not_notified_once"] for r in rows),
    }


def print_table(result: dict[str, object]) -> None:
    head = ("fault", "accepted", "failed", "lost", "doubled", "not_notified_once", "recovery_s", "longest_gap_s")
    print("\n| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for row in result["faults"]:  # type: ignore[attr-defined]
        print("| " + " | ".join("–" if row[h] is None else str(row[h]) for h in head) + " |")
    print(f"\n{result['accepted_cases']} cases accepted in {result['duration_s']} s by {result['clients']} clients; "
          f"lost {result['lost']}, doubled {result['doubled']}, without exactly one notification {result['not_notified_once']}, "
          f"created without a 201 reaching the client {result['unaccepted_cases_created']}")


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="mgov-chaos-"))
    ports = {}
    while len(set(ports.values())) < len(PORTS):
        ports = {name: free_port() for name in PORTS}
    env = {k: v for k, v in os.environ.items() if k not in ("MGOV_DATABASE_URL", "MGOV_NATS_URL")}
    env.update({f"MGOV_{k}_PORT": str(v) for k, v in ports.items()}, MGOV_HOME=str(home), MGOV_DEMO="1", MGOV_READY_TIMEOUT="120")
    out = home / "mgov-up.out"
    mgov_bin = Path(sys.executable).parent / "mgov"
    proc = subprocess.Popen([str(mgov_bin), "up"], env=env, stdout=out.open("w"), stderr=subprocess.STDOUT)
    print(f"mgov up (pid {proc.pid}, home {home}); {CLIENTS} clients; faults: {', '.join(FAULTS)}", flush=True)
    code = 1
    try:
        result = asyncio.run(run(f"http://127.0.0.1:{ports['GATEWAY']}", psutil.Process(proc.pid), ports))
        print_table(result)
        print("CHAOS_JSON " + json.dumps(result, ensure_ascii=False), flush=True)
        code = 0
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        lines = [line for line in out.read_text().splitlines() if "exited with" in line or "restarted" in line or "could not start" in line]
        print("\nthe supervisor saw:\n  " + "\n  ".join(lines) if lines else "", file=sys.stderr)
        if code != 0:
            print(out.read_text()[-4000:], file=sys.stderr)
        if os.environ.get("MGOV_CHAOS_KEEP"):
            print(f"kept {home}", file=sys.stderr)
        else:
            discard(home / "postgres")
            shutil.rmtree(home, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
