"""The embedded servers run for root (as a system user) and for an ordinary user."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import repo_root

SCRIPT = """
import asyncio, pathlib, sys
import asyncpg, nats
from launcher.embedded import EmbeddedNats, EmbeddedPostgres
from mgov_common.ports import free_port
root = pathlib.Path(sys.argv[1])
n = EmbeddedNats(root / "nats", free_port()); p = EmbeddedPostgres(root / "pg", free_port(), fast=True)
try:
    n.start(); p.start()
    async def check():
        conn = await asyncpg.connect(p.dsn); await conn.execute("CREATE TABLE IF NOT EXISTS kept (x int)"); await conn.close()
        nc = await nats.connect(n.url); info = await nc.jetstream().account_info(); await nc.close()
    asyncio.run(check())
    print("ran as", p._user or "myself")
finally:
    p.stop(); n.stop()
"""


def _interpreter_for_others() -> tuple[list[str], str]:
    """A Python of this version that another user can run, with this venv's packages.

    The venv's interpreter may link to one under a private home (pyenv in /root); the
    system's interpreter of the same version then runs the same installed packages.
    """
    real = Path(sys.executable).resolve()
    if all(os.stat(p).st_mode & 0o001 for p in [*real.parents, real]):
        return [], sys.executable
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if not system.exists():
        pytest.skip(f"no Python {sys.version_info.major}.{sys.version_info.minor} that another user can run ({real} is private)")
    site = next(p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix))
    return [f"PYTHONPATH={repo_root()}:{site}"], str(system)


def run_as(user: str | None, root: Path) -> str:
    cmd = [sys.executable, "-c", SCRIPT, str(root)]
    if user is not None:
        env, python = _interpreter_for_others()
        cmd = ["runuser", "-u", user, "--", "env", *env, f"HOME={root}", python, "-c", SCRIPT, str(root)]
    out = subprocess.run(cmd, cwd=repo_root(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can switch users; the rest of the suite already runs as this ordinary user")
def test_as_root_postgres_runs_as_its_system_user_and_as_an_ordinary_user_as_that_user(tmp_path: Path) -> None:
    as_root = tmp_path / "root-run"
    assert "ran as embedded_postgres" in run_as(None, as_root)
    assert "ran as embedded_postgres" in run_as(None, as_root), "a second start on the same data works"

    as_user = tmp_path / "user-run"
    as_user.mkdir()
    os.chown(as_user, 65534, 65534)
    tmp_path.chmod(0o755)
    assert "ran as myself" in run_as("nobody", as_user)
    assert (as_user / "pg" / "data").stat().st_uid == 65534
