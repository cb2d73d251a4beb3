"""The NATS server's authorization, generated from the registered systems.

On one machine (`mgov up`) the embedded server runs with `-c nats.conf`, which includes
the file written here; after every change of a system the identity service rewrites
it whole from the database (atomically: temp file + rename) and sends the server
SIGHUP, its configuration reload. The reload applies new users at once, changes the
permissions of live connections and closes the connections of users that are gone,
so registration, rotation and revocation take effect within seconds, no restart.

The platform user (every platform process) keeps all permissions; each system gets a
user that may publish only on `mgov.ingest.<tenant>.<system>.>` and subscribe only to
`mgov.evt.<tenant>.>` and its own reply inbox `_INBOX.<user>.>` (clients set their
inbox prefix to `_INBOX.<user>`); `allow_responses` is off, it answers no requests.
Passwords appear only as bcrypt hashes, which the server verifies itself.

On Kubernetes (several identity replicas, a NATS cluster) the same permissions would
come from an auth callout service or a config-reloader sidecar: not implemented here
(docs/tenant-systems.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import bcrypt

from services.identity.adapters.system_repository import SystemRecord

log = logging.getLogger(__name__)

BCRYPT_ROUNDS = 10


def bcrypt_hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def inbox_prefix(nats_user: str) -> str:
    return f"_INBOX.{nats_user}"


def system_permissions(s: SystemRecord) -> dict[str, object]:
    return {
        "publish": {"allow": [f"mgov.ingest.{s.tenant_id}.{s.id}.>"]},
        "subscribe": {"allow": [f"mgov.evt.{s.tenant_id}.>", f"{inbox_prefix(s.nats_user)}.>"]},
    }


def render(platform_user: str, platform_password_hash: str, systems: Iterable[SystemRecord]) -> str:
    """The `authorization {}` block (NATS config syntax accepts JSON values)."""
    users: list[dict[str, object]] = [{"user": platform_user, "password": platform_password_hash}]
    for s in systems:
        if s.active:
            users.append({"user": s.nats_user, "password": s.nats_password_hash, "permissions": system_permissions(s)})
    body = ",\n    ".join(json.dumps(u, separators=(", ", ": ")) for u in users)
    return "# Written by the mgov identity service from the registered systems; do not edit.\n" \
           f"authorization {{\n  users = [\n    {body}\n  ]\n}}\n"


def credentials_of(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url.split(",")[0])
    if not parts.username:
        return None
    return unquote(parts.username), unquote(parts.password or "")


def public_url(url: str) -> str:
    """The URL without credentials (what a system is told to connect to)."""
    parts = urlsplit(url.split(",")[0])
    host = parts.hostname or "127.0.0.1"
    return f"{parts.scheme or 'nats'}://{host}:{parts.port or 4222}"


class NatsAuthWriter:
    """Rewrites the authorization include file and signals the server to reload it."""

    def __init__(self, path: Path, pid_files: Path | list[Path] | None, platform_user: str, platform_password: str) -> None:
        self.path = path
        # One server, or every node of a cluster (each node includes the same file).
        self.pid_files = [pid_files] if isinstance(pid_files, Path) else list(pid_files or [])
        self.platform_user = platform_user
        self._platform_hash = bcrypt_hash(platform_password)
        self._lock = asyncio.Lock()
        self.reloads = 0

    async def apply(self, systems: list[SystemRecord]) -> None:
        async with self._lock:
            text = render(self.platform_user, self._platform_hash, systems)
            try:
                if self.path.read_text() == text:
                    return
            except OSError:
                pass
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(text)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
            self._signal_reload()

    def _signal_reload(self) -> None:
        for pid_file in self.pid_files:
            try:
                pid = int(pid_file.read_text().strip())
                os.kill(pid, signal.SIGHUP)
                self.reloads += 1
                log.info("NATS authorization reloaded", extra={"pid": pid, "file": str(self.path)})
            except (OSError, ValueError) as exc:
                # A node that is down reads the file when it starts again.
                log.error("could not signal NATS to reload its authorization", extra={"error": repr(exc), "pid_file": str(pid_file)})
