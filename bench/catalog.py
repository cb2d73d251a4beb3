"""Catalogue reads through the gateway at 50 concurrent clients, beside their ceiling.

    .venv/bin/python -m bench.catalog [--requests N] [--concurrency C] [--keep]

Starts its own platform (`mgov up`, demo mode, fresh free loopback ports, a temporary
MGOV_HOME, tracing on as deployed), then measures with the same load generator and the
same concurrency:

1. the ceiling: a bare FastAPI endpoint on uvicorn, in its own process like the
   gateway, answering a captured search response (same body size, JSON encoded per
   request);
2. a cached read: `GET /v1/tenants/{t}/services?q=...` through the gateway, rotating
   realistic queries (Chinese and English) over three tenants; after the warm-up every
   one is in the gateway's catalogue cache;
3. an uncached search: the same requests through a second gateway process the bench
   starts beside the first, with the same settings but its catalogue cache off
   (`MGOV_GATEWAY_CATALOG_CACHE_BYTES=0`): gateway -> catalog gRPC -> PostgreSQL
   trigram search over the tenant's effective list, every time;
4. the catalog's gRPC `ListServices` called directly (where the time goes);
5. the gateway's own floor: `GET /healthz` through it (middleware, no backend call).

Each measurement is a warm-up, then a fixed number of requests; it reports requests/s,
p50/p90/p99 latency, errors, the load generator's own CPU (a client near 100% of a core
is itself the limit) and, robust to a shared and loaded machine where req/s is not, the
CPU milliseconds per request of every platform process (`bench.cpu`: /proc utime+stime
of the gateway, each service, PostgreSQL with its backends and nats-server, before and
after the load, consumers drained). Figures only; nothing is asserted. Progress goes to
stderr, the tables and a final `BENCH_JSON {...}` line to stdout.

The load generator: 50 keep-alive HTTP/1.1 connections, one request in flight on each,
on uvloop. By default each connection is a minimal raw-socket client (`--client raw`),
because httpx, measured on the 2-core build machine, tops out near 300 req/s with one
50-connection pool and near 1,200 req/s with 50 single-connection clients at 80-95% of
a core: it would measure itself, not the servers. `--client httpx` (50 single-connection
httpx.AsyncClients) is kept for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.cpu import CpuCost, CpuMeter, format_cost_table, wait_drained
from bench.procs import PLATFORM_PORTS, end_processes, processes_touching, stop_process, wait_http
from mgov_common.ports import free_port

REPO = Path(__file__).resolve().parent.parent
TENANTS = ("xihu", "hangzhou", "ningbo")
QUERIES = ("营业执照", "公积金", "社保卡", "出生登记", "补贴", "不动产登记", "居住证", "business licence", "marriage", "许可")


def log(msg: str) -> None:
    print(f"[bench.catalog] {msg}", file=sys.stderr, flush=True)


@dataclass
class Figure:
    name: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    client_cpu_pct: float
    extra: dict[str, Any] = field(default_factory=dict)
    cpu: CpuCost | None = None


@dataclass
class CatalogBench:
    concurrency: int
    requests: int
    client: str = "raw"
    gateway: Figure | None = None  # the cached read
    uncached: Figure | None = None
    grpc: Figure | None = None
    bare: Figure | None = None
    healthz: Figure | None = None
    body_bytes: int = 0
    items_in_catalogue: int = 0
    load: str = ""
    idle_ms_per_s: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    FIGURES = ("bare", "gateway", "uncached", "grpc", "healthz")
    CPU_KEYS = {"bare": "bare", "gateway": "cached_read", "uncached": "uncached_search", "grpc": "grpc_direct", "healthz": "healthz"}

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in asdict(self).items() if k not in self.FIGURES}
        for key in self.FIGURES:
            fig = getattr(self, key)
            out[key] = {k: v for k, v in asdict(fig).items() if k != "cpu"} if fig else None
        if self.gateway and self.bare and self.bare.rps:
            out["ratio_gateway_to_bare"] = round(self.gateway.rps / self.bare.rps, 3)
        if self.uncached and self.bare and self.bare.rps:
            out["ratio_uncached_to_bare"] = round(self.uncached.rps / self.bare.rps, 3)
        out["cpu_ms_per_request"] = {self.CPU_KEYS[k]: fig.cpu.as_json() for k in self.FIGURES if (fig := getattr(self, k)) and fig.cpu}
        return out


def _percentile(sorted_ms: list[float], pct: float) -> float:
    if not sorted_ms:
        return float("nan")
    k = min(len(sorted_ms) - 1, max(0, round(pct / 100 * len(sorted_ms)) - 1))
    return sorted_ms[k]


@dataclass
class Metering:
    """What a measurement meters the platform's CPU with (see `bench.cpu`)."""

    meter: CpuMeter
    nats_url: str
    idle: dict[str, float] = field(default_factory=dict)  # CPU s/s by role with no load, subtracted


