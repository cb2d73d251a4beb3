"""Paging of every list: one page-size rule and signed, opaque page tokens.

A page token carries the sort key of the last row a page showed and the key of the
query it belongs to, as JSON, base64url-encoded and signed with HMAC-SHA256 under the
platform's page-token secret (`MGOV_PAGE_TOKEN_SECRET`). The signature makes a client
unable to forge a position (or probe sort keys it may not list); the query key makes
a token of one query (another list, tenant, filter or caller) useless for another,
which would otherwise skip or repeat rows. The position is checked against the shape
the list expects before it reaches SQL, so a token can never cause a server error.

Every failure is INVALID_ARGUMENT on `page_token` with code `invalid_page_token`; a
negative page size is `invalid_page_size` (the gateway answers both with 400).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from mgov_common.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_TOKEN_LENGTH = 2048
INVALID_PAGE_TOKEN = "invalid_page_token"
INVALID_PAGE_SIZE = "invalid_page_size"
_SIG_BYTES = 16


def page_size(requested: int, default: int = DEFAULT_PAGE_SIZE) -> int:
    """The rule of every list: 0 means the default, more than MAX_PAGE_SIZE is
    MAX_PAGE_SIZE, negative is an error."""
    if requested < 0:
        raise InvalidArgument(f"page_size is 0 (the default, {default}) to {MAX_PAGE_SIZE}", field="page_size",
                              code=INVALID_PAGE_SIZE)
    return min(requested or default, MAX_PAGE_SIZE)


def fingerprint(*parts: Any) -> str:
    """A short stable key of a query's defining parts (list name, tenant, filters, caller)."""
    raw = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _bad(why: str) -> InvalidArgument:
    return InvalidArgument(f"the page token is invalid: {why}; start again without page_token", field="page_token",
                           code=INVALID_PAGE_TOKEN)


class PageTokens:
    """Signs and checks the page tokens of one service."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the page-token secret must be at least 16 bytes")
        self._key = hashlib.sha256(b"mgov-page-token:" + secret).digest()

    @classmethod
    def ephemeral(cls) -> "PageTokens":
        """Tokens valid in this process only (tests, and tools that page within one run)."""
        return cls(os.urandom(32))

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_SIG_BYTES]

    def encode(self, query: str, position: Sequence[Any]) -> str:
        body = json.dumps({"q": query, "p": list(position)}, separators=(",", ":"), ensure_ascii=False).encode()
        return f"{_b64(body)}.{_b64(self._sign(body))}"

    def decode(self, query: str, token: str, shape: Sequence[Callable[[Any], Any]]) -> tuple[Any, ...] | None:
        """The position of `token` (None for no token), each value passed through the
        converter of `shape` at its place (e.g. `datetime.fromisoformat`, `uuid.UUID`), as
        the tuple a keyset query compares against."""
        if not token:
            return None
        if len(token) > MAX_TOKEN_LENGTH:
            raise _bad("too long")
        body_b64, sep, sig_b64 = token.partition(".")
        try:
            body, sig = _unb64(body_b64), _unb64(sig_b64)
        except (binascii.Error, ValueError):
            raise _bad("malformed") from None
        if not sep or not hmac.compare_digest(sig, self._sign(body)):
            raise _bad("it was altered or was not issued by this service")
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise _bad("malformed") from None
        if not isinstance(payload, dict) or payload.get("q") != query:
            raise _bad("it belongs to another query (list, tenant, filters or caller changed)")
        position = payload.get("p")
        if not isinstance(position, list) or len(position) != len(shape):
            raise _bad("malformed")
        try:
            return tuple(convert(value) for convert, value in zip(shape, position, strict=True))
        except (ValueError, TypeError, OverflowError, KeyError, AttributeError):
            raise _bad("malformed") from None


def text(value: Any) -> str:
    """A string position value (a converter for `shape`)."""
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def integer(value: Any) -> int:
    """An integer position value (a converter for `shape`); booleans are not integers."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


def timestamp(value: Any) -> datetime:
    """An RFC 3339 timestamp with its offset (a converter for `shape`)."""
    parsed = datetime.fromisoformat(text(value))
    if parsed.tzinfo is None:
        raise ValueError("no UTC offset")
    return parsed


