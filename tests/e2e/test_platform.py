"""The platform as `make run` starts it: real processes, real servers, clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from launcher.pg_placement import discard
from launcher.topology import SERVICES
from mgov_common.ports import free_port
from tests.conftest import Servers, repo_root, venv_bin


@dataclass
class Platform:
    proc: subprocess.Popen[str]
    home: Path
    gateway: str
    ports: dict[str, int]
    output: Path

    def log(self) -> str:
        return self.output.read_text()

    def why(self) -> str:
        """The launcher's own lines that say what went wrong, on one line: a failure's
        summary (pytest's short summary shows only its first line) names the cause."""
        keys = ("failed", "exited with", "error", "not healthy", "timed out", "in use")
        lines = [ln.strip() for ln in self.log().splitlines() if any(k in ln.lower() for k in keys)]
        return " | ".join(lines[-4:])[:600] or "no error line in its output"


def platform_env(home: Path, **extra: str) -> tuple[dict[str, str], dict[str, int]]:
    processes = ("GATEWAY", *(s.upper() for s in SERVICES))
    # Every process serves Prometheus metrics on a port of its own ("GATEWAY_METRICS", ...).
    ports = {name: free_port() for name in (*processes, "NATS", "POSTGRES", "PAYSIM", *(f"{p}_METRICS" for p in processes))}
    env = {k: v for k, v in os.environ.items() if k not in ("MGOV_DATABASE_URL", "MGOV_NATS_URL", "MGOV_DEMO")}
    env.update({f"MGOV_{k}_PORT": str(v) for k, v in ports.items()})
    env.update({"MGOV_HOME": str(home), "MGOV_READY_TIMEOUT": "150"}, **extra)
    return env, ports


def start(home: Path, tmp_path: Path, **extra: str) -> Platform:
    env, ports = platform_env(home, **extra)
    output = tmp_path / "mgov-up.out"
    proc = subprocess.Popen([venv_bin("mgov"), "up"], cwd=repo_root(), env=env, stdout=output.open("w"), stderr=subprocess.STDOUT, text=True)
    return Platform(proc, home, f"http://127.0.0.1:{ports['GATEWAY']}", ports, output)


def wait_ready(p: Platform, timeout: float = 180) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.proc.poll() is not None:
            raise AssertionError(f"mgov up exited with {p.proc.returncode} ({p.why()}):\n{p.log()}")
        try:
            resp = httpx.get(f"{p.gateway}/readyz", timeout=2)
            if resp.status_code == 200:
                return resp.json()  # type: ignore[no-any-return]
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not ready within {timeout}s ({p.why()}):\n{p.log()}")


def wait_for_log(p: Platform, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in p.log():
        assert time.monotonic() < deadline, f"{text!r} never logged:\n{p.log()}"
        time.sleep(0.1)


def processes_of(p: Platform) -> list[psutil.Process]:
    """mgov up's descendants, plus the servers that detach (PostgreSQL) found by their data dir."""
    procs = {proc.pid: proc for proc in psutil.Process(p.proc.pid).children(recursive=True)}
    for proc in psutil.process_iter(["cmdline"]):
        if any(str(p.home) in part for part in proc.info["cmdline"] or []):
            procs[proc.pid] = proc
    return list(procs.values())


def stop(p: Platform, sig: int = signal.SIGINT) -> int:
    if p.proc.poll() is None:
        p.proc.send_signal(sig)
    try:
        return p.proc.wait(60)
    except subprocess.TimeoutExpired:
        p.proc.kill()
        raise


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    p = start(tmp_path / "home", tmp_path)
    try:
        yield p
    finally:
        if p.proc.poll() is None:
            stop(p)
        for proc in processes_of(p) if p.proc.poll() is None else []:
            proc.kill()
        discard(p.home / "postgres")


def test_mgov_up_serves_all_four_services_and_sigint_leaves_no_process_behind(platform: Platform) -> None:
    body = wait_ready(platform)
    assert body["status"] in ("ready", "degraded") and body["services"] == {name: "SERVING" for name in SERVICES}
    children = processes_of(platform)
    names = " ".join(" ".join(c.cmdline()) for c in children)
    assert "nats-server" in names and "postgres" in names and "services.identity" in names and "gateway" in names
    wait_for_log(platform, "mobile API")  # the banner follows readiness

    assert stop(platform) == 0
    time.sleep(0.5)
    alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], [c.cmdline() for c in alive]
    assert "stopped; nothing left running" in platform.log()


def test_a_crashed_service_is_restarted_and_the_restart_is_logged(platform: Platform) -> None:
    wait_ready(platform)
    [workflow] = [c for c in psutil.Process(platform.proc.pid).children() if "services.workflow" in c.cmdline()]
    workflow.kill()
    wait_for_log(platform, "workflow exited with code -9; restarting")
    wait_ready(platform, 30)
    [again] = [c for c in psutil.Process(platform.proc.pid).children() if "services.workflow" in c.cmdline()]
    assert again.pid != workflow.pid
    assert "workflow restarted" in platform.log()


def test_data_survives_a_restart(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = start(home, tmp_path)
    try:
        wait_ready(first)
    finally:
        assert stop(first, signal.SIGTERM) == 0
    assert (home / "postgres" / "data" / "PG_VERSION").exists()
    second = start(home, tmp_path)
    try:
        wait_ready(second)
        assert "migration" not in second.log(), "nothing left to migrate on the second start"
    finally:
        assert stop(second) == 0
        discard(home / "postgres")


def test_a_port_already_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        p = start(tmp_path / "home", tmp_path, MGOV_GATEWAY_PORT=str(port))
        code = p.proc.wait(30)
    assert code == 2
    assert f"port {port} (gateway) is already in use" in p.log()


# Outside demo mode every service's secrets must be given (they have no defaults).
PRODUCTION_SECRETS = {
    "MGOV_IDENTITY_FIELD_KEY": "11" * 32,
    "MGOV_IDENTITY_LOOKUP_KEY": "22" * 32,
    "MGOV_IDENTITY_AUDIT_KEY": "33" * 32,
    "MGOV_PAGE_TOKEN_SECRET": "44" * 32,
    "MGOV_NOTIFY_PLATFORM_SECRET": "55" * 32,
    "MGOV_ENFORCEMENT_PLATFORM_SECRET": "58" * 32,
    "MGOV_IDENTITY_PLATFORM_CLIENTS": "notify=" + "55" * 32 + ",enforcement=" + "58" * 32,
    "MGOV_NOTIFY_VAPID_PRIVATE_KEY": "66" * 32,
    "MGOV_PAYMENT_RECEIPT_SIGNING_KEY": "77" * 32,
}


def test_with_external_servers_nothing_embedded_starts(servers: Servers, tmp_path: Path) -> None:
    p = start(tmp_path / "home", tmp_path, MGOV_DATABASE_URL=servers.dsn, MGOV_NATS_URL=servers.nats_url, **PRODUCTION_SECRETS)
    try:
        wait_ready(p)
        names = " ".join(" ".join(c.cmdline()) for c in psutil.Process(p.proc.pid).children(recursive=True))
        assert "nats-server" not in names and "postgres" not in names
        assert "using external PostgreSQL and NATS" in p.log()
        assert not (tmp_path / "home" / "postgres").exists()
    finally:
        assert stop(p) == 0