async def measure(name: str, call: Callable[[int], Awaitable[bool]], *, requests: int, concurrency: int, warmup: int,
                  metering: Metering | None = None) -> Figure:
    """Run `requests` calls (after `warmup` unmeasured ones) with `concurrency` workers;
    with `metering`, also the CPU ms per request of every platform process (consumers
    drained before the second snapshot)."""
    async def drive(total: int, latencies: list[float] | None) -> int:
        next_i = 0
        errors = 0

        async def worker() -> None:
            nonlocal next_i, errors
            while next_i < total:
                i = next_i
                next_i += 1
                t0 = time.perf_counter()
                ok = await call(i)
                if latencies is not None:
                    latencies.append((time.perf_counter() - t0) * 1000)
                if not ok:
                    errors += 1

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
        cost = metering.meter.since(before, requests, metering.idle)
    latencies.sort()
    fig = Figure(name, requests, errors, round(wall, 2), round(requests / wall, 1), round(_percentile(latencies, 50), 2),
                 round(_percentile(latencies, 90), 2), round(_percentile(latencies, 99), 2), round(latencies[-1], 2), round(100 * cpu / wall, 1), cpu=cost)
    log(f"{name}: {fig.rps:,.0f} req/s, p99 {fig.p99_ms:.1f} ms, errors {errors}" + (f", CPU {cost.total:.2f} ms/request" if cost else ""))
    return fig


def _paths() -> list[str]:
    return [f"/v1/tenants/{t}/services?q={q}" for t in TENANTS for q in QUERIES]


