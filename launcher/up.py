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


def demo_nats_url(port: int, host: str = "127.0.0.1") -> str:
    """The platform's NATS URL (with its credentials) of a demo-mode `mgov up` on `port`."""
    from mgov_common.settings import demo_secret

    return f"nats://{NATS_PLATFORM_USER}:{demo_secret('nats', 'platform_password')}@{host}:{port}"


def write_nats_config(root: Path, port: int, demo: bool) -> tuple[Path, dict[str, str], str]:
    """The embedded NATS server's config: authorization from `auth.conf`, which the
    identity service rewrites from the registered systems and reloads (SIGHUP).

    The platform processes share one user with every permission; its password is the
    stable demo value in demo mode, a fresh random one per `mgov up` otherwise (every
    process gets it in MGOV_NATS_URL). Returns the config path, the identity service's
    extra environment and `user:password` for the URL.
    """
    import secrets
    from urllib.parse import quote

    from mgov_common.settings import demo_secret
    from services.identity.adapters.nats_auth import bcrypt_hash, render

    root.mkdir(parents=True, exist_ok=True)
    password = demo_secret("nats", "platform_password") if demo else secrets.token_urlsafe(32)
    auth = root / "auth.conf"
    # Platform user only until the identity service adds the systems at its start.
    auth.write_text(render(NATS_PLATFORM_USER, bcrypt_hash(password), []))
    os.chmod(auth, 0o600)
    conf = root / "nats.conf"
    # The server name must be in the file too: a reload compares it with the running one.
    conf.write_text("# Written by `mgov up`. Users and permissions: auth.conf (rewritten by the identity service).\n"
                    f"server_name: mgov-{port}\ninclude ./auth.conf\n")
    env = {"MGOV_IDENTITY_NATS_AUTH_FILE": str(auth), "MGOV_IDENTITY_NATS_PID_FILE": str(root / "nats-server.pid")}
    return conf, env, f"{quote(NATS_PLATFORM_USER, safe='')}:{quote(password, safe='')}"


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
    nats_auth_env: dict[str, str] = {}
    if config.external:
        dsn, nats_url = config.database_url, config.nats_url
        log.info("using external PostgreSQL and NATS (MGOV_DATABASE_URL, MGOV_NATS_URL); nothing embedded starts")
    else:
        nats = EmbeddedNats(config.home / "nats", config.nats_port)
        nats.config, nats_auth_env, nats_creds = write_nats_config(nats.root, nats.port, config.demo)
        await sup.start(await server_spec("nats", nats))
        await sup.wait_healthy(config.ready_timeout_s)
        log.info(f"NATS JetStream listening on {nats.url} with authorization (data: {nats.root})")
        pg = EmbeddedPostgres(config.home / "postgres", config.postgres_port)
        await sup.start(await server_spec("postgres", pg))
        await sup.wait_healthy(config.ready_timeout_s)
        await asyncio.to_thread(pg.create_database)
        log.info(f"PostgreSQL listening on 127.0.0.1:{pg.port} (data: {pg.pgdata})")
        dsn, nats_url = pg.dsn, nats.url.replace("nats://", f"nats://{nats_creds}@", 1)
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
    for name, info in SERVICES.items():
        port = config.service_ports[name]
        env = child_env({**common, f"MGOV_{name.upper()}_PORT": str(port), **config.metrics_env(name),
                         **(nats_auth_env if name == "identity" else {})})
        await sup.start(ProcessSpec(
            name, [sys.executable, "-m", info.module], env,
            lambda port=port: grpc_serving(f"127.0.0.1:{port}"), logs / f"{name}.log",
        ))
    await sup.wait_healthy(config.ready_timeout_s)
    gw_env = child_env({
        **common,
        "MGOV_GATEWAY_PORT": str(config.gateway_port),
        **config.metrics_env("gateway"),
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
