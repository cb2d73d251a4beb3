"""Finding (and, on failure, ending) processes the bench started, never anything else."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from launcher.topology import SERVICES

# Every port a demo `mgov up` listens on (as MGOV_<NAME>_PORT): a bench gives each a free
# one, so that its platform never meets another one running on the same machine (a
# payment simulator or appointment service on its default port would crash-loop, and the
# launcher's restarts would be charged to the bench's requests).
PLATFORM_PORTS = ("GATEWAY", "NATS", "POSTGRES", "PAYSIM", *(name.upper() for name in SERVICES))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def processes_touching(marker: str) -> list[tuple[int, str]]:
    """Live processes whose command line or environment mentions `marker` (a temp dir
    unique to this bench run). Zombies are skipped: they are already gone."""
    needle = marker.encode()
    found: list[tuple[int, str]] = []
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        stat = _read(entry / "stat")
        if b") Z" in stat or b") X" in stat:
            continue
        cmdline = _read(entry / "cmdline")
        if needle in cmdline or needle in _read(entry / "environ"):
            found.append((int(entry.name), cmdline.replace(b"\0", b" ").decode(errors="replace").strip()))
    return found


def end_processes(pids: list[int], grace: float = 5.0) -> None:
    """SIGTERM the given pids (ours, found by `processes_touching`), SIGKILL after `grace`."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if _alive(p)]
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _alive(pid: int) -> bool:
    stat = _read(Path(f"/proc/{pid}/stat"))
    return bool(stat) and b") Z" not in stat


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None, method: str = "GET") -> None:
    """Poll `url` until it answers 2xx; fail early if `proc` (the server) exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if httpx.request(method, url, timeout=1, content=b"{}" if method != "GET" else None).status_code < 300:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGINT, timeout: float = 60) -> None:
    """Signal a server and wait for it; kill it if it does not stop in time."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
