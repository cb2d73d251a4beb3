"""Case submissions through the gateway at 50 concurrent clients, beside the raw composite.

    .venv/bin/python -m bench.workflow [--requests N] [--concurrency C] [--idempotency-keys] [--keep]

Starts its own platform (`mgov up`, demo mode, free loopback ports, a temporary
MGOV_HOME), signs the demo citizen in, and measures with the same load generator
(C keep-alive HTTP/1.1 connections, one request in flight on each, uvloop):

1. `POST /v1/applications` through the gateway: token verification, gateway -> workflow
   gRPC -> form validation against the item's JSON Schema, case number, one
   transaction writing the case, its timeline, its SLA timers and its outbox event.
   With `--idempotency-keys` each submission carries a new `Idempotency-Key`, as the
   app sends one with every submission (without: the same path less the key's hash).
   Afterwards every 201's case id is looked up on the JetStream stream: each must have
   exactly one `application.submitted` event (reported: missing, duplicated), and the
   time until the last one was on the stream gives the sustained end-to-end rate.
2. The raw composite in the same run: a bare FastAPI endpoint -> a bare grpc.aio
   service (generic bytes handler) -> one asyncpg single-row INSERT of the same JSON
   body, each in its own process like the real ones, on the same PostgreSQL.

Beside req/s and latency, each prints the CPU milliseconds per request of every process
(`bench.cpu`: /proc utime+stime of the `mgov up` tree and the raw composite's two
processes, from before the load until every event consumer has drained what it caused,
so a submission's figure includes its whole fan-out: outbox relay, NATS, notify, the
catalogue's use counter, identity's webhook fan-out). CPU per request is robust to a
shared, loaded machine; req/s is not, so the load average is printed too.

Figures only; nothing is asserted. Progress goes to stderr, the table and a final
`BENCH_JSON {...}` line to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bench.cpu import CpuCost, CpuMeter, format_cost_table, wait_drained
from bench.procs import PLATFORM_PORTS, end_processes, processes_touching, stop_process, wait_http
from mgov_common.ports import free_port

REPO = Path(__file__).resolve().parent.parent
CITIZEN, PASSWORD = "13900000100", "mgov-demo-2026"
FORM = {"applicant_name": "张小明", "id_number": "330106199001011234", "phone": "13900000100", "address": "杭州市西湖区文三路 100 号"}
SUBJECT = "mgov.evt.hangzhou.workflow.application.submitted"


def log(msg: str) -> None:
    print(f"[bench.workflow] {msg}", file=sys.stderr, flush=True)


@dataclass
class Figure:
    name: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    client_cpu_pct: float
    extra: dict[str, Any] = field(default_factory=dict)
    cpu: CpuCost | None = None


@dataclass
class WorkflowBench:
    concurrency: int
    requests: int
    idempotency_keys: bool = False
    gateway: Figure | None = None
    raw: Figure | None = None
    error: str | None = None
    # 1-minute load average before and after (the machine may be shared: context for req/s).
    load_before: float | None = None
    load_after: float | None = None


def _pct(sorted_ms: list[float], pct: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, max(0, round(pct / 100 * len(sorted_ms)) - 1))] if sorted_ms else float("nan")


@dataclass
class Metering:
    """What a measurement meters the CPU with (see `bench.cpu`)."""

    meter: CpuMeter
    nats_url: str


async def measure(name: str, call: Callable[[int], Awaitable[bool]], *, requests: int, concurrency: int, warmup: int,
                  metering: Metering | None = None) -> Figure:
    async def drive(total: int, latencies: list[float] | None) -> int:
        next_i, errors = 0, 0

        async def worker() -> None:
            nonlocal next_i, errors
            while next_i < total:
                i, next_i = next_i, next_i + 1
                t0 = time.perf_counter()
                ok = await call(i)
                if latencies is not None:
                    latencies.append((time.perf_counter() - t0) * 1000)
                errors += not ok

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return errors

    await drive(warmup, None)
    if metering is not None:
        await wait_drained(metering.nats_url)
        before = metering.meter.snapshot()
    latencies: list[float] = []
    cpu0, t0 = time.process_time(), time.perf_counter()
    errors = await drive(requests, latencies)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    cost = None
    if metering is not None:
        await wait_drained(metering.nats_url)
        cost = metering.meter.since(before, requests)
    latencies.sort()
    fig = Figure(name, requests, errors, round(wall, 2), round(requests / wall, 1), round(_pct(latencies, 50), 2), round(_pct(latencies, 99), 2),
                 round(100 * cpu / wall, 1), cpu=cost)
    log(f"{name}: {fig.rps:,.0f} req/s, p99 {fig.p99_ms:.1f} ms, errors {errors}" + (f", CPU {cost.total:.2f} ms/request" if cost else ""))
    return fig


class RawPost:
    """One keep-alive HTTP/1.1 connection POSTing JSON, one request at a time (httpx would
    measure itself at these rates: see bench/catalog.py)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, extra_head: str = "") -> tuple[int, bytes]:
        if self.writer is not None and self.reader is not None and self.reader.at_eof():
            await self.close()  # the server closed it while idle (keep-alive timeout, e.g. while consumers drained)
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n{self.head}"
                          f"{extra_head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:] if line)}
        data = await self.reader.readexactly(int(headers.get(b"content-length", b"0")))
        return int(lines[0].split()[1]), data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def bench_post(name: str, base: str, path: str, body_of: Callable[[int], bytes], headers: dict[str, str], *, requests: int,
                     concurrency: int, warmup: int, expect: int, ids: list[str] | None = None, metering: Metering | None = None,
                     keyed: bool = False) -> Figure:
    host, _, port = base.removeprefix("http://").partition(":")
    free = [RawPost(host, int(port), headers) for _ in range(concurrency)]
    pool = list(free)

    async def call(i: int) -> bool:
        conn = free.pop()
        try:
            status, data = await conn.post(path, body_of(i), f"Idempotency-Key: {uuid.uuid4().hex}\r\n" if keyed else "")
            if status == expect and ids is not None:
                ids.append(json.loads(data)["id"])
            return status == expect
        except (OSError, ValueError, asyncio.IncompleteReadError):
            await conn.close()
            return False
        finally:
            free.append(conn)

    try:
        return await measure(name, call, requests=requests, concurrency=concurrency, warmup=warmup, metering=metering)
    finally:
        for conn in pool:
            await conn.close()


