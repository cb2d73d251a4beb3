"""A demo-mode `mgov up` on free ports in a scratch home, for tools that need the whole
platform running (the app audit, the app screenshots); always stopped, nothing left over."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.procs import end_processes, processes_touching, stop_process, wait_http
from mgov_common.ports import free_port

REPO = Path(__file__).resolve().parent.parent
PORTS = ("GATEWAY", "NATS", "POSTGRES", "IDENTITY", "CATALOG", "WORKFLOW", "NOTIFY", "INGEST")


@contextmanager
def demo_platform() -> Iterator[str]:
    """Yields the gateway's base URL once /readyz answers."""
    tmp = Path(tempfile.mkdtemp(prefix="mgov-app-"))
    tmp.chmod(0o755)  # the embedded PostgreSQL's own user must reach its data directory
    env = {k: v for k, v in os.environ.items() if k not in ("MGOV_DATABASE_URL", "MGOV_NATS_URL")}
    ports = {name: free_port() for name in PORTS}
    env.update({f"MGOV_{k}_PORT": str(v) for k, v in ports.items()})
    env.update({"MGOV_HOME": str(tmp / "home"), "MGOV_DEMO": "1"})
    base = f"http://127.0.0.1:{ports['GATEWAY']}"
    with open(tmp / "mgov-up.log", "wb") as log:
        proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "mgov"), "up"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_http(f"{base}/readyz", 120, proc)  # type: ignore[arg-type]
            yield base
        finally:
            stop_process(proc)  # type: ignore[arg-type]
            left = processes_touching(str(tmp))
            if left:
                end_processes([pid for pid, _ in left])
            shutil.rmtree(tmp, ignore_errors=True)
