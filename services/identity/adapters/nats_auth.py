"""What a tenant system may do on the bus, and its NATS password's hash.

Each system gets a NATS user that may publish only on `mgov.ingest.<tenant>.<system>.>`
and subscribe only to `mgov.evt.<tenant>.>` and its own reply inbox `_INBOX.<user>.>`
(clients set their inbox prefix to `_INBOX.<user>`); it answers no requests. The NATS
servers learn this at connect time from identity's auth callout (nats_callout.py), in
the user JWT identity signs for that one connection.

The password is stored as a bcrypt hash (migration 0003); the callout checks it off the
event loop, a few at a time.
"""

from __future__ import annotations

import asyncio
import weakref
from urllib.parse import urlsplit

import bcrypt

from services.identity.adapters.system_repository import SystemRecord

BCRYPT_ROUNDS = 10
# A hash of nothing anyone knows: an unknown user costs the same check as a known one.
_DUMMY_HASH = bcrypt.hashpw(b"mgov: no such NATS user", bcrypt.gensalt(BCRYPT_ROUNDS))
# bcrypt at cost 10 takes ~50 ms of a core: a burst of connections queues here (per
# event loop) instead of filling the thread pool the rest of the service needs.
_checks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def bcrypt_hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


async def bcrypt_matches(password: str, stored: str | None) -> bool:
    """Whether `password` matches the stored hash (None: nobody; checked all the same)."""
    hashed = stored.encode() if stored else _DUMMY_HASH
    raw = password.encode()[:72]  # bcrypt's limit; the issued passwords are 32 characters
    loop = asyncio.get_running_loop()
    async with _checks.setdefault(loop, asyncio.Semaphore(4)):
        try:
            ok = await asyncio.to_thread(bcrypt.checkpw, raw, hashed)
        except ValueError:  # a malformed stored hash
            return False
    return ok and stored is not None


def inbox_prefix(nats_user: str) -> str:
    return f"_INBOX.{nats_user}"


def system_permissions(s: SystemRecord) -> dict[str, object]:
    """The `pub`/`sub` permissions of the system's user JWT (nats-io/jwt v2 field names)."""
    return {
        "pub": {"allow": [f"mgov.ingest.{s.tenant_id}.{s.id}.>"]},
        "sub": {"allow": [f"mgov.evt.{s.tenant_id}.>", f"{inbox_prefix(s.nats_user)}.>"]},
    }


def public_url(url: str) -> str:
    """The URL without credentials (what a system is told to connect to): every server of
    a cluster, comma-separated, so a system still connects while one node is down."""
    def bare(server: str) -> str:
        parts = urlsplit(server.strip())
        host = parts.hostname or "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"{parts.scheme or 'nats'}://{host}:{parts.port or 4222}"

    return ",".join(bare(s) for s in url.split(",") if s.strip())
