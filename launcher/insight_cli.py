"""`mgov insight rebuild` and `mgov insight seed`.

`rebuild` works on the insight schema of `MGOV_DATABASE_URL` and the streams of
`MGOV_NATS_URL` directly (service_layer/rebuild.py): a job needs no token. `seed` drives
a running demo platform's gateway (`--base-url`, default `$MGOV_GATEWAY_URL`); with
`--days N` it drives it day by day over the N days before today, moving the demo clock of
the platform's home (`MGOV_HOME`) a day at a time (launcher/insight_seed.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    insight = sub.add_parser("insight", help="运营 figures: rebuild them from the streams, seed synthetic activity")
    cmds = insight.add_subparsers(dest="insight_command", required=True)
    rebuild = cmds.add_parser("rebuild", help="empty insight's aggregates and replay the event streams from their start")
    rebuild.set_defaults(func=cmd_rebuild)
    seed = cmds.add_parser("seed", help="synthetic applications, corrections, outcomes and ratings through the gateway (demo)")
    seed.add_argument("--base-url", default=os.environ.get("MGOV_GATEWAY_URL", "http://127.0.0.1:8000"))
    seed.add_argument("--cases", type=int, default=30, help="citizens who open the guide, each day (default 30)")
    seed.add_argument("--item", default="杭州市民卡申领", help="the Hangzhou item's Chinese name")
    seed.add_argument("--seed", type=int, default=1, help="random seed: the same seed makes the same activity")
    seed.add_argument("--password", default=os.environ.get("MGOV_DEMO_PASSWORD", "mgov-demo-2026"))
    seed.add_argument("--days", type=int, default=0,
                      help="also this many days before today, through the real API with the demo clock of MGOV_HOME moved back "
                           "(a fresh demo home, MGOV_DEMO=1)")
    seed.set_defaults(func=cmd_seed)


def cmd_rebuild(args: argparse.Namespace) -> int:
    from mgov_common.bus import connect_nats
    from mgov_common.db import create_pool
    from mgov_common.settings import PlatformSettings
    from services.insight.service_layer.rebuild import rebuild

    async def run() -> int:
        settings = PlatformSettings()
        if not settings.database_url or not settings.nats_url:
            print("MGOV_DATABASE_URL and MGOV_NATS_URL are required", file=sys.stderr)
            return 2
        pool = await create_pool(settings.database_url, "insight", max_size=2)
        nc = await connect_nats(settings.nats_url, "mgov-insight-rebuild", **settings.nats_options())
        try:
            result = await rebuild(pool, nc.jetstream())
        finally:
            await nc.close()
            await pool.close()
        print(json.dumps(result.__dict__))
        return 0

    return asyncio.run(run())


def cmd_seed(args: argparse.Namespace) -> int:
    from launcher.insight_seed import Seeder, SeedError
    from mgov_common.clock import DEMO_CLOCK_FILE
    from mgov_common.settings import PlatformSettings

    seeder = Seeder(args.base_url, args.password, args.seed, clock_file=PlatformSettings().home / DEMO_CLOCK_FILE)
    try:
        report = seeder.run(max(0, min(args.cases, 10_000)), args.item, days=max(0, min(args.days, 366)))
    except SeedError as exc:
        print(f"seed failed: {exc}", file=sys.stderr)
        return 1
    finally:
        seeder.close()
    print(json.dumps({"item_id": report.item_id, **report.counts}, ensure_ascii=False))
    return 0
