"""`mgov up --replicas N`: where each copy listens and how callers name all copies."""

from __future__ import annotations

import pytest

from launcher.nats_cluster import NatsCluster
from launcher.replicas import grpc_target, port_list
from launcher.up import PlatformConfig


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in ("MGOV_DATABASE_URL", "MGOV_NATS_URL", "MGOV_METRICS_PORT", "MGOV_REPLICAS"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def test_one_port_for_several_copies_counts_up_and_a_list_names_each_copys_port(env: pytest.MonkeyPatch) -> None:
    env.setenv("MGOV_CATALOG_PORT", "50052")
    assert port_list("MGOV_CATALOG_PORT", 1, 3) == [50052, 50062, 50072]
    env.setenv("MGOV_CATALOG_PORT", "41000, 41007")
    assert port_list("MGOV_CATALOG_PORT", 1, 2) == [41000, 41007]
    assert port_list("MGOV_UNSET_PORT", 4222, 3, step=1) == [4222, 4223, 4224]


@pytest.mark.parametrize("raw", ["nine", "41000,41000", "0", "70000", "41000,x"])
def test_a_port_list_that_is_not_distinct_ports_is_refused_naming_the_variable(env: pytest.MonkeyPatch, raw: str) -> None:
    env.setenv("MGOV_CATALOG_PORT", raw)
    with pytest.raises(SystemExit, match="MGOV_CATALOG_PORT"):
        port_list("MGOV_CATALOG_PORT", 1, 2)


def test_callers_reach_one_copy_by_address_and_several_by_an_address_list() -> None:
    assert grpc_target([50051]) == "127.0.0.1:50051"
    assert grpc_target([50051, 50061]) == "ipv4:127.0.0.1:50051,127.0.0.1:50061"


def test_two_replicas_give_every_process_two_ports_and_nats_three_nodes(env: pytest.MonkeyPatch) -> None:
    env.setenv("MGOV_IDENTITY_PORT", "41051")
    env.setenv("MGOV_GATEWAY_METRICS_PORT", "49464")
    config = PlatformConfig.from_env(replicas=2)
    assert config.ports_of("identity") == [41051, 41061]
    assert config.grpc_target("identity") == "ipv4:127.0.0.1:41051,127.0.0.1:41061"
    assert len(config.ports_of("nats")) == len(config.replica_ports["nats_route"]) == 3
    assert [config.metrics_env("gateway", i) for i in (0, 1)] == [{"MGOV_METRICS_PORT": "49464"}, {"MGOV_METRICS_PORT": "49474"}]
    assert config.metrics_env("identity", 1) == {"MGOV_METRICS_PORT": "0"}
    single = PlatformConfig.from_env()
    assert single.ports_of("nats") == [single.nats_port] and single.grpc_target("identity") == "127.0.0.1:41051"


@pytest.mark.parametrize("replicas", [0, 9])
def test_a_replica_count_out_of_range_is_refused(env: pytest.MonkeyPatch, replicas: int) -> None:
    with pytest.raises(SystemExit, match="--replicas"):
        PlatformConfig.from_env(replicas=replicas)


def test_each_nats_node_listens_for_routes_on_its_own_port_and_routes_to_every_node(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cluster = NatsCluster(tmp_path, [4222, 4223, 4224], [6222, 6223, 6224])
    blocks = [cluster.cluster_block(i) for i in range(3)]
    assert all("routes: [nats://127.0.0.1:6222, nats://127.0.0.1:6223, nats://127.0.0.1:6224]" in b for b in blocks)
    assert [f"listen: 127.0.0.1:{p}" in b for p, b in zip((6222, 6223, 6224), blocks, strict=True)] == [True] * 3
    assert [n.root.name for n in cluster.nodes] == ["node-0", "node-1", "node-2"] and cluster.urls[2] == "nats://127.0.0.1:4224"
    with pytest.raises(ValueError, match="three"):
        NatsCluster(tmp_path, [4222, 4223], [6222, 6223])


def test_a_nats_url_listing_a_clusters_servers_is_given_to_the_client_as_a_list_and_redacted_in_each() -> None:
    from mgov_common.bus import nats_servers, redact

    url = "nats://mgov:s3cret@127.0.0.1:4222,nats://mgov:s3cret@127.0.0.1:4223"
    assert nats_servers(url) == ["nats://mgov:s3cret@127.0.0.1:4222", "nats://mgov:s3cret@127.0.0.1:4223"]
    assert "s3cret" not in redact(url)
    with pytest.raises(ValueError):
        nats_servers(" , ")
