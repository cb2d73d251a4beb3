"""Where the outbox relay's time goes: `python -m bench.relay_profile [--events N]`.

An investigation aid, not part of `make bench`. Against embedded NATS + PostgreSQL
(fsync on unless --pg-fast) it drains N pre-committed outbox rows with variants of the
relay and splits each batch's wall time into its steps (acquire, BEGIN+SELECT ... FOR
UPDATE SKIP LOCKED, concurrent publish until the last ack, UPDATE, COMMIT):

* publish = "span"    `OutboxRelay._publish` as shipped (one PRODUCER span per message)
* publish = "nospan"  the same `js.publish` with the same headers, no span
* publish = "async"   `js.publish_async` for the batch, then the acks gathered
* batch size 256 (the default), 1024, 4096
* "2 loops"           two publish_batch loops at once (SKIP LOCKED lets them; order across
                      batches is then no longer the commit order)

Variants run without a tracer provider first, then with the services' SDK provider.
It also times span creation alone and prints a cProfile of the shipped relay.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import statistics
import time
from collections import defaultdict
from typing import Any

from opentelemetry import trace
from bench.outbox import (
    SCHEMA,
    AckClock,
    _fill,
    _raw_messages,
    _reset_outbox,
    embedded_servers,
    install_sdk_tracer,
    make_events,
    raw_publish,
    CpuMeter,
)
from mgov_common.bus import connect_nats
from mgov_common.db import create_pool
from mgov_common.events.outbox import OutboxRelay
from mgov_common.events.streams import ensure_streams
from mgov_common.migrations import migrate
from mgov_common.telemetry import context_from_traceparent, tracer

_tracer = tracer("bench.relay_profile")

SELECT = ("SELECT seq, id, subject, payload, traceparent FROM outbox"
          " WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED")
UPDATE = "UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])"
STEPS = ("acquire", "begin+select", "publish", "update", "commit", "release")


class TimedRelay(OutboxRelay):
    """`OutboxRelay.publish_batch` with the same SQL, each step timed."""

    def __init__(self, *args: Any, mode: str = "span", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode
        self.steps: dict[str, float] = defaultdict(float)

    async def _publish_nospan(self, row: Any) -> None:
        headers = {"Nats-Msg-Id": str(row["id"])}
        if row["traceparent"]:
            headers["traceparent"] = row["traceparent"]
        await self.js.publish(row["subject"], row["payload"].encode(), timeout=self.publish_timeout_s, headers=headers)

    async def _publish_all(self, rows: list[Any]) -> None:
        if self.mode == "span":
            await asyncio.gather(*(self._publish(r) for r in rows))
        elif self.mode == "nospan":
            await asyncio.gather(*(self._publish_nospan(r) for r in rows))
        elif self.mode == "async":
            js = self.js._js if isinstance(self.js, AckClock) else self.js
            futs = []
            for r in rows:
                headers = {"Nats-Msg-Id": str(r["id"])}
                if r["traceparent"]:
                    headers["traceparent"] = r["traceparent"]
                futs.append(await js.publish_async(r["subject"], r["payload"].encode(), headers=headers))
            await asyncio.wait_for(asyncio.gather(*futs), self.publish_timeout_s)
            if isinstance(self.js, AckClock):
                self.js.acks += len(futs)
                self.js.last_ack = time.perf_counter()
        elif self.mode in ("batchspan", "async_batchspan"):
            # One PRODUCER span per batch, linked to each event's trace (messaging semconv for batches).
            links = [trace.Link(trace.get_current_span(context_from_traceparent(r["traceparent"])).get_span_context())
                     for r in rows if r["traceparent"]]
            with _tracer.start_as_current_span("publish outbox batch", kind=trace.SpanKind.PRODUCER, links=links,
                                               attributes={"messaging.system": "nats", "messaging.batch.message_count": len(rows)}):
                inner = self.mode.removesuffix("_batchspan").removesuffix("batchspan") or "nospan"
                saved, self.mode = self.mode, inner
                try:
                    await self._publish_all(rows)
                finally:
                    self.mode = saved
        else:
            raise ValueError(self.mode)

    async def publish_batch(self) -> int:
        t = time.perf_counter
        s = self.steps
        t0 = t()
        async with self.pool.acquire() as conn:
            t1 = t()
            async with conn.transaction():
                rows = await conn.fetch(SELECT, self.batch_size)
                t2 = t()
                if not rows:
                    return 0
                await self._publish_all(rows)
                t3 = t()
                await conn.execute(UPDATE, [r["seq"] for r in rows])
                t4 = t()
            t5 = t()
        t6 = t()
        for name, dt in zip(STEPS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
            s[name] += dt
        self.published += len(rows)
        return len(rows)


async def drain(pool: Any, js: Any, n: int, *, mode: str, batch_size: int, loops: int = 1, gc_off: bool = False) -> dict[str, Any]:
    await _reset_outbox(pool)
    await _fill(pool, make_events(n), 500)
    if gc_off:
        gc.collect()
        gc.disable()
    clock = AckClock(js)
    relay = TimedRelay(pool, clock, SCHEMA, batch_size=batch_size, mode=mode)

    async def loop() -> None:
        while await relay.publish_batch():
            pass

    t0 = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(loops)))
    wall = time.perf_counter() - t0
    if gc_off:
        gc.enable()
    left = await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    assert left == 0 and relay.published == n, (left, relay.published)
    per_msg_us = {k: round(1e6 * v / n, 1) for k, v in relay.steps.items()}
    return {"events_per_s": round(n / wall), "wall_s": round(wall, 3), "per_event_us": per_msg_us,
            "share": {k: f"{v / sum(relay.steps.values()):.0%}" for k, v in relay.steps.items()}}


async def best_of(repeats: int, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The median run of `repeats` drains (rate and its step split), with all rates."""
    runs = sorted([await drain(*args, **kwargs) for _ in range(repeats)], key=lambda r: r["events_per_s"])
    mid = dict(runs[len(runs) // 2])
    mid["runs"] = [r["events_per_s"] for r in runs]
    return mid


def span_cost(n: int = 20_000) -> float:
    """µs per `_publish`-style span (context from traceparent, PRODUCER, 3 attributes)."""
    from opentelemetry import trace

    from mgov_common.events import outbox as ob
    from mgov_common.telemetry import context_from_traceparent

    tps = [e.traceparent for e in make_events(min(n, 2000))]
    t0 = time.perf_counter()
    for i in range(n):
        tp = tps[i % len(tps)]
        with ob._tracer.start_as_current_span(
            "publish mgov.evt.bench.workflow.application.submitted",
            context=context_from_traceparent(tp), kind=trace.SpanKind.PRODUCER,
            attributes={"messaging.system": "nats", "messaging.destination.name": "x", "messaging.message.id": "y"},
        ):
            pass
    return 1e6 * (time.perf_counter() - t0) / n


async def main_async(args: argparse.Namespace, nats: Any, pg: Any) -> None:
    n = args.events
    await migrate(pg.dsn, SCHEMA, None)
    pool = await create_pool(pg.dsn, SCHEMA)
    nc = await connect_nats(nats.url, "mgov-bench-profile")
    js = nc.jetstream()
    await ensure_streams(js)
    pg_pid = int((pg.pgdata / "postmaster.pid").read_text().split()[0])
    cpu = CpuMeter(nats.proc.pid, pg_pid)
    results: list[tuple[str, dict[str, Any]]] = []

    def show(name: str, r: dict[str, Any]) -> None:
        results.append((name, r))
        steps = "  ".join(f"{k} {r['per_event_us'][k]:.1f}" for k in STEPS if k in r["per_event_us"])
        runs = "/".join(f"{x / 1000:.1f}k" for x in r.get("runs", []))
        print(f"{name:<52} {r['events_per_s']:>8,}/s  [{runs:<17}] µs/event: {steps}", flush=True)

    try:
        await raw_publish(js, cpu, 2000, 256)
        raws = [(await raw_publish(js, cpu, n, 256)).rate for _ in range(max(2, args.repeats))]
        print(f"{'raw js.publish, 256 in flight':<44} {statistics.median(raws):>8,.0f}/s   ({1e6 / statistics.median(raws):.1f} µs/event)")
        msgs = _raw_messages(make_events(n, tenant="benchraw"))
        t0 = time.perf_counter()
        for i in range(0, n, 256):
            futs = [await js.publish_async(s, p, headers=h) for s, p, h in msgs[i:i + 256]]
            await asyncio.gather(*futs)
        ra = n / (time.perf_counter() - t0)
        print(f"{'raw js.publish_async, 256 per chunk':<44} {ra:>8,.0f}/s   ({1e6 / ra:.1f} µs/event)")
        print(f"span cost, no tracer provider: {span_cost():.1f} µs/span")
        for mode in ("span", "nospan"):
            show(f"no provider  {mode:<15} batch 256", await best_of(args.repeats, pool, js, n, mode=mode, batch_size=256))
        tracer = install_sdk_tracer()
        print(f"-- tracer provider installed: {tracer}; span cost now {span_cost():.1f} µs/span")
        for mode, bs, loops, gc_off in (
            ("span", 256, 1, False), ("nospan", 256, 1, False), ("async", 256, 1, False),
            ("batchspan", 256, 1, False), ("async_batchspan", 256, 1, False),
            ("span", 1024, 1, False), ("nospan", 1024, 1, False), ("async", 1024, 1, False),
            ("async_batchspan", 1024, 1, False),
            ("span", 4096, 1, False), ("async", 4096, 1, False),
            ("span", 256, 1, True), ("span", 4096, 1, True),
            ("span", 256, 2, False), ("async", 256, 2, False), ("async", 1024, 2, False),
        ):
            show(f"SDK  {mode:<15} batch {bs:<5}{' 2 loops' if loops > 1 else ''}{' gc off' if gc_off else ''}",
                 await best_of(args.repeats, pool, js, n, mode=mode, batch_size=bs, loops=loops, gc_off=gc_off))
        if args.cprofile:
            await _reset_outbox(pool)
            await _fill(pool, make_events(n), 500)
            relay = OutboxRelay(pool, js, SCHEMA)
            prof = cProfile.Profile()
            prof.enable()
            while await relay.publish_batch():
                pass
            prof.disable()
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(25)
            print("\ncProfile of the shipped relay (SDK tracer), by own time:\n" + buf.getvalue())
    finally:
        await nc.close()
        await pool.close()


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.relay_profile", description=__doc__)
    p.add_argument("--events", type=int, default=20_000)
    p.add_argument("--pg-fast", action="store_true")
    p.add_argument("--repeats", type=int, default=3, help="drains per variant; the median is shown (default 3)")
    p.add_argument("--cprofile", action="store_true", help="also print a cProfile of the shipped relay")
    args = p.parse_args()
    with embedded_servers(args.pg_fast) as (nats, pg):
        asyncio.run(main_async(args, nats, pg))


if __name__ == "__main__":
    main()
