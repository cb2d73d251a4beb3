"""Outbox relay throughput against raw JetStream publishing, in the same run.

Embedded NATS (JetStream, file storage) and PostgreSQL are started on free ports under
a temporary directory and always stopped in `finally`. Every message goes to the
platform's own MGOV_EVENTS stream (created by `ensure_streams`), carries a CloudEvent
of ~0.5 kB and the headers the relay sends (`Nats-Msg-Id`, `traceparent`).

* raw      - `js.publish` in chunks of `window` concurrent publishes (asyncio.gather),
             the fair reference: the relay also publishes a batch concurrently.
* raw, 1 in flight - `js.publish` awaited one by one (information only).
* relay, drain    - N rows already committed with `record()` (not timed); time from
             the first `OutboxRelay.publish_batch()` until the last JetStream ack.
* relay, end-to-end - `OutboxRelay.run()` running (NOTIFY-driven) while a writer commits
             the N rows; time from the first writing transaction to the last ack.

The relay is timed twice: with no tracer provider installed (the OpenTelemetry API is
a no-op), then with the SDK `TracerProvider` that every service installs
(`setup_tracing`, no exporter): that is how the relay runs in the platform.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from launcher.embedded import EmbeddedNats, EmbeddedPostgres
from mgov_common.bus import connect_nats
from mgov_common.db import create_pool
from mgov_common.events.envelope import CloudEvent
from mgov_common.events.outbox import OutboxRelay, record
from mgov_common.events.streams import EVENTS_STREAM, ensure_streams
from mgov_common.migrations import migrate
from mgov_common.ports import free_port

SCHEMA = "bench_outbox"
TARGET_RATIO = 0.5


def make_events(n: int, tenant: str = "bench") -> list[CloudEvent]:
    """Workflow-like events, each with its own (request) trace context."""
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        out.append(CloudEvent(
            specversion="1.0",
            id=uuid.uuid4(),
            source="mgov/workflow",
            type="mgov.workflow.application.submitted.v1",
            subject=f"applications/{i}",
            time=now,
            data={
                "application_id": str(uuid.uuid4()),
                "service_code": "residence-registration",
                "applicant_ref": secrets.token_hex(16),
                "status": "submitted",
                "form": {"district": "Central district", "reason": "moving house", "documents": ["passport", "lease"]},
            },
            tenant=tenant,
            traceparent=f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01",
        ))
    return out


class AckClock:
    """Wraps a JetStreamContext for the relay: records when the last ack arrived."""

    def __init__(self, js: Any) -> None:
        self._js = js
        self.acks = 0
        self.duplicates = 0
        self.last_ack = 0.0

    async def publish(self, *args: Any, **kwargs: Any) -> Any:
        ack = await self._js.publish(*args, **kwargs)
        self.last_ack = time.perf_counter()
        self.acks += 1
        self.duplicates += bool(ack.duplicate)
        return ack

    async def publish_async(self, *args: Any, **kwargs: Any) -> Any:
        future = await self._js.publish_async(*args, **kwargs)

        def stamp(f: Any) -> None:
            if not f.cancelled() and f.exception() is None:
                self.last_ack = time.perf_counter()
                self.acks += 1
                self.duplicates += bool(f.result().duplicate)

        future.add_done_callback(stamp)
        return future


@dataclass
class CpuMeter:
    """CPU seconds of the bench process, nats-server and all PostgreSQL processes."""

    nats_pid: int
    pg_pid: int
    _start: dict[str, float] = field(default_factory=dict)

    def _now(self) -> dict[str, float]:
        def cpu(p: psutil.Process) -> float:
            try:
                t = p.cpu_times()
                return t.user + t.system
            except psutil.Error:
                return 0.0

        pm = psutil.Process(self.pg_pid)
        pg = cpu(pm) + sum(cpu(c) for c in pm.children(recursive=True))
        return {"bench_py": time.process_time(), "nats": cpu(psutil.Process(self.nats_pid)), "postgres": pg}

    def start(self) -> None:
        self._start = self._now()

    def stop(self, wall_s: float) -> dict[str, float]:
        end = self._now()
        return {k: round(100 * (end[k] - self._start[k]) / wall_s) for k in end}  # % of one core


@dataclass
class Figure:
    name: str
    events: int
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.events / self.seconds


async def _stream_seq(js: Any) -> tuple[int, int]:
    info = await js.stream_info(EVENTS_STREAM)
    return info.state.last_seq, info.state.messages


async def _check_stream(js: Any, seq0: int, n: int, what: str) -> None:
    seq, _ = await _stream_seq(js)
    if seq - seq0 != n:
        raise RuntimeError(f"{what}: stream grew by {seq - seq0} messages, expected {n}")


def _raw_messages(events: list[CloudEvent]) -> list[tuple[str, bytes, dict[str, str]]]:
    return [
        (e.platform_subject(), e.to_json().encode(), {"Nats-Msg-Id": str(e.id), "traceparent": e.traceparent or ""})
        for e in events
    ]


async def raw_publish(js: Any, cpu: CpuMeter, n: int, window: int) -> Figure:
    msgs = _raw_messages(make_events(n, tenant="benchraw"))
    seq0, _ = await _stream_seq(js)
    cpu.start()
    t0 = time.perf_counter()
    dup = 0
    for i in range(0, n, window):
        # Pipelined like the relay: publish_async a window, then await its acks.
        futures = [await js.publish_async(s, p, headers=h) for s, p, h in msgs[i:i + window]]
        acks = await asyncio.wait_for(asyncio.gather(*futures), 5.0)
        dup += sum(bool(a.duplicate) for a in acks)
    wall = time.perf_counter() - t0
    fig = Figure(f"raw JetStream publish_async, {window} in flight", n, wall, cpu.stop(wall))
    await _check_stream(js, seq0, n, fig.name)
    if dup:
        raise RuntimeError(f"{fig.name}: {dup} duplicates")
    fig.extra["payload_bytes"] = round(statistics.mean(len(p) for _, p, _ in msgs))
    return fig


async def raw_sequential(js: Any, cpu: CpuMeter, n: int) -> Figure:
    msgs = _raw_messages(make_events(n, tenant="benchraw"))
    seq0, _ = await _stream_seq(js)
    cpu.start()
    t0 = time.perf_counter()
    for s, p, h in msgs:
        await js.publish(s, p, timeout=5.0, headers=h)
    wall = time.perf_counter() - t0
    fig = Figure("raw JetStream publish, 1 in flight", n, wall, cpu.stop(wall))
    await _check_stream(js, seq0, n, fig.name)
    return fig


async def _reset_outbox(pool: Any) -> None:
    await pool.execute("TRUNCATE outbox")
    await pool.execute("VACUUM ANALYZE outbox")


async def _fill(pool: Any, events: list[CloudEvent], tx_size: int) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(events), tx_size):
        async with pool.acquire() as conn, conn.transaction():
            await record(conn, *events[i:i + tx_size])
    return time.perf_counter() - t0


async def relay_drain(pool: Any, js: Any, cpu: CpuMeter, n: int, tx_size: int, label: str, batch_size: int = 1024) -> Figure:
    await _reset_outbox(pool)
    fill_s = await _fill(pool, make_events(n), tx_size)
    clock = AckClock(js)
    relay = OutboxRelay(pool, clock, SCHEMA, batch_size=batch_size)  # type: ignore[arg-type]
    seq0, _ = await _stream_seq(js)
    cpu.start()
    t0 = time.perf_counter()
    batches = 0
    while await relay.publish_batch():
        batches += 1
    loop_s = time.perf_counter() - t0
    wall = clock.last_ack - t0
    fig = Figure(f"outbox relay, drain ({label})", n, wall, cpu.stop(loop_s))
    await _check_stream(js, seq0, n, fig.name)
    left = await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    if left or relay.published != n or clock.duplicates:
        raise RuntimeError(f"{fig.name}: {left} unpublished, {relay.published} published, {clock.duplicates} duplicates")
    fig.extra = {"batches": batches, "batch_size": batch_size, "loop_incl_last_commit_s": round(loop_s, 4),
                 "record_fill_events_per_s": round(n / fill_s)}
    return fig


async def relay_end_to_end(pool: Any, js: Any, cpu: CpuMeter, n: int, tx_size: int, writers: int, label: str) -> Figure:
    await _reset_outbox(pool)
    events = make_events(n)
    chunks = [events[i:i + tx_size] for i in range(0, n, tx_size)]
    clock = AckClock(js)
    relay = OutboxRelay(pool, clock, SCHEMA)  # type: ignore[arg-type]
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.3)  # LISTEN in place, first (empty) batch done, relay waiting
        seq0, _ = await _stream_seq(js)
        it = iter(chunks)

        async def writer() -> None:
            for chunk in it:
                async with pool.acquire() as conn, conn.transaction():
                    await record(conn, *chunk)

        cpu.start()
        t0 = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(writers)))
        committed = time.perf_counter() - t0
        deadline = time.monotonic() + 120
        while clock.acks < n:
            if task.done():
                task.result()
                raise RuntimeError("relay stopped")
            if time.monotonic() > deadline:
                raise TimeoutError(f"relay published {clock.acks} of {n}")
            await asyncio.sleep(0.002)
        wall = clock.last_ack - t0
        fig = Figure(f"outbox relay, end-to-end ({label})", n, wall, cpu.stop(wall))
        while relay.published < n:  # the last batch's commit
            await asyncio.sleep(0.002)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await _check_stream(js, seq0, n, fig.name)
    if clock.duplicates:
        raise RuntimeError(f"{fig.name}: {clock.duplicates} duplicates")
    fig.extra = {"tx_size": tx_size, "writers": writers, "all_committed_s": round(committed, 4),
                 "writer_events_per_s": round(n / committed), "lag_after_last_commit_s": round(wall - committed, 4)}
    return fig


def install_sdk_tracer() -> str:
    """What every service process does (`setup_tracing`), without an exporter."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    from mgov_common.telemetry import setup_tracing

    os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    setup_tracing("bench")
    provider = trace.get_tracer_provider()
    return "sdk" if isinstance(provider, TracerProvider) else type(provider).__name__