async def submitted_events(nats_url: str, ids: set[str], timeout: float) -> tuple[dict[str, int], float]:
    """How many application.submitted events each case has on the stream, and when the last
    of `ids` arrived (stream time, seconds since the epoch)."""
    import nats

    nc = await nats.connect(nats_url)
    counts: dict[str, int] = {}
    last = 0.0
    try:
        sub = await nc.jetstream().subscribe(SUBJECT, ordered_consumer=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = await sub.next_msg(timeout=2.0)
            except nats.errors.TimeoutError:
                if set(counts) >= ids:
                    break
                continue
            subject = json.loads(msg.data)["subject"]
            counts[subject] = counts.get(subject, 0) + 1
            if subject in ids:
                last = max(last, msg.metadata.timestamp.timestamp())
    finally:
        await nc.close()
    return counts, last


# -- the raw composite: bare FastAPI -> bare grpc.aio -> asyncpg INSERT --------------------

def serve_raw_grpc(port: int, dsn: str) -> None:
    import grpc

    from mgov_common.grpc_server import MAX_MESSAGE_BYTES

    async def main() -> None:
        import asyncpg

        pool = await asyncpg.create_pool(dsn, min_size=10, max_size=10)
        await pool.execute("CREATE SCHEMA IF NOT EXISTS bench_raw; CREATE TABLE IF NOT EXISTS bench_raw.cases (id uuid PRIMARY KEY, body jsonb NOT NULL)")

        async def insert(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            import uuid

            new_id = uuid.uuid4()
            await pool.execute("INSERT INTO bench_raw.cases (id, body) VALUES ($1, $2::jsonb)", new_id, request.decode())
            return str(new_id).encode()

        server = grpc.aio.server(options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)])
        server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("bench.Raw", {"Insert": grpc.unary_unary_rpc_method_handler(insert)})])
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        await server.wait_for_termination()

    asyncio.run(main())


