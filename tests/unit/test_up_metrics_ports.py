"""`mgov up` gives each process its own metrics port, or none, never a shared one."""

from __future__ import annotations

import socket

import pytest

from launcher.topology import SERVICES
from launcher.up import PlatformConfig
from mgov_common.ports import PortInUse, free_port


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in ("MGOV_DATABASE_URL", "MGOV_NATS_URL"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def test_a_metrics_port_in_the_launchers_environment_is_not_inherited_by_every_process(env: pytest.MonkeyPatch) -> None:
    env.setenv("MGOV_METRICS_PORT", "9464")
    env.setenv("MGOV_NOTIFY_METRICS_PORT", "19464")
    config = PlatformConfig.from_env()
    assert config.metrics_env("notify") == {"MGOV_METRICS_PORT": "19464"}
    assert config.metrics_env("gateway") == config.metrics_env("identity") == {"MGOV_METRICS_PORT": "0"}


def test_a_busy_metrics_port_is_named_before_anything_starts(env: pytest.MonkeyPatch) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        env.setenv("MGOV_GATEWAY_METRICS_PORT", str(busy))
        # Every process's port moved to a free one (the defaults may be taken on a shared machine).
        for name in ("GATEWAY", *(s.upper() for s in SERVICES), "NATS", "POSTGRES", "PAYSIM"):
            env.setenv(f"MGOV_{name}_PORT", str(free_port()))
        with pytest.raises(PortInUse, match="gateway metrics"):
            PlatformConfig.from_env().check_ports()


def test_a_metrics_port_that_is_not_a_port_is_refused(env: pytest.MonkeyPatch) -> None:
    env.setenv("MGOV_WORKFLOW_METRICS_PORT", "nine")
    with pytest.raises(SystemExit, match="MGOV_WORKFLOW_METRICS_PORT"):
        PlatformConfig.from_env()