@dataclass
class OutboxResults:
    n: int
    pg_fast: bool
    raw: list[Figure] = field(default_factory=list)
    raw_seq: Figure | None = None
    relay_noop: list[Figure] = field(default_factory=list)
    relay_sdk: list[Figure] = field(default_factory=list)
    e2e: list[Figure] = field(default_factory=list)
    tracer: str = ""

    @staticmethod
    def median_rate(figs: list[Figure]) -> float | None:
        return statistics.median(f.rate for f in figs) if figs else None

    def summary(self) -> dict[str, Any]:
        raw = self.median_rate(self.raw)

        def ratio(figs: list[Figure]) -> float | None:
            r = self.median_rate(figs)
            return round(r / raw, 3) if r and raw else None

        def figs(fs: list[Figure]) -> list[dict[str, Any]]:
            return [{"events_per_s": round(f.rate), "seconds": round(f.seconds, 4), "cpu_pct": f.cpu, **f.extra} for f in fs]

        return {
            "events": self.n,
            "postgres_fast": self.pg_fast,
            "tracer_after_install": self.tracer,
            "raw_events_per_s": round(raw) if raw else None,
            "raw_1_in_flight_events_per_s": round(self.raw_seq.rate) if self.raw_seq else None,
            "relay_drain_noop_tracer_events_per_s": round(self.median_rate(self.relay_noop) or 0),
            "relay_drain_sdk_tracer_events_per_s": round(self.median_rate(self.relay_sdk) or 0),
            "relay_e2e_sdk_tracer_events_per_s": round(self.median_rate(self.e2e) or 0),
            "ratio_relay_drain_sdk_to_raw": ratio(self.relay_sdk),
            "ratio_relay_drain_noop_to_raw": ratio(self.relay_noop),
            "ratio_relay_e2e_to_raw": ratio(self.e2e),
            "target_ratio": TARGET_RATIO,
            "runs": {"raw": figs(self.raw), "raw_1_in_flight": figs([self.raw_seq] if self.raw_seq else []),
                     "relay_drain_noop": figs(self.relay_noop), "relay_drain_sdk": figs(self.relay_sdk),
                     "relay_e2e_sdk": figs(self.e2e)},
        }


