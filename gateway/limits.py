"""Bounds of numbers the gateway copies into protobuf fields.

A value past its field's range makes the protobuf runtime raise (a 500); validating
against these bounds answers 422 naming the parameter instead.
"""

from __future__ import annotations

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def version_number(raw: str, limit: int = INT32_MAX) -> int | None:
    """The non-negative number a version string (e.g. an If-Match etag) names, or None.

    Only ASCII digits count ('²'.isdigit() is true but int('²') fails), and a number
    past `limit` names no version that can exist.
    """
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if value <= limit else None
