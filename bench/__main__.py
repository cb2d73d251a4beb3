"""`python -m bench`: print the platform-foundation figures; never asserts timings.

Progress goes to stderr; the table and a final `BENCH_JSON {...}` line go to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from typing import Any

from bench import cold_up, outbox


def _fmt_s(v: float | None) -> str:
    return f"{v:.2f} s" if v is not None else "FAILED"


def _fmt_cpu(cpu: dict[str, float]) -> str:
    return f"py {cpu.get('bench_py', 0):.0f}% / nats {cpu.get('nats', 0):.0f}% / pg {cpu.get('postgres', 0):.0f}%"


def print_up(results: list[cold_up.UpRun]) -> None:
    print(f"\nCold `mgov up` to ready (spawn -> GET /readyz 200)            target <= {cold_up.TARGET_S:.0f} s")
    print(f"  {'run':<36} {'ready':>9} {'mgov says':>10} {'SIGINT->exit':>13} {'left':>5}  vs target")
    for i, r in enumerate(results, 1):
        verdict = "" if r.ready_s is None else ("met" if r.ready_s <= cold_up.TARGET_S else "MISSED")
        print(f"  {i}. {r.label:<33} {_fmt_s(r.ready_s):>9} {_fmt_s(r.reported_s) if r.reported_s else '-':>10} "
              f"{_fmt_s(r.stop_s):>13} {r.leftovers:>5}  {verdict}")
        if r.error:
            print(f"     error: {r.error} (log: {r.log})")


def print_outbox(res: outbox.OutboxResults) -> None:
    s = res.summary()
    pg = "fast=True (fsync off)" if res.pg_fast else "fast=False (fsync on, synchronous_commit on)"
    print(f"\nOutbox relay vs raw JetStream publish ({res.n:,} events each, ~{res.raw[0].extra.get('payload_bytes', '?')} B payload;"
          f" PostgreSQL {pg}; medians)")
    print(f"  {'measurement':<56} {'events/s':>9}  {'runs (events/s)':<36} CPU, % of one core (last run)")

    def row(name: str, figs: list[outbox.Figure], rate: float | None = None) -> None:
        if not figs:
            return
        rate = rate if rate is not None else outbox.OutboxResults.median_rate(figs)
        runs = " ".join(f"{f.rate / 1000:.1f}k" for f in figs)
        print(f"  {name:<56} {rate:>9,.0f}  {runs:<36} {_fmt_cpu(figs[-1].cpu)}")

    row(res.raw[0].name + " (reference)", res.raw)
    if res.raw_seq:
        row(res.raw_seq.name + f" [{res.raw_seq.events} msgs, info]", [res.raw_seq])
    row("relay drain, no tracer provider (API no-op)", res.relay_noop)
    row("relay drain, SDK TracerProvider (as in the services)", res.relay_sdk)
    if res.e2e:
        e = res.e2e[-1].extra
        row(f"relay end-to-end, {e['writers']} writer x {e['tx_size']} ev/tx, SDK tracer", res.e2e)
    print(f"\n  {'ratio relay / raw (medians)':<48} {'':>6}   target >= {outbox.TARGET_RATIO:.0%} of raw")
    for key, name in (("ratio_relay_drain_sdk_to_raw", "relay drain, SDK tracer (as deployed)"),
                      ("ratio_relay_drain_noop_to_raw", "relay drain, no tracer provider"),
                      ("ratio_relay_e2e_to_raw", "relay end-to-end, SDK tracer")):
        v = s[key]
        if v is not None:
            print(f"  {name:<48} {v:>6.1%}   {'met' if v >= outbox.TARGET_RATIO else 'MISSED'}")
    if res.e2e:
        e = res.e2e[-1].extra
        print(f"  end-to-end (last run): writers committed at {e['writer_events_per_s']:,}/s; "
              f"last ack {e['lag_after_last_commit_s'] * 1000:.0f} ms after the last commit")
    if res.relay_sdk:
        x = res.relay_sdk[-1].extra
        print(f"  relay drain: {x['batches']} batches of {x['batch_size']}; record() fill (untimed) "
              f"{x['record_fill_events_per_s']:,} events/s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--events", type=int, default=20_000, help="N events per outbox measurement (default 20000)")
    p.add_argument("--repeats", type=int, default=3, help="runs of each outbox measurement (default 3)")
    p.add_argument("--window", type=int, default=1024, help="raw publishes in flight, as one relay batch (default 1024)")
    p.add_argument("--up-runs", type=int, default=3, help="`mgov up` runs (default 3: 1 with initdb + 2 restarts)")
    p.add_argument("--e2e-tx", type=int, default=500, help="events per writing transaction in the end-to-end run")
    p.add_argument("--e2e-writers", type=int, default=1, help="concurrent writers in the end-to-end run")
    p.add_argument("--pg-fast", action="store_true", help="PostgreSQL with fsync off (default: fsync on)")
    p.add_argument("--skip-up", action="store_true")
    p.add_argument("--skip-outbox", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the temporary directories (logs, data)")
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    out: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    up: list[cold_up.UpRun] = []
    res: outbox.OutboxResults | None = None
    if not args.skip_up:
        up = cold_up.run(args.up_runs, keep=args.keep)
        out["cold_up"] = cold_up.as_json(up)
    if not args.skip_outbox:
        res = outbox.run(args.events, repeats=args.repeats, window=args.window, e2e_tx_size=args.e2e_tx,
                         e2e_writers=args.e2e_writers, pg_fast=args.pg_fast, keep=args.keep)
        out["outbox"] = res.summary()
    out["bench_wall_s"] = round(time.perf_counter() - t0, 1)

    print(f"mgov benchmarks - {os.cpu_count()} CPUs, Python {platform.python_version()} (figures only; nothing is asserted)")
    if up:
        print_up(up)
    if res:
        print_outbox(res)
    print(f"\nbench wall time {out['bench_wall_s']:.0f} s")
    print("BENCH_JSON " + json.dumps(out, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
