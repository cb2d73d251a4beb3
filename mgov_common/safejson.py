"""JSON from outside the process, parsed with its size and nesting depth bounded first.

Python's `json` parser recurses once per nested array or object: a few kilobytes of
`[[[[...` raise RecursionError (not ValueError) deep inside it, and every `except
ValueError` around a parse lets that through. Anything a tenant system, a client or
the bus hands us is therefore measured before it is parsed: its length, then its
depth, by one linear scan that skips string contents (a `[` inside a string is text).
Only input within both limits reaches `json.loads`.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Deep enough for every document the platform defines (a service item's guide is ~6).
MAX_DEPTH = 64
# NATS's default largest message; callers with a smaller bound pass their own.
MAX_BYTES = 1024 * 1024

_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_OPEN = frozenset(b"[{")


class UnsafeJson(ValueError):
    """Refused before parsing, or not JSON at all; `code` is stable for API answers."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def depth_of(raw: bytes, limit: int = MAX_DEPTH) -> int:
    """The nesting depth of `raw`, counting only as far as `limit + 1` (one past is enough
    to refuse). Linear in the input, no recursion; malformed input may count wrongly,
    which the parser then refuses anyway."""
    opened = raw.count(b"[") + raw.count(b"{")
    if opened <= limit:
        return opened  # cannot nest deeper than it opens
    depth = deepest = 0
    for match in _TOKENS.finditer(raw):
        token = match.group()
        if len(token) != 1:
            continue  # a string
        if token[0] in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        else:
            depth -= 1
    return deepest


def _utf8(raw: bytes | bytearray | str) -> bytes:
    """The text as UTF-8 bytes: json.loads also reads UTF-16 and UTF-32, detected the same
    way, and a scan over those bytes would miscount."""
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogatepass")
    data = raw if isinstance(raw, bytes) else bytes(raw)
    try:
        encoding = json.detect_encoding(data)
    except (UnicodeDecodeError, LookupError):  # pragma: no cover - detect_encoding always names one
        return data
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return data.decode(encoding, errors="surrogatepass").encode("utf-8", errors="surrogatepass")
    except (UnicodeDecodeError, LookupError):
        return data  # not text a JSON parser would read either


def too_deep(raw: bytes | bytearray | str, max_depth: int = MAX_DEPTH) -> bool:
    """Whether `raw` nests arrays/objects deeper than `max_depth` (for readers, such as the
    gateway's body check, that leave the parsing itself to someone else)."""
    return depth_of(_utf8(raw), max_depth) > max_depth


def loads(raw: bytes | bytearray | str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `raw` if it is at most `max_bytes` long and `max_depth` deep; else UnsafeJson."""
    data = raw.encode() if isinstance(raw, str) else raw if isinstance(raw, bytes) else bytes(raw)
    if len(data) > max_bytes:
        raise UnsafeJson(f"the document is {len(data)} bytes; at most {max_bytes} are accepted", "too_large")
    if too_deep(data, max_depth):
        raise UnsafeJson(f"the document nests deeper than {max_depth} levels", "too_deep")
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnsafeJson(f"not JSON: {exc}", "not_json") from None
    except RecursionError:  # a caller's own stack was nearly full already
        raise UnsafeJson("the document nests too deeply to parse here", "too_deep") from None


def try_loads(raw: bytes | bytearray | str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """`loads`, or None for anything it refuses (for best-effort peeks such as an id in a log line)."""
    try:
        return loads(raw, max_bytes=max_bytes, max_depth=max_depth)
    except UnsafeJson:
        return None
