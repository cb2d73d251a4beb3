"""`mgov up`: the whole platform on one machine."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from launcher.embedded import EmbeddedNats, EmbeddedPostgres
from launcher.nats_auth import NatsAuth, write_config
from mgov_common.ports import ensure_free
from launcher.probes import grpc_serving, http_ok
from launcher.supervisor import ProcessSpec, Supervisor, child_env
from launcher.topology import GATEWAY_DEFAULT_PORT, NATS_DEFAULT_PORT, POSTGRES_DEFAULT_PORT, SERVICES

log = logging.getLogger("mgov")

DEMO_BANNER = """
  demo accounts (password mgov-demo-2026):
    13900000000 province admin (zhejiang)    13900000010 Hangzhou admin
    13900000011 Hangzhou clerk               13900000012 Hangzhou approver
    13900000021 Ningbo clerk                 13900000100 citizen (Hangzhou)
"""


def _port(var: str, default: int) -> int:
    raw = os.environ.get(var)
    if raw is None:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"{var}={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise SystemExit(f"{var}={raw!r} is not a port number")
    return port


@dataclass
class PlatformConfig:
    home: Path
    demo: bool
    database_url: str | None
    nats_url: str | None
    gateway_port: int
    nats_port: int
    postgres_port: int
    service_ports: dict[str, int] = field(default_factory=dict)
    ready_timeout_s: float = 60.0
    # Prometheus metrics port of each process that serves them ("gateway", "identity", ...):
    # MGOV_<PROCESS>_METRICS_PORT; none by default, as each process on one machine needs its own.
    metrics_ports: dict[str, int] = field(default_factory=dict)

    @property
    def external(self) -> bool:
        return bool(self.database_url and self.nats_url)

    @classmethod
    def from_env(cls, home: str | None = None, demo: bool | None = None) -> "PlatformConfig":
        from mgov_common.settings import PlatformSettings

        base = PlatformSettings()
        if bool(base.database_url) != bool(base.nats_url):
            raise SystemExit("set both MGOV_DATABASE_URL and MGOV_NATS_URL to use external servers, or neither")
        external = bool(base.database_url and base.nats_url)
        env_demo = os.environ.get("MGOV_DEMO")
        return cls(
            home=Path(home or base.home).resolve(),
            demo=demo if demo is not None else (base.demo if env_demo is not None else not external),
            database_url=base.database_url,
            nats_url=base.nats_url,
            gateway_port=_port("MGOV_GATEWAY_PORT", GATEWAY_DEFAULT_PORT),
            nats_port=_port("MGOV_NATS_PORT", NATS_DEFAULT_PORT),
            postgres_port=_port("MGOV_POSTGRES_PORT", POSTGRES_DEFAULT_PORT),
            service_ports={n: _port(f"MGOV_{n.upper()}_PORT", s.default_port) for n, s in SERVICES.items()},
            ready_timeout_s=float(os.environ.get("MGOV_READY_TIMEOUT", "60")),
            metrics_ports={n: _port(f"MGOV_{n.upper()}_METRICS_PORT", 0) for n in ("gateway", *SERVICES)
                           if os.environ.get(f"MGOV_{n.upper()}_METRICS_PORT")},
        )

    def metrics_env(self, name: str) -> dict[str, str]:
        """A process's MGOV_METRICS_PORT: its own port, or 0 (none) rather than a value
        inherited from the launcher's environment, on which every process would collide."""
        return {"MGOV_METRICS_PORT": str(self.metrics_ports.get(name, 0))}

    def check_ports(self) -> None:
        ensure_free(self.gateway_port, "gateway")
        for name, port in self.service_ports.items():
            ensure_free(port, f"{name} service")
        for name, port in self.metrics_ports.items():
            ensure_free(port, f"{name} metrics")
        if not self.external:
            ensure_free(self.nats_port, "NATS")
            ensure_free(self.postgres_port, "PostgreSQL")


NATS_PLATFORM_USER = "mgov"


def demo_nats_url(port: int, host: str = "127.0.0.1", user: str = NATS_PLATFORM_USER) -> str:
    """A platform user's NATS URL (with its credentials) of a demo-mode `mgov up` on `port`."""
    from launcher.nats_auth import NatsAuth

    return NatsAuth.make(demo=True).url(user, host, port)


async def server_spec(name: str, server: EmbeddedNats | EmbeddedPostgres) -> ProcessSpec:
    """An embedded server as a supervised child: cleared and restarted on the same data."""

    async def ready() -> bool:
        return await asyncio.to_thread(server.ready)

    argv = await asyncio.to_thread(server.argv)  # places PostgreSQL's files first (as root)
    return ProcessSpec(name, argv, child_env({}), ready, server.log_file, prepare=server.prepare,
                       run_as=server.run_as(), stop_signal=server.stop_signal, stop_grace_s=30.0)