def serve_raw_http(port: int, grpc_port: int) -> None:
    import grpc
    import uvicorn

    app = FastAPI()
    state: dict[str, Any] = {}

    @app.post("/v1/raw")
    async def raw(request: Request) -> JSONResponse:
        if "call" not in state:
            state["call"] = grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}").unary_unary("/bench.Raw/Insert")
        new_id = await state["call"](await request.body(), timeout=5)
        return JSONResponse({"id": new_id.decode()}, status_code=201)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _loop(coro: Awaitable[Any]) -> Any:
    try:
        import uvloop

        return uvloop.run(coro)  # type: ignore[arg-type]
    except ImportError:
        return asyncio.run(coro)  # type: ignore[arg-type]


def run(requests: int = 3000, concurrency: int = 50, warmup: int = 300, keep: bool = False, keyed: bool = False) -> WorkflowBench:
    res = WorkflowBench(concurrency, requests, keyed, load_before=round(os.getloadavg()[0], 2))
    tmp = Path(tempfile.mkdtemp(prefix="mgov-bench-workflow-"))
    ports = {name: free_port() for name in PLATFORM_PORTS}
    env = {k: v for k, v in os.environ.items() if k not in ("MGOV_DATABASE_URL", "MGOV_NATS_URL")}
    env.update({f"MGOV_{k}_PORT": str(v) for k, v in ports.items()})
    env.update(MGOV_HOME=str(tmp / "home"), MGOV_DEMO="1", MGOV_READY_TIMEOUT="90", MGOV_LOG_LEVEL="WARNING")
    gateway = f"http://127.0.0.1:{ports['GATEWAY']}"
    procs: list[subprocess.Popen[bytes]] = []
    up = None
    try:
        log(f"starting the platform (mgov up, demo) in {tmp}")
        up = subprocess.Popen([str(Path(sys.executable).parent / "mgov"), "up"], cwd=REPO, env=env,
                              stdout=(tmp / "mgov-up.out").open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_http(f"{gateway}/readyz", 120, up)
        token = httpx.post(f"{gateway}/v1/auth/token", json={"username": CITIZEN, "password": PASSWORD}).json()["access_token"]
        found = httpx.get(f"{gateway}/v1/tenants/hangzhou/services", params={"q": "杭州市民卡"}).json()["items"]
        service_id = next(i["id"] for i in found if i["name"]["zh"] == "杭州市民卡申领")
        auth = {"Authorization": f"Bearer {token}"}
        body = json.dumps({"service_id": service_id, "form": FORM}, ensure_ascii=False).encode()
        kw = {"requests": requests, "concurrency": concurrency, "warmup": warmup}
        ids: list[str] = []
        from launcher.up import demo_nats_url

        nats_url = demo_nats_url(ports["NATS"])
        t_start = time.time()
        res.gateway = _loop(bench_post("POST /v1/applications via gateway", gateway, "/v1/applications", lambda i: body, auth, expect=201, ids=ids,
                                       metering=Metering(CpuMeter.of_tree(up.pid), nats_url), keyed=keyed, **kw))
        counts, last = _loop(submitted_events(nats_url, set(ids), timeout=120))
        missing = [i for i in ids if counts.get(i, 0) == 0]
        duplicated = [i for i in ids if counts.get(i, 0) > 1]
        res.gateway.extra = {
            "cases_created": len(ids), "events_on_stream": sum(counts.get(i, 0) for i in ids), "missing_events": len(missing),
            "duplicated_events": len(duplicated), "exactly_one_event_each": not missing and not duplicated,
            "sustained_rps_to_last_event": round(len(ids) / (last - t_start), 1) if last > t_start else None,
        }
        log(f"events: {res.gateway.extra}")
        grpc_port, http_port = free_port(), free_port()
        dsn = f"postgresql://postgres@127.0.0.1:{ports['POSTGRES']}/postgres"
        procs.append(subprocess.Popen([sys.executable, "-m", "bench.workflow", "--serve-raw-grpc", str(grpc_port), dsn], cwd=REPO,
                                      stderr=(tmp / "raw-grpc.err").open("wb"), start_new_session=True))
        procs.append(subprocess.Popen([sys.executable, "-m", "bench.workflow", "--serve-raw-http", str(http_port), str(grpc_port)], cwd=REPO,
                                      stderr=(tmp / "raw-http.err").open("wb"), start_new_session=True))
        wait_http(f"http://127.0.0.1:{http_port}/v1/raw", 30, procs[-1], method="POST")
        # The raw composite's own two processes and PostgreSQL (found in the platform's tree).
        raw_meter = CpuMeter.of_tree(up.pid, extra={"raw http": [procs[1].pid], "raw grpc": [procs[0].pid]})
        res.raw = _loop(bench_post("raw FastAPI -> grpc.aio -> asyncpg INSERT (composite)", f"http://127.0.0.1:{http_port}", "/v1/raw",
                                   lambda i: body, {}, expect=201, metering=Metering(raw_meter, nats_url), **kw))
        res.load_after = round(os.getloadavg()[0], 2)
    except Exception as exc:  # noqa: BLE001 - reported, the bench goes on to clean up
        res.error = f"{type(exc).__name__}: {exc}"
        log(f"failed: {res.error} (see {tmp})")
    finally:
        for proc in procs:
            stop_process(proc, signal.SIGTERM, 10)
        if up is not None:
            stop_process(up)
        leftovers = processes_touching(str(tmp))
        if leftovers:
            end_processes([pid for pid, _ in leftovers])
        if not keep and res.error is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return res


def print_report(res: WorkflowBench) -> None:
    print(f"\nCase submissions at {res.concurrency} concurrent clients ({res.requests:,} requests each after warm-up)")
    print(f"  {'measurement':<56} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'client CPU':>11}")
    for fig in (res.gateway, res.raw):
        if fig is not None:
            print(f"  {fig.name:<56} {fig.rps:>8,.0f} {fig.p50_ms:>8.1f} {fig.p99_ms:>8.1f} {fig.errors:>7} {fig.client_cpu_pct:>10.0f}%")
    if res.gateway and res.gateway.extra:
        e = res.gateway.extra
        print(f"  events: {e['events_on_stream']:,} application.submitted for {e['cases_created']:,} cases; missing {e['missing_events']},"
              f" duplicated {e['duplicated_events']}; exactly one each: {e['exactly_one_event_each']};"
              f" sustained to the last event on the stream: {e['sustained_rps_to_last_event']} cases/s")
    if res.gateway and res.raw and res.raw.rps:
        print(f"  gateway submissions / raw composite: {res.gateway.rps / res.raw.rps:.1%}")
    costs = {label: fig.cpu for label, fig in (("submission", res.gateway), ("raw composite", res.raw)) if fig is not None and fig.cpu is not None}
    if costs:
        print("\n  CPU ms per request by process, consumers drained (the raw composite's column: its processes and PostgreSQL;"
              " the platform idles beside it)")
        print(format_cost_table(costs))
    print(f"  load average (1 min) before/after: {res.load_before}/{res.load_after} on {os.cpu_count()} CPUs")
    if res.error:
        print(f"  error: {res.error}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve-raw-grpc"]:
        serve_raw_grpc(int(argv[1]), argv[2])
        return 0
    if argv[:1] == ["--serve-raw-http"]:
        serve_raw_http(int(argv[1]), int(argv[2]))
        return 0
    p = argparse.ArgumentParser(prog="python -m bench.workflow", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=3000, help="measured requests per target (default 3000)")
    p.add_argument("--concurrency", type=int, default=50, help="concurrent clients (default 50)")
    p.add_argument("--warmup", type=int, default=300, help="unmeasured requests first (default 300)")
    p.add_argument("--keep", action="store_true", help="keep the temporary MGOV_HOME")
    p.add_argument("--idempotency-keys", action="store_true", help="a new Idempotency-Key with each submission, as the app sends")
    args = p.parse_args(argv)
    res = run(args.requests, args.concurrency, args.warmup, args.keep, args.idempotency_keys)
    print_report(res)
    out = asdict(res)
    for key in ("gateway", "raw"):
        if out[key] is not None:
            out[key].pop("cpu", None)
    if res.gateway and res.raw and res.raw.rps:
        out["ratio_gateway_to_raw"] = round(res.gateway.rps / res.raw.rps, 3)
    out["cpu_ms_per_request"] = {label: fig.cpu.as_json() for label, fig in (("submission", res.gateway), ("raw_composite", res.raw))
                                 if fig is not None and fig.cpu is not None}
    print("BENCH_JSON " + json.dumps(out))
    return 0 if res.error is None else 1


if __name__ == "__main__":
    sys.exit(main())
