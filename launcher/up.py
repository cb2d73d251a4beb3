"""`mgov up`: the whole platform on one machine."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from launcher.embedded import EmbeddedNats, EmbeddedPostgres
from launcher.nats_auth import NatsAuth, write_config
from launcher.nats_cluster import NODES, NatsCluster
from launcher.replicas import NATS_ROUTE_DEFAULT_PORT, check_replicas, grpc_target, port_list
from launcher.stream_sizing import describe, ensure_platform_streams, fit_to_disk, limits_env
from mgov_common.ports import ensure_free
from launcher.probes import grpc_serving, http_ok
from launcher.supervisor import ProcessSpec, Supervisor, child_env
from launcher.topology import GATEWAY_DEFAULT_PORT, NATS_DEFAULT_PORT, PAYSIM_DEFAULT_PORT, POSTGRES_DEFAULT_PORT, SERVICES

log = logging.getLogger("mgov")

DEMO_BANNER = """
  demo accounts (password mgov-demo-2026):
    13900000000 province admin (zhejiang)    13900000010 Hangzhou admin
    13900000011 Hangzhou clerk               13900000012 Hangzhou approver
    13900000021 Ningbo clerk                 13900000100 citizen (Hangzhou)
  synthetic activity for the 运营看板: mgov insight seed
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
    # The payment provider simulator (demo mode only).
    paysim_port: int = PAYSIM_DEFAULT_PORT
    ready_timeout_s: float = 60.0
    # Prometheus metrics port of each process that serves them ("gateway", "identity", ...):
    # MGOV_<PROCESS>_METRICS_PORT; none by default, as each process on one machine needs its own.
    metrics_ports: dict[str, int] = field(default_factory=dict)
    # Copies of the gateway and of each service (`--replicas`); above 1, NATS runs as a
    # three-node cluster with streams at R3 (`launcher.nats_cluster`).
    replicas: int = 1
    # Every copy's port by process ("gateway", "identity", ..., "nats", "nats_route"),
    # and every copy's metrics port by process (`launcher.replicas`).
    replica_ports: dict[str, list[int]] = field(default_factory=dict)
    replica_metrics_ports: dict[str, list[int]] = field(default_factory=dict)

    @property
    def external(self) -> bool:
        return bool(self.database_url and self.nats_url)

    @classmethod
    def from_env(cls, home: str | None = None, demo: bool | None = None, replicas: int = 1) -> "PlatformConfig":
        from mgov_common.settings import PlatformSettings

        base = PlatformSettings()
        if bool(base.database_url) != bool(base.nats_url):
            raise SystemExit("set both MGOV_DATABASE_URL and MGOV_NATS_URL to use external servers, or neither")
        external = bool(base.database_url and base.nats_url)
        env_demo = os.environ.get("MGOV_DEMO")
        n = check_replicas(replicas)
        defaults = {"gateway": GATEWAY_DEFAULT_PORT, **{name: s.default_port for name, s in SERVICES.items()}}
        ports = {name: port_list(f"MGOV_{name.upper()}_PORT", port, n) for name, port in defaults.items()}
        nodes = NODES if n > 1 else 1
        ports["nats"] = port_list("MGOV_NATS_PORT", NATS_DEFAULT_PORT, nodes, step=1)
        ports["nats_route"] = port_list("MGOV_NATS_ROUTE_PORT", NATS_ROUTE_DEFAULT_PORT, nodes, step=1) if n > 1 else []
        metrics = {name: port_list(f"MGOV_{name.upper()}_METRICS_PORT", 0, n) for name in defaults
                   if os.environ.get(f"MGOV_{name.upper()}_METRICS_PORT")}
        return cls(
            home=Path(home or base.home).resolve(),
            demo=demo if demo is not None else (base.demo if env_demo is not None else not external),
            database_url=base.database_url,
            nats_url=base.nats_url,
            gateway_port=ports["gateway"][0],
            nats_port=ports["nats"][0],
            postgres_port=_port("MGOV_POSTGRES_PORT", POSTGRES_DEFAULT_PORT),
            service_ports={name: ports[name][0] for name in SERVICES},
            paysim_port=_port("MGOV_PAYSIM_PORT", PAYSIM_DEFAULT_PORT),
            ready_timeout_s=float(os.environ.get("MGOV_READY_TIMEOUT", "60")),
            metrics_ports={name: m[0] for name, m in metrics.items()},
            replicas=n,
            replica_ports=ports,
            replica_metrics_ports=metrics,
        )

    def ports_of(self, name: str) -> list[int]:
        """Every copy's port of a process ("gateway", a service, "nats", "nats_route")."""
        if name in self.replica_ports:
            return self.replica_ports[name]
        return [self.gateway_port if name == "gateway" else self.nats_port if name == "nats" else self.service_ports[name]]

    def grpc_target(self, service: str) -> str:
        """The target on which callers reach every copy of `service`."""
        return grpc_target(self.ports_of(service))

    def metrics_env(self, name: str, replica: int = 0) -> dict[str, str]:
        """A process's MGOV_METRICS_PORT: its own port, or 0 (none) rather than a value
        inherited from the launcher's environment, on which every process would collide."""
        ports = self.replica_metrics_ports.get(name) or ([self.metrics_ports[name]] if name in self.metrics_ports else [])
        return {"MGOV_METRICS_PORT": str(ports[replica] if replica < len(ports) else 0)}

    def check_ports(self) -> None:
        for name in ("gateway", *SERVICES):
            for port in self.ports_of(name):
                ensure_free(port, "gateway" if name == "gateway" else f"{name} service")
        for name, ports in {**{n: [p] for n, p in self.metrics_ports.items()}, **self.replica_metrics_ports}.items():
            for port in ports:
                ensure_free(port, f"{name} metrics")
        if self.demo:
            ensure_free(self.paysim_port, "payment simulator")
        if not self.external:
            for port in self.ports_of("nats") + self.replica_ports.get("nats_route", []):
                ensure_free(port, "NATS")
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


