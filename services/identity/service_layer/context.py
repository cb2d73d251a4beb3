"""What every handler needs, built once by `bootstrap` (or by a test with its own clock)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from mgov_common.paging import PageTokens
from services.identity.adapters.crypto import FieldCipher, Lookup
from services.identity.adapters.passwords import Argon2Passwords
from services.identity.adapters.signing_keys import KeyRing
from services.identity.adapters.tokens import TokenIssuer
from services.identity.domain.lockout import ThrottlePolicy
from services.identity.service_layer.unit_of_work import UowFactory


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    uow: UowFactory
    passwords: Argon2Passwords
    keyring: KeyRing
    issuer: TokenIssuer
    lookup: Lookup
    lockout: ThrottlePolicy
    refresh_ttl: timedelta
    session_max: timedelta
    # A rotated-in signing key is published this long before it signs (verifier caches
    # learn it first); a replaced key stays published `key_hold` after its successor
    # activates (token lifetime + key cache + skew margin).
    key_activation_delay: timedelta
    key_hold: timedelta
    # HMAC key of the audit chain (the verifier needs it too).
    audit_key: bytes
    clock: Callable[[], datetime] = utc_now
    # Platform services that may get platform tokens, with their client secrets.
    platform_clients: Mapping[str, str] = field(default_factory=dict)
    # Signs the page tokens of every list (the platform's page-token secret).
    pages: PageTokens = field(default_factory=PageTokens.ephemeral)
    # Encrypts the secrets that must be read back (webhook signing keys of systems).
    cipher: FieldCipher | None = None
