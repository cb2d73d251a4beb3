"""Cold `mgov up` to ready: spawn `.venv/bin/mgov up`, time until GET /readyz is 200.

Each run is a fresh `mgov up` process on fresh free ports and one temporary MGOV_HOME
shared by the runs: the first run includes initdb, the stream creation and every
migration; the later ones find the data directory present. After readiness the bench
sends SIGINT and times the orderly stop too.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.procs import end_processes, processes_touching
from mgov_common.ports import free_port

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 15.0
PORT_VARS = (
    "MGOV_GATEWAY_PORT", "MGOV_NATS_PORT", "MGOV_POSTGRES_PORT",
    "MGOV_IDENTITY_PORT", "MGOV_CATALOG_PORT", "MGOV_WORKFLOW_PORT", "MGOV_NOTIFY_PORT",
)
_READY_LINE = re.compile(r"mgov is ready in ([0-9.]+)s")


@dataclass
class UpRun:
    label: str
    ready_s: float | None  # spawn -> first 200 from /readyz; None: never ready
    reported_s: float | None  # what `mgov up` itself logs ("mgov is ready in X s"; after its imports)
    stop_s: float | None  # SIGINT -> process exit
    exit_code: int | None
    leftovers: int  # processes of this MGOV_HOME still alive after the exit (ended by the bench)
    log: str
    error: str | None = None


def mgov_executable() -> Path:
    exe = Path(sys.executable).parent / "mgov"
    if not exe.exists():
        exe = REPO / ".venv" / "bin" / "mgov"
    return exe


def _distinct_free_ports(k: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < k:
        p = free_port()
        if p not in ports:
            ports.append(p)
    return ports


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=0.5) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _reported(log: Path) -> float | None:
    try:
        m = _READY_LINE.search(log.read_text(errors="replace"))
    except OSError:
        return None
    return float(m.group(1)) if m else None


def _stop(proc: subprocess.Popen[bytes], timeout: float) -> tuple[float | None, int | None]:
    if proc.poll() is not None:
        return None, proc.returncode
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout)
        return time.perf_counter() - t0, code
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return None, proc.returncode


def _cleanup_home(home: Path) -> int:
    """End whatever of this MGOV_HOME outlived `mgov up` (should be nothing); return how many."""
    left = processes_touching(str(home))
    if left:
        for pid, cmd in left:
            print(f"  !! left running after mgov up exited: pid {pid}: {cmd[:120]}", file=sys.stderr)
        end_processes([pid for pid, _ in left])
    pgdata = home / "postgres" / "data"
    if (pgdata / "postmaster.pid").exists() and processes_touching(str(pgdata)):
        from launcher.embedded import EmbeddedPostgres

        EmbeddedPostgres(home / "postgres", 0).stop()  # ends a server of this data directory
    return len(left)


def one_run(home: Path, label: str, index: int, timeout_s: float) -> UpRun:
    ports = dict(zip(PORT_VARS, _distinct_free_ports(len(PORT_VARS)), strict=True))
    env = dict(os.environ)
    for var in ("MGOV_DATABASE_URL", "MGOV_NATS_URL", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        env.pop(var, None)
    env.update({var: str(p) for var, p in ports.items()})
    env["MGOV_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    url = f"http://127.0.0.1:{ports['MGOV_GATEWAY_PORT']}/readyz"
    log = home.parent / f"mgov-up-{index}.log"
    ready_s: float | None = None
    error: str | None = None
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [str(mgov_executable()), "up"], env=env, cwd=REPO,
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C of the bench reaches it only through us
        )
        try:
            while time.perf_counter() - t0 < timeout_s:
                if proc.poll() is not None:
                    error = f"mgov up exited with code {proc.returncode} before ready"
                    break
                if _ready(url):
                    ready_s = time.perf_counter() - t0
                    break
                time.sleep(0.02)
            else:
                error = f"not ready within {timeout_s:.0f}s"
            if ready_s is not None:  # let mgov log its own figure (not timed)
                deadline = time.monotonic() + 3
                while _reported(log) is None and time.monotonic() < deadline and proc.poll() is None:
                    time.sleep(0.05)
        finally:
            stop_s, code = _stop(proc, 45)
            leftovers = _cleanup_home(home)
    return UpRun(label, ready_s, _reported(log), stop_s, code, leftovers, str(log), error)


def run(runs: int = 3, timeout_s: float = 60.0, keep: bool = False) -> list[UpRun]:
    tmp = Path(tempfile.mkdtemp(prefix="mgov-bench-up-"))
    home = tmp / "home"
    results: list[UpRun] = []
    try:
        for i in range(runs):
            label = "cold, first run (initdb)" if i == 0 else "cold restart, data dir present"
            r = one_run(home, label, i + 1, timeout_s)
            results.append(r)
            shown = f"{r.ready_s:.2f}s" if r.ready_s is not None else f"FAILED ({r.error}; log {r.log})"
            print(f"  [up] run {i + 1}: {label}: {shown}", file=sys.stderr, flush=True)
            if r.ready_s is None and i == 0:
                break
    finally:
        _cleanup_home(home)
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if keep:
        print(f"  [up] kept {tmp}", file=sys.stderr)
    return results


def as_json(results: list[UpRun]) -> dict[str, object]:
    first = results[0] if results else None
    restarts = [r.ready_s for r in results[1:] if r.ready_s is not None]
    return {
        "target_s": TARGET_S,
        "first_run_initdb_s": first.ready_s if first else None,
        "restart_s": restarts,
        "restart_median_s": statistics.median(restarts) if restarts else None,
        "runs": [{k: v for k, v in asdict(r).items() if k != "log"} for r in results],
    }