async def _start_platform(config: PlatformConfig, sup: Supervisor) -> None:
    from mgov_common.bus import connect_nats
    from mgov_common.events.streams import ensure_streams
    from mgov_common.migrations import migrate
    from mgov_common.settings import PlatformSettings

    t0 = time.monotonic()
    nats_auth: NatsAuth | None = None
    if config.external:
        dsn, nats_url = config.database_url, config.nats_url
        log.info("using external PostgreSQL and NATS (MGOV_DATABASE_URL, MGOV_NATS_URL); nothing embedded starts")
    else:
        nats = EmbeddedNats(config.home / "nats", config.nats_port)
        nats_auth = NatsAuth.make(config.demo)
        nats.config = await asyncio.to_thread(write_config, nats.root, f"mgov-{nats.port}", nats_auth)
        await sup.start(await server_spec("nats", nats))
        await sup.wait_healthy(config.ready_timeout_s)
        log.info(f"NATS JetStream listening on {nats.url} with authorization and the auth callout (data: {nats.root})")
        pg = EmbeddedPostgres(config.home / "postgres", config.postgres_port)
        await sup.start(await server_spec("postgres", pg))
        await sup.wait_healthy(config.ready_timeout_s)
        await asyncio.to_thread(pg.create_database)
        log.info(f"PostgreSQL listening on 127.0.0.1:{pg.port} (data: {pg.pgdata})")
        dsn, nats_url = pg.dsn, nats_auth.url(NATS_PLATFORM_USER, "127.0.0.1", nats.port)
    assert dsn and nats_url
    for name, info in SERVICES.items():
        applied = await migrate(dsn, name, info.migrations)
        if applied:
            log.info(f"{name}: applied {len(applied)} migration(s)")
    nc = await connect_nats(nats_url, "mgov-up")
    try:
        await ensure_streams(nc.jetstream(), options=PlatformSettings().stream_options())
    finally:
        await nc.close()

    logs = config.home / "logs"
    common = {
        "MGOV_DATABASE_URL": dsn,
        "MGOV_NATS_URL": nats_url,
        "MGOV_DEMO": "1" if config.demo else "0",
        "MGOV_HOME": str(config.home),
        "MGOV_IDENTITY_ADDR": f"127.0.0.1:{config.service_ports['identity']}",
        "MGOV_CATALOG_ADDR": f"127.0.0.1:{config.service_ports['catalog']}",
        "MGOV_WORKFLOW_ADDR": f"127.0.0.1:{config.service_ports['workflow']}",
        "MGOV_NOTIFY_ADDR": f"127.0.0.1:{config.service_ports['notify']}",
        "MGOV_APPOINTMENT_ADDR": f"127.0.0.1:{config.service_ports['appointment']}",
    }
    def own_nats_user(name: str) -> dict[str, str]:
        """Each process its own NATS user; identity also the callout's issuer and the system account."""
        if nats_auth is None:
            return {}
        extra = nats_auth.identity_env() if name == "identity" else {}
        return {"MGOV_NATS_URL": nats_auth.url(name, "127.0.0.1", config.nats_port), **extra}

    for name, info in SERVICES.items():
        port = config.service_ports[name]
        env = child_env({**common, f"MGOV_{name.upper()}_PORT": str(port), **config.metrics_env(name), **own_nats_user(name)})
        await sup.start(ProcessSpec(
            name, [sys.executable, "-m", info.module], env,
            lambda port=port: grpc_serving(f"127.0.0.1:{port}"), logs / f"{name}.log",
        ))
    await sup.wait_healthy(config.ready_timeout_s)
    gw_env = child_env({
        **common,
        "MGOV_GATEWAY_PORT": str(config.gateway_port),
        **config.metrics_env("gateway"),
        **own_nats_user("gateway"),
        **{f"MGOV_GATEWAY_{n.upper()}_ADDR": f"127.0.0.1:{p}" for n, p in config.service_ports.items()},
    })
    ready_url = f"http://127.0.0.1:{config.gateway_port}/readyz"
    await sup.start(ProcessSpec("gateway", [sys.executable, "-m", "gateway"], gw_env, lambda: http_ok(ready_url), logs / "gateway.log"))
    await sup.wait_healthy(config.ready_timeout_s)
    base = f"http://127.0.0.1:{config.gateway_port}"
    log.info(f"mgov is ready in {time.monotonic() - t0:.1f}s")
    demo = DEMO_BANNER if config.demo else ""
    print(
        f"\n  mobile API   {base}/v1\n  API docs     {base}/docs  (OpenAPI: {base}/openapi.json)\n"
        f"  readiness    {ready_url}\n  logs         {logs}\n{demo}\n  Ctrl-C stops everything.\n",
        flush=True,
    )


async def run_platform(config: PlatformConfig) -> int:
    config.check_ports()
    config.home.mkdir(parents=True, exist_ok=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    sup = Supervisor()
    startup = asyncio.create_task(_start_platform(config, sup))
    stopper = asyncio.create_task(stop.wait())
    code = 0
    try:
        await asyncio.wait([startup, stopper], return_when=asyncio.FIRST_COMPLETED)
        if startup.done() and startup.exception() is not None:
            exc = startup.exception()
            log.error(f"startup failed: {exc}")
            code = 1
        elif not stop.is_set():
            await stop.wait()
    finally:
        log.info("stopping…")
        startup.cancel()
        stopper.cancel()
        await asyncio.gather(startup, stopper, return_exceptions=True)
        await sup.stop_all()  # the gateway first, the embedded servers last
        log.info("stopped; nothing left running")
    return code