def _say(msg: str) -> None:
    print(f"  [outbox] {msg}", file=sys.stderr, flush=True)


async def _measure(res: OutboxResults, nats: EmbeddedNats, pg: EmbeddedPostgres, *, repeats: int, window: int,
                   tx_size: int, e2e_tx_size: int, e2e_writers: int, seq_n: int) -> None:
    n = res.n
    await migrate(pg.dsn, SCHEMA, None)
    pool = await create_pool(pg.dsn, SCHEMA)  # the services' defaults (1..10 connections)
    nc = await connect_nats(nats.url, "mgov-bench")
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        pg_pid = int((pg.pgdata / "postmaster.pid").read_text().split()[0])
        assert nats.proc is not None
        cpu = CpuMeter(nats.proc.pid, pg_pid)
        await raw_publish(js, cpu, min(n, 2000), window)  # warm-up: connections, stream files
        for _ in range(repeats):
            res.raw.append(await raw_publish(js, cpu, n, window))
            _say(f"{res.raw[-1].name}: {res.raw[-1].rate:,.0f}/s")
        res.raw_seq = await raw_sequential(js, cpu, seq_n)
        _say(f"{res.raw_seq.name}: {res.raw_seq.rate:,.0f}/s")
        for _ in range(repeats):
            res.relay_noop.append(await relay_drain(pool, js, cpu, n, tx_size, "no tracer provider"))
            _say(f"{res.relay_noop[-1].name}: {res.relay_noop[-1].rate:,.0f}/s")
        res.tracer = install_sdk_tracer()
        for _ in range(repeats):
            res.relay_sdk.append(await relay_drain(pool, js, cpu, n, tx_size, "SDK tracer, as in services"))
            _say(f"{res.relay_sdk[-1].name}: {res.relay_sdk[-1].rate:,.0f}/s")
        for _ in range(repeats):
            res.e2e.append(await relay_end_to_end(pool, js, cpu, n, e2e_tx_size, e2e_writers, "SDK tracer"))
            _say(f"{res.e2e[-1].name}: {res.e2e[-1].rate:,.0f}/s")
        for _ in range(repeats):  # raw again: the reference brackets the relay runs
            res.raw.append(await raw_publish(js, cpu, n, window))
            _say(f"{res.raw[-1].name}: {res.raw[-1].rate:,.0f}/s")
    finally:
        await nc.close()
        await pool.close()


