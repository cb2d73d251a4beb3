"""Field encryption (AES-256-GCM with key ids), lookup HMACs and refresh-token hashing.

Ciphertexts are `nonce (12 bytes) || ciphertext+tag`, stored beside the id of the key
that made them, so a key can be rotated: new writes use the current key, older rows
stay readable with the previous keys until `mgov keys reencrypt` rewrites them. The
associated data binds a ciphertext to its column and row, so a ciphertext copied to
another row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr

from mgov_common.settings import SettingsError

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


def parse_key(secret: SecretStr | str | None, variable: str) -> bytes:
    """32 key bytes from 64 hex digits or base64 (standard or url-safe, padding optional)."""
    if secret is None:
        raise SettingsError(f"{variable} is not set")
    raw = (secret.get_secret_value() if isinstance(secret, SecretStr) else secret).strip()
    if _HEX64.fullmatch(raw):
        return bytes.fromhex(raw)
    try:
        key = base64.urlsafe_b64decode(raw.replace("+", "-").replace("/", "_") + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise SettingsError(f"{variable} must be a 32-byte key: 64 hex digits or base64")
    return key


class DecryptionError(RuntimeError):
    """A ciphertext does not open with its key (wrong key, tampered data, unknown key id)."""


class FieldCipher:
    def __init__(self, current_id: str, keys: dict[str, bytes]) -> None:
        if current_id not in keys:
            raise SettingsError(f"no key for the current field key id {current_id!r}")
        self.current_id = current_id
        self._aead = {kid: AESGCM(key) for kid, key in keys.items()}

    @classmethod
    def from_settings(cls, current_id: str, current: SecretStr | None, previous: SecretStr | None,
                      prefix: str = "MGOV_IDENTITY_") -> "FieldCipher":
        keys = {current_id: parse_key(current, f"{prefix}FIELD_KEY")}
        if previous is not None:
            for item in filter(None, (p.strip() for p in previous.get_secret_value().split(","))):
                kid, sep, value = item.partition("=")
                if not sep or not kid.strip():
                    raise SettingsError(f"{prefix}FIELD_PREVIOUS_KEYS is a list of id=key separated by commas")
                keys.setdefault(kid.strip(), parse_key(value, f"{prefix}FIELD_PREVIOUS_KEYS ({kid.strip()})"))
        return cls(current_id, keys)

    def encrypt(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        nonce = secrets.token_bytes(12)
        return self.current_id, nonce + self._aead[self.current_id].encrypt(nonce, plaintext, aad)

    def decrypt(self, key_id: str, blob: bytes, aad: bytes) -> bytes:
        aead = self._aead.get(key_id)
        if aead is None:
            raise DecryptionError(f"field key {key_id!r} is not configured (MGOV_IDENTITY_FIELD_PREVIOUS_KEYS?)")
        try:
            return aead.decrypt(blob[:12], blob[12:], aad)
        except InvalidTag:
            raise DecryptionError("a ciphertext failed authentication") from None

    def encrypt_text(self, text: str, aad: str) -> tuple[str, bytes]:
        return self.encrypt(text.encode(), aad.encode())

    def decrypt_text(self, key_id: str, blob: bytes, aad: str) -> str:
        return self.decrypt(key_id, blob, aad.encode()).decode()


class Lookup:
    """Keyed hashes for equality search on encrypted columns (no plaintext stored)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, kind: str, value: str) -> bytes:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).digest()

    def phone(self, phone: str) -> bytes:
        return self._mac("phone", phone)

    def national_id(self, value: str) -> bytes:
        return self._mac("national_id", value)

    def phone_prefix(self, phone: str) -> bytes:
        """The 7-digit prefix (carrier and area block) of a number, for registration rate limits."""
        return self._mac("phone_prefix", phone[:7])

    def registration_code(self, registration_id: str, code: str) -> bytes:
        """A registration code at rest: keyed, so a copy of the table does not give the six digits away."""
        return self._mac("registration_code", f"{registration_id}:{code}")

    def phone_pseudonym(self, phone: str) -> str:
        """What other services know a phone without an account by (a phone token's
        subject): stable per number, keyed, and not the lookup hash of the users table."""
        return self._mac("phone_pseudonym", phone).hex()[:32]

    def account_key(self, phone: str) -> str:
        """The lockout key of an account: no phone in the clear, stable for unknown phones."""
        return self.phone(phone).hex()[:32]


REFRESH_PREFIX = "mgr_"


def new_refresh_token() -> str:
    """An opaque refresh token with 256 bits of entropy (prefixed for secret scanners)."""
    return REFRESH_PREFIX + secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> bytes:
    """Only this is stored; the token's entropy makes a plain SHA-256 sufficient."""
    return hashlib.sha256(token.encode()).digest()
