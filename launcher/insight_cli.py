"""`mgov insight rebuild` and `mgov insight seed`.

`rebuild` works on the insight schema of `MGOV_DATABASE_URL` and the streams of
`MGOV_NATS_URL` directly (service_layer/rebuild.py), and reads catalog's, identity's and
workflow's listings first as the platform service `insight` (`MGOV_INSIGHT_PLATFORM_SECRET`, derived
in demo mode; `MGOV_INSIGHT_CATALOG_ADDR`, `MGOV_INSIGHT_WORKFLOW_ADDR`, `MGOV_IDENTITY_ADDR`): what is older than the
streams keep is not forgotten. `seed` drives
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
    rebuild.add_argument("--without-listings", action="store_true",
                         help="do not read catalog's, identity's and workflow's listings (items, notices, systems and applications older than the streams are forgotten)")
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
    from mgov_common.clock import SystemClock
    from mgov_common.db import create_pool
    from mgov_common.grpc_client import create_channel
    from mgov_common.paging import PageTokens
    from mgov_common.platform_token import PlatformToken
    from services.insight.adapters.listings import ItemUseListings, PublicationListings, SystemListings
    from services.insight.service_layer import backfill
    from services.insight.service_layer.context import Context
    from services.insight.service_layer.rebuild import rebuild
    from services.insight.settings import ListingSettings

    async def read_listings(settings: ListingSettings, pool: object, secret: str) -> backfill.Listed:
        identity = create_channel(settings.identity_addr, default_deadline_s=settings.client_deadline_s)
        catalog = create_channel(settings.catalog_addr, default_deadline_s=settings.client_deadline_s)
        workflow = create_channel(settings.workflow_addr, default_deadline_s=settings.client_deadline_s)
        try:
            token = PlatformToken(identity, "insight", secret)
            ctx = Context(pool=pool, clock=SystemClock(), pages=PageTokens.ephemeral())  # type: ignore[arg-type]
            return await backfill.read(ctx, backfill.Sources(PublicationListings(catalog, token), SystemListings(identity, token),
                                                               item_use=ItemUseListings(workflow, token)))
        finally:
            await catalog.close()
            await workflow.close()
            await identity.close()

    async def run() -> int:
        settings = ListingSettings()
        if not settings.database_url or not settings.nats_url:
            print("MGOV_DATABASE_URL and MGOV_NATS_URL are required", file=sys.stderr)
            return 2
        secret = settings.platform_client_secret()
        if secret is None and not args.without_listings:
            print("MGOV_INSIGHT_PLATFORM_SECRET is required to read catalog's, identity's and workflow's listings (--without-listings "
                  "rebuilds from the streams alone: older items, notices, systems and applications are forgotten)", file=sys.stderr)
            return 2
        pool = await create_pool(settings.database_url, "insight", max_size=2)
        try:
            listed = None
            if not args.without_listings:
                assert secret is not None
                try:
                    listed = await read_listings(settings, pool, secret)
                except Exception as exc:  # noqa: BLE001 - nothing was touched: say why and stop
                    print(f"rebuild not started: the listings could not be read: {exc!r}", file=sys.stderr)
                    return 1
            nc = await connect_nats(settings.nats_url, "mgov-insight-rebuild", **settings.nats_options())
            try:
                result = await rebuild(pool, nc.jetstream(), listed=listed)
            finally:
                await nc.close()
        finally:
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
