"""Where the replicas of `mgov up --replicas N` listen, and how their callers find them.

Every process kind (the gateway, each service) runs N copies; copy `i` listens on its
own gRPC/HTTP port and, if metrics are on, its own metrics port. A port variable
(`MGOV_IDENTITY_PORT`, `MGOV_IDENTITY_METRICS_PORT`, ...) holds either one port, the
first copy's, the others then counting up in steps of `REPLICA_PORT_STEP`, or every
copy's port, comma-separated. The NATS cluster's three nodes take `MGOV_NATS_PORT`
(client) and `MGOV_NATS_ROUTE_PORT` (routes between nodes) the same way, in steps of 1.

Callers reach all copies of a service through one gRPC target that lists them
(`ipv4:127.0.0.1:p1,127.0.0.1:p2`), balanced call by call (`mgov_common.grpc_client`);
on Kubernetes the same role is played by a headless Service's DNS name.
"""

from __future__ import annotations

import os

REPLICA_PORT_STEP = 10
NATS_ROUTE_DEFAULT_PORT = 6222
MAX_REPLICAS = 8


def _one(var: str, raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"{var}={os.environ.get(var)!r} is not a port number (or a comma-separated list of them)") from None
    if not 0 < port < 65536:
        raise SystemExit(f"{var}={os.environ.get(var)!r} is not a port number (or a comma-separated list of them)")
    return port


def port_list(var: str, default: int, count: int, step: int = REPLICA_PORT_STEP) -> list[int]:
    """`count` ports from `var`: the listed ones, then counting up from the first."""
    raw = os.environ.get(var)
    given = [_one(var, p.strip()) for p in raw.split(",")] if raw is not None and raw.strip() else [default]
    if len(given) > count:
        given = given[:count]
    while len(given) < count:
        nxt = given[0] + step * len(given)
        if nxt >= 65536:
            raise SystemExit(f"{var}: no room above {given[0]} for {count} replicas; list their ports")
        given.append(nxt)
    if len(set(given)) != len(given):
        raise SystemExit(f"{var}: the replicas need distinct ports, got {given}")
    return given


def grpc_target(ports: list[int], host: str = "127.0.0.1") -> str:
    """One channel target for every copy of a service: plain `host:port` for one copy,
    an `ipv4:` address list (gRPC's static resolver) for several."""
    if len(ports) == 1:
        return f"{host}:{ports[0]}"
    return "ipv4:" + ",".join(f"{host}:{p}" for p in ports)


def check_replicas(replicas: int) -> int:
    if not 1 <= replicas <= MAX_REPLICAS:
        raise SystemExit(f"--replicas {replicas}: between 1 and {MAX_REPLICAS} on one machine")
    return replicas