def _copy(name: str, replica: int, replicas: int) -> str:
    """A process's name in logs and the supervisor: `identity`, or `identity-2` of several."""
    return name if replicas == 1 else f"{name}-{replica + 1}"


async def _start_nats(config: PlatformConfig, sup: Supervisor) -> tuple[list[int], NatsAuth]:
    """One NATS server, or with `--replicas` above 1 a cluster of three, all with the same
    authorization; returns the client ports and the credentials."""
    root = config.home / "nats"
    auth = NatsAuth.make(config.demo)
    if config.replicas == 1:
        nats = EmbeddedNats(root, config.nats_port)
        nats.config = await asyncio.to_thread(write_config, nats.root, f"mgov-{nats.port}", auth)
        await sup.start(await server_spec("nats", nats))
        await sup.wait_healthy(config.ready_timeout_s)
        log.info(f"NATS JetStream listening on {nats.url} with authorization and the auth callout (data: {nats.root})")
        return [nats.port], auth
    cluster = NatsCluster(root, config.ports_of("nats"), config.replica_ports["nats_route"])
    for i, node in enumerate(cluster.nodes):
        node.config = await asyncio.to_thread(write_config, node.root, f"mgov-{node.port}", auth, cluster.cluster_block(i))
        await sup.start(await server_spec(f"nats-{i + 1}", node))
    await sup.wait_healthy(config.ready_timeout_s)
    log.info(f"NATS cluster of {len(cluster.nodes)} listening on {', '.join(cluster.urls)} with authorization and the "
             f"auth callout (data: {root})")
    return cluster.client_ports, auth


def _nats_url(auth: NatsAuth, user: str, ports: list[int]) -> str:
    """`user`'s NATS URL: every server's, comma-separated, with its credentials."""
    from mgov_common.bus import with_credentials

    return with_credentials(",".join(f"nats://127.0.0.1:{p}" for p in ports), user, auth.passwords[user])


