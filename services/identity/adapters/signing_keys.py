"""Ed25519 signing keys: stored in the identity schema, private halves encrypted.

Rotation adds a key that is *published first and signs later*: it appears in the JWKS
at once and becomes the signing key at `activates_at` (after `key_activation_delay_s`),
so every verifier's cache can learn it before the first token it signs arrives. The
key it replaces stays published until the tokens it signed have expired: its
successor's activation plus the access-token lifetime, the key cache and a skew margin.
`KeyRing` caches the keys for `cache_s`, so signing and the JWKS cost no query.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from services.identity.adapters.crypto import FieldCipher

_LOCK = "mgov-identity:signing-keys"
# Added to the publication of a replaced key, for clocks that disagree a little.
SKEW_MARGIN = timedelta(seconds=60)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def thumbprint(public_raw: bytes) -> str:
    """RFC 7638 JWK thumbprint of an Ed25519 key: a stable, collision-free `kid`."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64url(public_raw)}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def public_jwk(kid: str, public_raw: bytes) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(public_raw), "kid": kid, "alg": "EdDSA", "use": "sig"}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey


@dataclass(frozen=True)
class KeySet:
    signing: SigningKey
    jwks: list[dict[str, str]]  # the signing key first, then keys about to sign, then old ones


@dataclass(frozen=True)
class KeyRow:
    kid: str
    public_key: bytes
    activates_at: datetime


def schedule(rows: Sequence[KeyRow], now: datetime, hold: timedelta) -> tuple[KeyRow | None, list[KeyRow]]:
    """The signing key at `now` and the keys to publish (pure).

    The signing key is the last one activated; keys not yet active are published
    (verifiers learn them early); an older key is published until its successor's
    activation plus `hold` (the lifetime of the last token it signed, with margins).
    """
    ordered = sorted(rows, key=lambda r: (r.activates_at, r.kid))
    active = [r for r in ordered if r.activates_at <= now]
    if not active:
        return None, list(ordered)
    signing = active[-1]
    pending = [r for r in ordered if r.activates_at > now]
    older = [r for r, successor in zip(active, active[1:]) if successor.activates_at + hold > now]
    return signing, [signing, *pending, *reversed(older)]


class SigningKeyRepository:
    def __init__(self, conn: asyncpg.Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    async def load(self, now: datetime, hold: timedelta) -> KeySet | None:
        rows = [KeyRow(r["kid"], bytes(r["public_key"]), r["activates_at"])
                for r in await self.conn.fetch("SELECT kid, public_key, activates_at FROM signing_keys")]
        signing, published = schedule(rows, now, hold)
        if signing is None:
            return None
        row = await self.conn.fetchrow("SELECT private_cipher, enc_key_id FROM signing_keys WHERE kid = $1", signing.kid)
        raw = self.cipher.decrypt(row["enc_key_id"], row["private_cipher"], f"signing_key:{signing.kid}".encode())
        return KeySet(SigningKey(signing.kid, Ed25519PrivateKey.from_private_bytes(raw)),
                      [public_jwk(r.kid, r.public_key) for r in published])

    async def rotate(self, now: datetime, activates_at: datetime, *, only_if_none: bool = False) -> tuple[str, datetime] | None:
        """Add a key signing from `activates_at` (from `now` when it is the first key);
        with `only_if_none`, only when there is no key. Returns its kid and activation."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _LOCK)
        existing = await self.conn.fetchval("SELECT count(*) FROM signing_keys")
        if only_if_none and existing:
            return None
        if not existing:
            activates_at = now
        private = Ed25519PrivateKey.generate()
        public_raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        kid = thumbprint(public_raw)
        key_id, blob = self.cipher.encrypt(
            private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()), f"signing_key:{kid}".encode()
        )
        await self.conn.execute(
            "INSERT INTO signing_keys (kid, public_key, private_cipher, enc_key_id, created_at, activates_at)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            kid, public_raw, blob, key_id, now, activates_at,
        )
        return kid, activates_at

    async def reencrypt(self) -> int:
        """Rewrite private keys encrypted with an earlier field key under the current one."""
        rows = await self.conn.fetch(
            "SELECT kid, private_cipher, enc_key_id FROM signing_keys WHERE enc_key_id <> $1 FOR UPDATE", self.cipher.current_id
        )
        for r in rows:
            aad = f"signing_key:{r['kid']}".encode()
            key_id, blob = self.cipher.encrypt(self.cipher.decrypt(r["enc_key_id"], r["private_cipher"], aad), aad)
            await self.conn.execute("UPDATE signing_keys SET private_cipher = $2, enc_key_id = $3 WHERE kid = $1", r["kid"], blob, key_id)
        return len(rows)


class KeyRing:
    """The current key set, re-read at most every `cache_s` (or after `invalidate`)."""

    def __init__(self, load: Callable[[], Awaitable[KeySet]], cache_s: float) -> None:
        self._load = load
        self._cache_s = cache_s
        self._keys: KeySet | None = None
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def keys(self) -> KeySet:
        if self._keys is None or time.monotonic() - self._loaded_at >= self._cache_s:
            async with self._lock:
                if self._keys is None or time.monotonic() - self._loaded_at >= self._cache_s:
                    self._keys = await self._load()
                    self._loaded_at = time.monotonic()
        return self._keys

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    async def jwks(self) -> dict[str, Any]:
        return {"keys": list((await self.keys()).jwks)}

    async def fresh_jwks(self) -> dict[str, Any]:
        """Re-read now: the identity service's own verifier asks only on an unknown kid
        (rate-limited by its JwksCache), which may be a key another replica just made."""
        self.invalidate()
        return await self.jwks()
