"""Opaque page tokens: base64url JSON tagged with the list they belong to.

A token of another list, or one that does not decode, is INVALID_ARGUMENT on
`page_token`; its content is only a keyset position, so a hand-made one reveals
nothing the caller could not list anyway.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from mgov_common.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("page_size must not be negative", field="page_size", code="invalid_page_size")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode(kind: str, position: list[Any]) -> str:
    raw = json.dumps({"k": kind, "p": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(kind: str, token: str) -> list[Any] | None:
    if not token:
        return None
    try:
        obj = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if obj["k"] == kind and isinstance(obj["p"], list):
            return obj["p"]  # type: ignore[no-any-return]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        pass
    raise InvalidArgument("the page token is not one of this list", field="page_token", code="invalid_page_token")
