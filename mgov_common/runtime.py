"""Run one service process: connect, serve gRPC, relay the outbox, consume events, stop cleanly.

A service's `bootstrap` builds its servicers and consumers from a `Runtime` (the live
pool and NATS connection); `serve` owns everything around that, and keeps each
background loop running (`keep_running`): a loop that dies is logged with its traceback
and restarted, never left dead in silence and never a reason to take the whole process
down. Nothing connects at import time.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import uvloop
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from mgov_common.auth import TokenVerifier
from mgov_common.bus import connect_nats
from mgov_common.db import create_pool, pool_is_live
from mgov_common.events.consumer import FATAL, EventConsumer
from mgov_common.events.outbox import OutboxRelay
from mgov_common.events.streams import ensure_streams, observe_dlq
from mgov_common.gc_tuning import freeze_startup_heap
from mgov_common.grpc_server import build_server
from mgov_common.health import HealthReporter, outbox_backlog
from mgov_common.metrics import sample_forever
from mgov_common.metrics import serve as serve_metrics
from mgov_common.migrations import migrate
from mgov_common.retry import Backoff
from mgov_common.settings import ServiceSettings
from mgov_common.telemetry import setup_logging, setup_tracing

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: ServiceSettings
    pool: asyncpg.Pool
    nc: NATS
    js: JetStreamContext


@dataclass
class ServiceParts:
    """What a service's bootstrap hands back to the runtime."""

    registrations: Sequence[tuple[Callable[[Any, Any], None], Any, str]]
    consumers: Sequence[EventConsumer] = ()
    background: Sequence[Callable[[], Awaitable[None]]] = ()
    on_stop: Sequence[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Verifies callers' access tokens; None for a service that accepts none.
    verifier: TokenVerifier | None = None
    # Refresh the service's own gauges (with the platform's, every metrics interval).
    samplers: Sequence[Callable[[], Awaitable[None]]] = ()


Bootstrap = Callable[[Runtime], Awaitable[ServiceParts]]


async def serve(settings: ServiceSettings, bootstrap: Bootstrap, *, migrations: Path | None = None, stop: asyncio.Event | None = None, migrate_first: bool = False) -> None:
    name = settings.service_name
    dsn = settings.require_database_url()
    nats_url = settings.require_nats_url()
    if migrate_first:
        await migrate(dsn, name, migrations)
    pool = await create_pool(dsn, name, min_size=settings.db_pool_min, max_size=settings.db_pool_max)
    nc = await connect_nats(nats_url, f"mgov-{name}", **settings.nats_options())
    js = nc.jetstream()
    tasks: list[asyncio.Task[None]] = []
    stop_metrics = None
    try:
        stop_metrics = serve_metrics(settings.metrics_port, settings.host)
        await ensure_streams(js, options=settings.stream_options())
        parts = await bootstrap(Runtime(settings, pool, nc, js))
        server, health, port = build_server(parts.registrations, address=f"{settings.host}:{settings.port}", verifier=parts.verifier)
        # Ready with the database; only degraded without NATS (events wait in the outbox).
        reporter = HealthReporter(
            health,
            [n for _, _, n in parts.registrations],
            ready_checks=[lambda: pool_is_live(pool)],
            degraded_checks={"nats_disconnected": lambda: _nats_live(nc)},
            backlog=lambda: outbox_backlog(pool),
            interval_s=settings.health_interval_s,
        )
        await reporter.check_once()
        await server.start()
        freeze_startup_heap()
        log.info("serving", extra={"service": name, "address": f"{settings.host}:{port}"})
        relay = OutboxRelay(pool, js, name)
        tasks = [asyncio.create_task(reporter.run(), name=f"{name}-health")]
        tasks += [asyncio.create_task(keep_running(f"{name}-{getattr(c, '__name__', 'background')}", c), name=f"{name}-bg")
                  for c in (relay.run, *parts.background)]
        tasks += [asyncio.create_task(keep_running(f"{name}-consumer-{c.spec.durable}", c.run), name=f"{name}-consumer-{c.spec.durable}")
                  for c in parts.consumers]
        if stop_metrics is not None:
            samplers = [relay.observe, *(c.observe for c in parts.consumers), lambda: observe_dlq(js), *parts.samplers]
            tasks.append(asyncio.create_task(keep_running(f"{name}-metrics", lambda: sample_forever(samplers, settings.metrics_interval_s)),
                                             name=f"{name}-metrics"))
        stop = stop or _stop_on_signals()
        done, _ = await asyncio.wait([asyncio.create_task(stop.wait()), *tasks], return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            if t in tasks and not t.cancelled() and t.exception() is not None:
                log.error("a service task failed; shutting down", exc_info=t.exception(), extra={"task": t.get_name()})
        # NOT_SERVING first, then stop accepting with a grace period for in-flight calls.
        reporter_task = tasks[0]
        reporter_task.cancel()
        await health.enter_graceful_shutdown()
        await server.stop(settings.shutdown_grace_s)
        for hook in parts.on_stop:
            await hook()
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            async with asyncio.timeout(2.0):
                await nc.drain()
        except Exception:  # noqa: BLE001 - closing after a lost connection is best effort
            await nc.close()
        try:
            async with asyncio.timeout(5.0):
                await pool.close()
        except TimeoutError:
            log.warning("database connections still busy at shutdown; terminating them")
            pool.terminate()
        if stop_metrics is not None:
            stop_metrics()
        log.info("stopped", extra={"service": name})


async def keep_running(name: str, run: Callable[[], Awaitable[None]], *, backoff: Backoff | None = None,
                       healthy_after_s: float = 60.0) -> None:
    """Run a background loop (consumer, relay, worker) for the life of the process.

    Such a loop is written to handle its own failures; if it ends anyway, by raising or
    returning, that is a bug worth a loud log line with its traceback, but not a reason
    to stop serving: the process would be restarted only to meet the same input again
    (a crash loop), while sign-in and every other call went unanswered. So it is logged
    and started again after a jittered, growing delay (reset once it has run for
    `healthy_after_s`). Cancellation (shutdown) passes through."""
    backoff = backoff or Backoff(base=0.5, cap=30.0)
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        try:
            await run()
            log.error("background task ended; restarting it", extra={"task": name})
        except FATAL:
            raise
        except BaseException:  # noqa: BLE001 - see above: logged with its traceback, then restarted
            log.exception("background task died; restarting it", extra={"task": name})
        if loop.time() - started >= healthy_after_s:
            backoff.reset()
        await backoff.sleep()


async def _nats_live(nc: NATS) -> bool:
    return bool(nc.is_connected)


def _stop_on_signals() -> asyncio.Event:
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, event.set)
    return event


def main(settings_cls: type[ServiceSettings], bootstrap: Bootstrap, migrations: Path | None) -> None:
    """Entry point of `python -m services.<name>`."""
    from mgov_common.settings import SettingsError, load_settings

    try:
        settings = load_settings(settings_cls)
        settings.require_database_url()
        settings.require_nats_url()
    except SettingsError as exc:
        raise SystemExit(f"mgov-{settings_cls.service_name}: {exc}") from None
    setup_logging(settings.service_name, settings.log_level, settings.log_json)
    setup_tracing(settings.service_name)
    try:
        # uvloop: the same event loop in C; measured, a third less CPU per RPC in a service
        # process (docs/benchmarks.md).
        uvloop.run(serve(settings, bootstrap, migrations=migrations, migrate_first=settings.migrate_on_start))
    except (OSError, ConnectionError) as exc:
        raise SystemExit(f"mgov-{settings.service_name}: {exc}") from None
