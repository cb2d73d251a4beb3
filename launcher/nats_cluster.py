"""A three-node NATS cluster on one machine, for `mgov up --replicas N`.

Each node is an ordinary `EmbeddedNats` (own client port, own JetStream store, own pid
file and log) whose config adds a `cluster {}` block: a route port on loopback and
routes to every node. Three nodes form the JetStream meta group and the platform's
streams are created at R3, so any one node may die (or be killed) and the streams
keep their leader, their messages and their consumers: publishing goes on with two.

The authorization part of each node's config is the single-node one
(`launcher.up.write_nats_config`): every node includes the same `auth.conf`, and the
identity service signals every node's pid file to reload it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from launcher.embedded import EmbeddedNats

NODES = 3
CLUSTER_NAME = "mgov"


@dataclass
class NatsCluster:
    """`nodes` NATS servers under `root` (`root/node-<i>`), clustered on loopback."""

    root: Path
    client_ports: list[int]
    route_ports: list[int]

    def __post_init__(self) -> None:
        if len(self.client_ports) != len(self.route_ports) or len(self.client_ports) < 3:
            raise ValueError("a NATS cluster needs three or more nodes, each with a client and a route port")
        self.nodes = [EmbeddedNats(self.root / f"node-{i}", port) for i, port in enumerate(self.client_ports)]

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    def cluster_block(self, node: int) -> str:
        """Node `node`'s `cluster {}` config: its route port and routes to every node."""
        routes = ", ".join(f"nats://127.0.0.1:{p}" for p in self.route_ports)
        return (f"cluster {{\n  name: {CLUSTER_NAME}\n  listen: 127.0.0.1:{self.route_ports[node]}\n"
                f"  routes: [{routes}]\n}}\n")
