"""Cursor page tokens: the position after the last row shown and the query it belongs to.

They are not signed: every list they page is scoped to the caller (their own inbox) or
checked against the caller's rights (a tenant's deliveries), so a forged position can
only skip within what the caller may see anyway.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from mgov_common.errors import InvalidArgument

DEFAULT_PAGE, MAX_PAGE = 20, 100


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("page_size is 0 (the default) to 100", field="page_size", code="out_of_range")
    return min(requested or DEFAULT_PAGE, MAX_PAGE)


def encode(query: str, position: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([query, position], separators=(",", ":")).encode()).rstrip(b"=").decode()


def decode(query: str, token: str) -> list[Any] | None:
    if not token:
        return None
    try:
        q, position = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidArgument("the page token is malformed; start again without it", field="page_token", code="invalid_page_token") from None
    if q != query or not isinstance(position, list):
        raise InvalidArgument("the page token belongs to another query", field="page_token", code="invalid_page_token")
    return position
