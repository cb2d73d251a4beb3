"""Event-to-inbox latency of the notify service, beside a raw NATS round trip.

    .venv/bin/python -m bench.notify [--rate 200] [--seconds 10] [--burst 4000] [--keep]

Starts its own platform (`mgov up`, demo mode, fresh free loopback ports, a temporary
MGOV_HOME) and publishes well-formed `workflow.application.submitted` events to its
JetStream, as the workflow's outbox relay does, for synthetic applicants in Hangzhou
with `eligible_roles: ["clerk"]` (so each event also looks up and notifies Hangzhou's
clerks: two inbox rows, two in-app deliveries, preferences, templates and the tenant
chain read, one transaction). The time an event reaches the inbox is when its live
message arrives on `mgov.live.user.<applicant>`: notify publishes it right after the
commit that made the inbox row. Measured, in one run:

1. latency p50/p90/p99 at a paced `--rate` events/s for `--seconds` (default 200/s, 10 s);
2. the maximum sustained rate: `--burst` events published as fast as JetStream acks
   them, then the rate at which they reach inboxes (events/s from the first publish to
   the last inbox row), i.e. how fast the consumer drains a backlog;
3. the raw NATS request/reply round trip on the same server (p50/p99), the floor of
   any hop through the bus;
4. the CPU milliseconds per burst event of every platform process (`bench.cpu`, from
   before the burst until every consumer has drained it: notify, and the other
   consumers of `application.submitted`, the catalogue's use counter and identity's
   webhook fan-out), the figure a loaded, shared machine does not distort; and the
   same per paced event (small batches: what each fetch, transaction and commit costs
   when events trickle in rather than queue).

Figures only; nothing is asserted. Progress on stderr; a table and a final
`BENCH_JSON {...}` line on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.cpu import CpuMeter, wait_drained
from bench.procs import PLATFORM_PORTS, end_processes, processes_touching
from mgov_common.events.envelope import CloudEvent
from mgov_common.live import LIVE_PREFIX
from mgov_common.ports import free_port

REPO = Path(__file__).resolve().parent.parent


def log(msg: str) -> None:
    print(f"[bench.notify] {msg}", file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


@dataclass
class Latency:
    name: str
    count: int
    received: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class NotifyBench:
    rate: float
    seconds: float
    burst: int
    paced: Latency | None = None
    sustained_events_per_s: float | None = None
    sustained_inbox_rows_per_s: float | None = None
    burst_wall_s: float | None = None
    nats_rtt: Latency | None = None
    cpu_ms_per_event: dict[str, float] | None = None
    # The same at the paced rate, where batches are small and per-batch costs weigh more.
    cpu_ms_per_paced_event: dict[str, float] | None = None
    # 1-minute load average before and after (the machine may be shared: context for the figures).
    load_before: float | None = None
    load_after: float | None = None
    error: str | None = None


def event(applicant: str, n: int) -> CloudEvent:
    app_id = str(uuid.uuid4())
    data = {"application_id": app_id, "case_number": f"HZ-2026-{n:06d}", "tenant_id": "hangzhou", "service_id": str(uuid.uuid4()),
            "service_version": 1, "service_name": {"zh": "杭州市民卡申领", "en": "Hangzhou citizen card"}, "department": "市民卡中心",
            "applicant_id": applicant, "status": "submitted", "previous_status": "", "action": "submit",
            "actor": {"kind": "user", "id": applicant, "tenant_id": "hangzhou"}, "comment": "", "assignee_id": None,
            "eligible_roles": ["clerk"], "due_at": "2026-12-01T09:00:00Z", "terminal": False, "version": 1}
    return CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant="hangzhou", subject=app_id, data=data)


class Tracker:
    """Publish times by event id; arrival on the applicant's live subject closes each."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.latencies: list[float] = []
        self.last_arrival = 0.0
        self.done = asyncio.Event()
        self.expect = 0

    async def on_live(self, msg: Any) -> None:
        body = json.loads(msg.data)
        if body.get("category") != "case_progress":
            return
        t0 = self.sent.pop(body.get("event_id"), None)
        if t0 is not None:
            now = time.perf_counter()
            self.latencies.append((now - t0) * 1000)
            self.last_arrival = now
            if len(self.latencies) >= self.expect:
                self.done.set()