@contextlib.contextmanager
def embedded_servers(pg_fast: bool = False, keep: bool = False) -> Iterator[tuple[EmbeddedNats, EmbeddedPostgres]]:
    """NATS + PostgreSQL on free ports under a temporary directory; always stopped."""
    root = Path(tempfile.mkdtemp(prefix="mgov-bench-outbox-"))
    nats = EmbeddedNats(root / "nats", free_port())
    pg = EmbeddedPostgres(root / "postgres", free_port(), fast=pg_fast)
    try:
        nats.start()
        pg.start()
        _say(f"NATS on {nats.port}, PostgreSQL on {pg.port} (fast={pg_fast}) under {root}")
        yield nats, pg
    finally:
        try:
            nats.stop()
        finally:
            pg.stop()
            if not keep:
                shutil.rmtree(root, ignore_errors=True)


def run(n: int = 20_000, *, repeats: int = 3, window: int = 256, tx_size: int = 500, e2e_tx_size: int = 500,
        e2e_writers: int = 1, seq_n: int = 3000, pg_fast: bool = False, keep: bool = False) -> OutboxResults:
    res = OutboxResults(n, pg_fast)
    with embedded_servers(pg_fast, keep) as (nats, pg):
        asyncio.run(_measure(res, nats, pg, repeats=repeats, window=window, tx_size=tx_size,
                             e2e_tx_size=e2e_tx_size, e2e_writers=e2e_writers, seq_n=seq_n))
    return res