class RawConnection:
    """One keep-alive HTTP/1.1 connection doing one GET at a time (Content-Length or chunked bodies)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: application/json\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:] if line)}
        if b"content-length" in headers:
            await self.reader.readexactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            while (size := int((await self.reader.readuntil(b"\r\n")).strip(), 16)) > 0:
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        if headers.get(b"connection", b"").lower() == b"close":
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def bench_http(name: str, base: str, paths: list[str], *, requests: int, concurrency: int, warmup: int, client: str = "raw",
                     metering: Metering | None = None) -> Figure:
    """`concurrency` connections, each with one request in flight (a worker owns a connection)."""
    host, _, port = base.removeprefix("http://").partition(":")
    quoted = [httpx.URL(p).raw_path.decode() for p in paths]
    if client == "httpx":
        pool = [httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)) for _ in range(concurrency)]
    else:
        pool = [RawConnection(host, int(port)) for _ in range(concurrency)]  # type: ignore[misc]
    free = list(pool)

    async def call(i: int) -> bool:
        conn = free.pop()
        try:
            if isinstance(conn, httpx.AsyncClient):
                return (await conn.get(paths[i % len(paths)])).status_code == 200
            return await conn.get(quoted[i % len(quoted)]) == 200
        except (httpx.HTTPError, OSError, ValueError, asyncio.IncompleteReadError):
            if isinstance(conn, RawConnection):
                await conn.close()
            return False
        finally:
            free.append(conn)

    try:
        return await measure(f"{name} [{client}]", call, requests=requests, concurrency=concurrency, warmup=warmup, metering=metering)
    finally:
        for conn in pool:
            await (conn.aclose() if isinstance(conn, httpx.AsyncClient) else conn.close())


async def bench_grpc(target: str, *, requests: int, concurrency: int, warmup: int, metering: Metering | None = None) -> Figure:
    from mgov.catalog.v1 import catalog_pb2, catalog_pb2_grpc
    from mgov_common.grpc_client import create_channel

    reqs = [catalog_pb2.ListServicesRequest(tenant_id=t, q=q) for t in TENANTS for q in QUERIES]
    async with create_channel(target) as channel:
        stub = catalog_pb2_grpc.CatalogServiceStub(channel)

        async def call(i: int) -> bool:
            try:
                await stub.ListServices(reqs[i % len(reqs)])
            except Exception:  # noqa: BLE001 - counted as an error
                return False
            return True

        return await measure("catalog gRPC ListServices, direct", call, requests=requests, concurrency=concurrency, warmup=warmup, metering=metering)


# -- the ceiling: a bare FastAPI app -------------------------------------------------------

def serve_bare(port: int, body_file: str) -> None:
    """`python -m bench.catalog --serve-bare PORT FILE`: one GET answering the captured body."""
    import uvicorn
    from fastapi import FastAPI

    body = json.loads(Path(body_file).read_text(encoding="utf-8"))
    app = FastAPI()

    @app.get("/v1/tenants/{tenant_id}/services")
    async def services(tenant_id: str, q: str = "") -> dict[str, Any]:
        return body  # type: ignore[no-any-return]

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _loop_run(coro: Awaitable[Figure]) -> Figure:
    import uvloop

    return uvloop.run(coro)  # type: ignore[arg-type,no-any-return]


def _gateway_pid(up_pid: int) -> int:
    for pid, role in CpuMeter.of_tree(up_pid).processes().items():
        if role == "gateway":
            return pid
    raise RuntimeError("no gateway process under mgov up")


def start_uncached_gateway(up_pid: int, port: int, log_file: Path) -> subprocess.Popen[bytes]:
    """A second gateway beside the platform's: its environment, another port, no metrics
    port and its catalogue cache off. Every read through it is a miss."""
    raw = Path(f"/proc/{_gateway_pid(up_pid)}/environ").read_bytes()
    env = dict(item.decode().split("=", 1) for item in raw.split(b"\0") if b"=" in item)
    env.update(MGOV_GATEWAY_PORT=str(port), MGOV_METRICS_PORT="0", MGOV_GATEWAY_CATALOG_CACHE_BYTES="0")
    return subprocess.Popen([sys.executable, "-m", "gateway"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=log_file.open("wb"), start_new_session=True)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run(requests: int = 5000, concurrency: int = 50, warmup: int = 500, keep: bool = False, client: str = "raw") -> CatalogBench:
    res = CatalogBench(concurrency, requests, client)
    tmp = Path(tempfile.mkdtemp(prefix="mgov-bench-catalog-"))
    ports = {name: free_port() for name in PLATFORM_PORTS}
    env = {k: v for k, v in os.environ.items() if k not in ("MGOV_DATABASE_URL", "MGOV_NATS_URL")}
    env.update({f"MGOV_{k}_PORT": str(v) for k, v in ports.items()})
    env.update(MGOV_HOME=str(tmp / "home"), MGOV_DEMO="1", MGOV_READY_TIMEOUT="90", MGOV_LOG_LEVEL="WARNING")
    gateway = f"http://127.0.0.1:{ports['GATEWAY']}"
    bare_port, uncached_port = free_port(), free_port()
    up = bare = uncached = None
    try:
        log(f"starting the platform (mgov up, demo) in {tmp}")
        up = subprocess.Popen([str(Path(sys.executable).parent / "mgov"), "up"], cwd=REPO, env=env,
                              stdout=(tmp / "mgov-up.out").open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_http(f"{gateway}/readyz", 120, up)
        wait_http(f"{gateway}/v1/tenants/{TENANTS[-1]}/services", 60, up)  # the tenant projection is filled
        everything = httpx.get(f"{gateway}/v1/tenants/xihu/services", params={"page_size": 100}).json()["items"]
        res.items_in_catalogue = len(everything)
        sample = httpx.get(f"{gateway}/v1/tenants/xihu/services", params={"q": "补贴"})
        body_file = tmp / "body.json"
        body_file.write_bytes(sample.content)
        res.body_bytes = len(sample.content)
        bare = subprocess.Popen([sys.executable, "-m", "bench.catalog", "--serve-bare", str(bare_port), str(body_file)], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=(tmp / "bare.err").open("wb"), start_new_session=True)
        uncached = start_uncached_gateway(up.pid, uncached_port, tmp / "uncached-gateway.err")
        wait_http(f"http://127.0.0.1:{bare_port}/v1/tenants/xihu/services", 30, bare)
        wait_http(f"http://127.0.0.1:{uncached_port}/readyz", 60, uncached)
        from launcher.up import demo_nats_url

        meter = CpuMeter.of_tree(up.pid, extra={"bare": [bare.pid], "gateway": [uncached.pid]})
        _loop_run(wait_drained(demo_nats_url(ports["NATS"])))  # type: ignore[arg-type]
        metering = Metering(meter, demo_nats_url(ports["NATS"]), meter.idle_rates(3.0))
        res.idle_ms_per_s = {role: round(rate * 1000, 2) for role, rate in metering.idle.items()}
        kw: dict[str, Any] = {"requests": requests, "concurrency": concurrency, "warmup": warmup, "metering": metering}
        res.bare = _loop_run(bench_http("bare FastAPI + uvicorn, same body (ceiling)", f"http://127.0.0.1:{bare_port}", _paths(), client=client, **kw))
        res.gateway = _loop_run(bench_http("cached read: GET .../services?q= via gateway", gateway, _paths(), client=client, **kw))
        res.uncached = _loop_run(bench_http("uncached search: same, gateway cache off", f"http://127.0.0.1:{uncached_port}", _paths(),
                                            client=client, **kw))
        res.grpc = _loop_run(bench_grpc(f"127.0.0.1:{ports['CATALOG']}", **kw))
        res.healthz = _loop_run(bench_http("GET /healthz via gateway (no backend call)", gateway, ["/healthz"], client=client, **kw))
        res.load = load_average()
    except Exception as exc:  # noqa: BLE001 - reported, the bench goes on to clean up
        res.error = f"{type(exc).__name__}: {exc}"
        log(f"failed: {res.error} (see {tmp})")
    finally:
        for proc in (bare, uncached):
            if proc is not None:
                stop_process(proc, signal.SIGTERM, 10)
        if up is not None:
            stop_process(up)
        leftovers = processes_touching(str(tmp))
        if leftovers:
            log(f"ending {len(leftovers)} leftover process(es) of this run")
            end_processes([pid for pid, _ in leftovers])
        if not keep and res.error is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return res


def print_report(res: CatalogBench) -> None:
    print(f"\nCatalogue reads at {res.concurrency} concurrent clients, {res.client} HTTP client ({res.requests:,} requests each after warm-up;"
          f" {res.items_in_catalogue} items offered in xihu; response ~{res.body_bytes:,} B; load average {res.load or '?'})")
    print(f"  {'measurement':<52} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7} {'client CPU':>11} {'CPU ms/req':>11}")
    figs = [(k, getattr(res, k)) for k in res.FIGURES]
    for _, fig in figs:
        if fig is not None:
            cpu = f"{fig.cpu.total:>11.3f}" if fig.cpu else f"{'-':>11}"
            print(f"  {fig.name:<52} {fig.rps:>8,.0f} {fig.p50_ms:>8.1f} {fig.p90_ms:>8.1f} {fig.p99_ms:>8.1f} {fig.errors:>7} {fig.client_cpu_pct:>10.0f}% {cpu}")
    if res.gateway and res.bare:
        print(f"  cached read via gateway / bare ceiling: {res.gateway.rps / res.bare.rps:.1%}   (target >= 50 %)")
    if res.uncached and res.bare:
        print(f"  uncached search via gateway / bare ceiling: {res.uncached.rps / res.bare.rps:.1%}")
    costs = {res.CPU_KEYS[k]: fig.cpu for k, fig in figs if fig is not None and fig.cpu is not None}
    if costs:
        print("\n  CPU milliseconds per request, by process (all processes of the platform, consumers drained, their idle"
              " rate subtracted; targets: cached read <= 1.0, uncached search <= 2.5 in total)")
        print("  idle, CPU ms per second: " + ", ".join(f"{k} {v:.1f}" for k, v in res.idle_ms_per_s.items()))
        print(format_cost_table(costs))
    if res.error:
        print(f"  error: {res.error}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve-bare"]:
        serve_bare(int(argv[1]), argv[2])
        return 0
    p = argparse.ArgumentParser(prog="python -m bench.catalog", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=5000, help="measured requests per target (default 5000)")
    p.add_argument("--concurrency", type=int, default=50, help="concurrent clients (default 50)")
    p.add_argument("--warmup", type=int, default=500, help="unmeasured requests first (default 500)")
    p.add_argument("--client", choices=("raw", "httpx"), default="raw", help="HTTP load generator (default raw; see above)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, data)")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    res = run(args.requests, args.concurrency, args.warmup, args.keep, args.client)
    print(f"mgov catalogue bench - {os.cpu_count()} CPUs, Python {platform.python_version()} (figures only; nothing is asserted)")
    print_report(res)
    out = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "catalog": res.summary(),
           "bench_wall_s": round(time.perf_counter() - t0, 1)}
    print("BENCH_JSON " + json.dumps(out, separators=(",", ":")), flush=True)
    return 0 if res.error is None else 1


if __name__ == "__main__":
    sys.exit(main())