async def paced(nc: Any, rate: float, seconds: float) -> Latency:
    js = nc.jetstream()
    tracker = Tracker()
    tracker.expect = int(rate * seconds)
    sub = await nc.subscribe(f"{LIVE_PREFIX}.>", cb=tracker.on_live)
    start = time.perf_counter()
    acks = []
    for i in range(tracker.expect):
        due = start + i / rate
        if (wait := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        e = event(str(uuid.uuid4()), i)
        tracker.sent[str(e.id)] = time.perf_counter()
        acks.append(await js.publish_async(e.platform_subject(), e.to_json().encode(), headers={"Nats-Msg-Id": str(e.id)}))
    await asyncio.gather(*acks)
    try:
        await asyncio.wait_for(tracker.done.wait(), 60)
    except TimeoutError:
        pass
    await sub.unsubscribe()
    lat = tracker.latencies
    return Latency(f"event -> inbox at {rate:.0f} events/s", tracker.expect, len(lat), round(pct(lat, 50), 2), round(pct(lat, 90), 2),
                   round(pct(lat, 99), 2), round(max(lat, default=float("nan")), 2),
                   {"achieved_publish_rate": round(tracker.expect / (time.perf_counter() - start), 1)})


async def burst(nc: Any, count: int) -> tuple[float, float]:
    js = nc.jetstream()
    tracker = Tracker()
    tracker.expect = count
    sub = await nc.subscribe(f"{LIVE_PREFIX}.>", cb=tracker.on_live)
    events = [event(str(uuid.uuid4()), i) for i in range(count)]
    start = time.perf_counter()
    acks = []
    for e in events:
        tracker.sent[str(e.id)] = time.perf_counter()
        acks.append(await js.publish_async(e.platform_subject(), e.to_json().encode(), headers={"Nats-Msg-Id": str(e.id)}))
        if len(acks) >= 256:
            await asyncio.gather(*acks)
            acks.clear()
    await asyncio.gather(*acks)
    try:
        await asyncio.wait_for(tracker.done.wait(), max(120, count / 20))
    except TimeoutError:
        log(f"burst: only {len(tracker.latencies)} of {count} reached inboxes in time")
    await sub.unsubscribe()
    wall = (tracker.last_arrival or time.perf_counter()) - start
    return len(tracker.latencies) / wall, wall


async def nats_rtt(nc: Any, count: int = 2000) -> Latency:
    async def echo(msg: Any) -> None:
        await msg.respond(msg.data)

    subject = f"bench.rtt.{uuid.uuid4().hex}"
    sub = await nc.subscribe(subject, cb=echo)
    await nc.flush()
    for _ in range(200):
        await nc.request(subject, b"x" * 512, timeout=5)
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        await nc.request(subject, b"x" * 512, timeout=5)
        times.append((time.perf_counter() - t0) * 1000)
    await sub.unsubscribe()
    return Latency("raw NATS request/reply (512 B, same server)", count, count, round(pct(times, 50), 3), round(pct(times, 90), 3),
                   round(pct(times, 99), 3), round(max(times), 3))


async def measure(res: NotifyBench, nats_url: str, meter: CpuMeter | None = None) -> None:
    import nats

    nc = await nats.connect(nats_url, name="bench-notify")
    try:
        log("warming up (staff list cache, connections)")
        await paced(nc, 50, 2)
        idle: dict[str, float] | None = None
        if meter is not None:
            await wait_drained(nats_url)
            idle = meter.idle_rates(3.0)  # the platform's background, subtracted from both figures
        log(f"paced: {res.rate:.0f} events/s for {res.seconds:.0f} s")
        if meter is not None:
            before = meter.snapshot()
        res.paced = await paced(nc, res.rate, res.seconds)
        if meter is not None:
            await wait_drained(nats_url)
            res.cpu_ms_per_paced_event = meter.since(before, res.paced.count, idle).as_json()
        log(f"  p50 {res.paced.p50_ms} ms, p99 {res.paced.p99_ms} ms, {res.paced.received}/{res.paced.count} arrived")
        log(f"burst: {res.burst} events as fast as JetStream acks them")
        if meter is not None:
            await wait_drained(nats_url)
            before = meter.snapshot()
        rate, wall = await burst(nc, res.burst)
        if meter is not None:
            await wait_drained(nats_url)
            res.cpu_ms_per_event = meter.since(before, res.burst, idle).as_json()
        res.sustained_events_per_s, res.sustained_inbox_rows_per_s, res.burst_wall_s = round(rate, 1), round(2 * rate, 1), round(wall, 2)
        log(f"  {rate:,.0f} events/s reached inboxes")
        res.nats_rtt = await nats_rtt(nc)
    finally:
        await nc.close()


def platform_nats_url(port: int) -> str:
    """The demo platform's NATS URL, with the platform's credentials where `mgov up` sets them."""
    try:
        from launcher.up import demo_nats_url  # type: ignore[attr-defined]
    except ImportError:
        return f"nats://127.0.0.1:{port}"
    return str(demo_nats_url(port))


def run(rate: float, seconds: float, count: int, keep: bool) -> NotifyBench:
    res = NotifyBench(rate, seconds, count, load_before=round(os.getloadavg()[0], 2))
    tmp = Path(tempfile.mkdtemp(prefix="mgov-bench-notify-"))
    ports = {name: free_port() for name in PLATFORM_PORTS}
    env = {k: v for k, v in os.environ.items() if k not in ("MGOV_DATABASE_URL", "MGOV_NATS_URL")}
    env.update({f"MGOV_{k}_PORT": str(v) for k, v in ports.items()})
    env.update(MGOV_HOME=str(tmp / "home"), MGOV_DEMO="1", MGOV_READY_TIMEOUT="90", MGOV_LOG_LEVEL="WARNING")
    up = None
    try:
        log(f"starting the platform (mgov up, demo) in {tmp}")
        up = subprocess.Popen([str(Path(sys.executable).parent / "mgov"), "up"], cwd=REPO, env=env,
                              stdout=(tmp / "mgov-up.out").open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            if up.poll() is not None:
                raise RuntimeError(f"mgov up exited with {up.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{ports['GATEWAY']}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the platform did not become ready")
            time.sleep(0.2)
        asyncio.run(measure(res, platform_nats_url(ports["NATS"]), CpuMeter.of_tree(up.pid)))
        res.load_after = round(os.getloadavg()[0], 2)
    except Exception as exc:  # noqa: BLE001 - reported, the bench goes on to clean up
        res.error = f"{type(exc).__name__}: {exc}"
        log(f"failed: {res.error} (see {tmp})")
    finally:
        if up is not None and up.poll() is None:
            up.send_signal(2)
            try:
                up.wait(60)
            except subprocess.TimeoutExpired:
                up.kill()
        leftovers = processes_touching(str(tmp))
        if leftovers:
            log(f"ending {len(leftovers)} leftover process(es) of this run")
            end_processes([pid for pid, _ in leftovers])
        if not keep and res.error is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return res


def print_report(res: NotifyBench) -> None:
    print(f"{'figure':58} {'p50 ms':>9} {'p90 ms':>9} {'p99 ms':>9} {'max ms':>9} {'n':>7}")
    for fig in (res.paced, res.nats_rtt):
        if fig is not None:
            print(f"{fig.name:58} {fig.p50_ms:9.2f} {fig.p90_ms:9.2f} {fig.p99_ms:9.2f} {fig.max_ms:9.2f} {fig.received:7d}")
    if res.sustained_events_per_s is not None:
        print(f"max sustained: {res.sustained_events_per_s:,.0f} events/s to inboxes ({res.sustained_inbox_rows_per_s:,.0f} inbox rows/s;"
              f" {res.burst} events drained in {res.burst_wall_s} s)")
    for what, figures in (("paced", res.cpu_ms_per_paced_event), ("burst", res.cpu_ms_per_event)):
        if figures is not None:
            cost = dict(figures)
            total = cost.pop("total")
            print(f"CPU ms per {what} event by process (consumers drained): total {total:.3f}; "
                  + ", ".join(f"{role} {ms:.3f}" for role, ms in cost.items() if ms))
    print(f"load average (1 min) before/after: {res.load_before}/{res.load_after} on {os.cpu_count()} CPUs")
    if res.error:
        print(f"ERROR: {res.error}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.notify", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=200.0, help="paced events per second (default 200)")
    p.add_argument("--seconds", type=float, default=10.0, help="how long to pace (default 10)")
    p.add_argument("--burst", type=int, default=4000, help="events published at once for the sustained rate (default 4000)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, data)")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    res = run(args.rate, args.seconds, args.burst, args.keep)
    print(f"mgov notify bench - {os.cpu_count()} CPUs, Python {platform.python_version()} (figures only; nothing is asserted)")
    print_report(res)
    out = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "notify": asdict(res),
           "bench_wall_s": round(time.perf_counter() - t0, 1)}
    print("BENCH_JSON " + json.dumps(out, separators=(",", ":")), flush=True)
    return 0 if res.error is None else 1


if __name__ == "__main__":
    sys.exit(main())
