"""Opaque, signed cursor tokens for keyset pagination.

A token carries the sort key of the last row a page showed and a fingerprint of the
query it belongs to, serialised as JSON, base64url-encoded and signed with
HMAC-SHA256 under a secret setting (`MGOV_CATALOG_PAGE_TOKEN_SECRET`). The signature
makes a client unable to forge a position (or probe other tenants' sort keys); the
fingerprint makes a token of one query useless for another (a different `q` or filter
would otherwise skip or repeat rows). Any failure is one 422 naming `page_token`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from mgov_common.errors import InvalidArgument

_SIG_BYTES = 16


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(*parts: Any) -> str:
    raw = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


class PageTokenCodec:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the page-token secret must be at least 16 bytes")
        self._key = hashlib.sha256(b"mgov-catalog-page-token:" + secret).digest()

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_SIG_BYTES]

    def encode(self, position: dict[str, Any], query: str) -> str:
        body = json.dumps({"p": position, "q": query}, separators=(",", ":"), ensure_ascii=False).encode()
        return f"{_b64(body)}.{_b64(self._sign(body))}"

    def decode(self, token: str, query: str) -> dict[str, Any]:
        """The position of `token`, which must have been made by `encode` for the same query."""
        def bad(why: str) -> InvalidArgument:
            return InvalidArgument(f"the page token is invalid: {why}; start again without page_token", code="invalid_page_token", field="page_token")

        if len(token) > 2048:
            raise bad("too long")
        body_b64, sep, sig_b64 = token.partition(".")
        if not sep:
            raise bad("malformed")
        try:
            body, sig = _unb64(body_b64), _unb64(sig_b64)
        except (binascii.Error, ValueError):
            raise bad("malformed") from None
        if not hmac.compare_digest(sig, self._sign(body)):
            raise bad("it was altered or was not issued by this service")
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise bad("malformed") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("p"), dict):
            raise bad("malformed")
        if payload.get("q") != query:
            raise bad("it belongs to another query (tenant, search text or filters changed)")
        return payload["p"]  # type: ignore[no-any-return]