async def _start_platform(config: PlatformConfig, sup: Supervisor) -> None:
    from mgov_common.migrations import migrate
    from mgov_common.settings import PlatformSettings

    t0 = time.monotonic()
    nats_auth: NatsAuth | None = None
    nats_ports: list[int] = []
    if config.external:
        dsn, nats_url = config.database_url, config.nats_url
        log.info("using external PostgreSQL and NATS (MGOV_DATABASE_URL, MGOV_NATS_URL); nothing embedded starts")
    else:
        nats_ports, nats_auth = await _start_nats(config, sup)
        pg = EmbeddedPostgres(config.home / "postgres", config.postgres_port)
        await sup.start(await server_spec("postgres", pg))
        await sup.wait_healthy(config.ready_timeout_s)
        await asyncio.to_thread(pg.create_database)
        log.info(f"PostgreSQL listening on 127.0.0.1:{pg.port} (data: {pg.pgdata})")
        dsn, nats_url = pg.dsn, _nats_url(nats_auth, NATS_PLATFORM_USER, nats_ports)
    assert dsn and nats_url
    for name, info in SERVICES.items():
        applied = await migrate(dsn, name, info.migrations)
        if applied:
            log.info(f"{name}: applied {len(applied)} migration(s)")
    stream_env = {"MGOV_STREAM_REPLICAS": str(NODES)} if config.replicas > 1 and not config.external else {}
    settings = PlatformSettings(**({"stream_replicas": NODES} if stream_env else {}))
    streams = settings.stream_options()
    if not config.external:  # embedded NATS: the limits nobody chose fit this disk
        fitted = fit_to_disk(streams, shutil.disk_usage(config.home / "nats").free, set(os.environ))
        if fitted != streams:
            log.info(f"streams sized to the free disk: {describe(fitted)} (MGOV_STREAM_MAX_BYTES_* choose them)")
        streams = fitted
        stream_env |= limits_env(streams)
    await ensure_platform_streams(nats_url, streams, config.ready_timeout_s)

    logs = config.home / "logs"
    common = {
        "MGOV_DATABASE_URL": dsn,
        "MGOV_NATS_URL": nats_url,
        "MGOV_DEMO": "1" if config.demo else "0",
        "MGOV_HOME": str(config.home),
        **stream_env,
        **{f"MGOV_{n.upper()}_ADDR": config.grpc_target(n) for n in SERVICES},
    }
    def own_nats_user(name: str) -> dict[str, str]:
        """Each process its own NATS user; identity also the callout's issuer and the system account."""
        if nats_auth is None:
            return {}
        extra = nats_auth.identity_env() if name == "identity" else {}
        return {"MGOV_NATS_URL": _nats_url(nats_auth, name, nats_ports), **extra}

    if config.demo:
        await _start_paysim(config, sup, common, logs)
    payment_env = {"MGOV_PAYMENT_NOTIFY_URL": f"http://127.0.0.1:{config.gateway_port}/v1/payments/notifications/wechatpay",
                   "MGOV_PAYMENT_PUBLIC_BASE_URL": f"http://127.0.0.1:{config.gateway_port}"}
    for name, info in SERVICES.items():
        for i, port in enumerate(config.ports_of(name)):
            env = child_env({**common, f"MGOV_{name.upper()}_PORT": str(port), **config.metrics_env(name, i), **own_nats_user(name),
                             **(payment_env if name == "payment" else {})})
            await sup.start(ProcessSpec(
                _copy(name, i, config.replicas), [sys.executable, "-m", info.module], env,
                lambda port=port: grpc_serving(f"127.0.0.1:{port}"), logs / f"{_copy(name, i, config.replicas)}.log",
            ))
    await sup.wait_healthy(config.ready_timeout_s)
    for i, port in enumerate(config.ports_of("gateway")):
        gw_env = child_env({
            **common,
            "MGOV_GATEWAY_PORT": str(port),
            **config.metrics_env("gateway", i),
            **own_nats_user("gateway"),
            **{f"MGOV_GATEWAY_{n.upper()}_ADDR": config.grpc_target(n) for n in SERVICES},
        })
        url = f"http://127.0.0.1:{port}/readyz"
        name = _copy("gateway", i, config.replicas)
        await sup.start(ProcessSpec(name, [sys.executable, "-m", "gateway"], gw_env, lambda url=url: http_ok(url), logs / f"{name}.log"))
    await sup.wait_healthy(config.ready_timeout_s)
    ready_url = f"http://127.0.0.1:{config.gateway_port}/readyz"
    base = f"http://127.0.0.1:{config.gateway_port}"
    log.info(f"mgov is ready in {time.monotonic() - t0:.1f}s")
    demo = DEMO_BANNER if config.demo else ""
    more = "".join(f"\n  gateway {i + 1}    http://127.0.0.1:{p}/v1" for i, p in enumerate(config.ports_of("gateway")) if i)
    print(
        f"\n  mobile API   {base}/v1{more}\n  API docs     {base}/docs  (OpenAPI: {base}/openapi.json)\n"
        f"  readiness    {ready_url}\n  logs         {logs}\n{demo}\n  Ctrl-C stops everything.\n",
        flush=True,
    )


async def _start_paysim(config: PlatformConfig, sup: Supervisor, common: dict[str, str], logs: Path) -> None:
    """The payment provider simulator, with the demo merchant's keys made first (the
    payment service reads its side of them from `$MGOV_HOME/paysim/merchant.json`)."""
    from paysim import keys

    base = f"http://127.0.0.1:{config.paysim_port}"
    await asyncio.to_thread(keys.ensure, config.home, base)
    env = child_env({"MGOV_HOME": common["MGOV_HOME"], "MGOV_PAYSIM_PORT": str(config.paysim_port)})
    await sup.start(ProcessSpec("paysim", [sys.executable, "-m", "paysim"], env, lambda: http_ok(f"{base}/healthz"), logs / "paysim.log"))
    await sup.wait_healthy(config.ready_timeout_s)
    log.info(f"payment simulator (WeChat Pay API v3) listening on {base}")


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
