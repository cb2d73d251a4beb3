"""The auth callout with two identity replicas: `mgov up`'s identity and a second identity
process with the same settings (another port), both answering the NATS server's
authorization requests in one queue group. With the first killed, a tenant system still
connects: the second one answered."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import psutil
import pytest

from mgov_common.ports import free_port
from tests.conftest import repo_root
from tests.e2e.conftest import DemoPlatform
from tests.e2e.test_systems_e2e import HZ_ADMIN, register
from tests.service_runner import wait_serving


def platform_identity(p: DemoPlatform) -> psutil.Process:
    (proc,) = [c for c in psutil.Process(p.pid).children(recursive=True) if "services.identity" in " ".join(c.cmdline())]
    return proc


def log_lines(path: Path) -> list[dict[str, Any]]:
    out = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def wait_for_log(path: Path, proc: subprocess.Popen[bytes], predicate: Any, what: str, timeout: float = 60) -> None:
    """Until a JSON log line of `proc` satisfies `predicate` (the process writes it when the state is reached)."""
    deadline = time.monotonic() + timeout
    while not any(predicate(r) for r in log_lines(path)):
        assert proc.poll() is None, f"the process exited: {path.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f}s: {path.read_text()[-3000:]}"
        time.sleep(0.05)


@pytest.fixture
def second_identity(demo_platform: DemoPlatform, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """Another identity replica: the platform identity's own environment, another port."""
    env = dict(platform_identity(demo_platform).environ())
    env.update({"MGOV_IDENTITY_PORT": str(free_port()), "MGOV_METRICS_PORT": "0", "MGOV_LOG_JSON": "1"})
    log = tmp_path / "identity-2.log"
    proc = subprocess.Popen([sys.executable, "-m", "services.identity"], cwd=repo_root(), env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        wait_for_log(log, proc, lambda r: r.get("message") == "answering NATS authorization requests", "the second replica subscribing")
        yield proc, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def connect_and_check(creds: dict[str, str], system_id: str) -> None:
    nc = await nats.connect(creds["url"], user=creds["user"], password=creds["password"], inbox_prefix=creds["inbox_prefix"],
                            allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=10)
    try:
        await nc.publish(f"mgov.ingest.hangzhou.{system_id}.notice.published.v1.probe", b"")
        await nc.flush(timeout=5)
    finally:
        await nc.close()


def test_a_second_identity_replica_answers_when_the_first_is_down(demo_platform: DemoPlatform, second_identity: Any) -> None:
    proc, log = second_identity
    token = demo_platform.sign_in(HZ_ADMIN)["access_token"]
    creds = register(demo_platform, token, types=["mgov.notice.published.v1"])
    first = platform_identity(demo_platform)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    try:
        asyncio.run(connect_and_check(creds["nats"], creds["system_id"]))
        answered = [r for r in log_lines(log) if r.get("message") == "NATS connection authorized"]
        assert [r["nats_user"] for r in answered] == [creds["nats"]["user"]], "the second replica answered"
        # A wrong password is refused by it too.
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            asyncio.run(connect_and_check({**creds["nats"], "password": "wrong"}, creds["system_id"]))
    finally:
        # `mgov up` restarts the first one; the other tests need it serving, and reached
        # by the gateway (its channel to identity reconnects on its own schedule).
        asyncio.run(wait_serving(f"127.0.0.1:{demo_platform.identity_port}", timeout=60))
        demo_platform.wait_ready()
