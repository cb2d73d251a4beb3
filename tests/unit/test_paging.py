"""The shared paging rules: signed page tokens bound to their query, one page-size rule."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from mgov_common import paging
from mgov_common.errors import InvalidArgument
from mgov_common.paging import PageTokens

PAGES = PageTokens(b"0123456789abcdef0123456789abcdef")
SHAPE = (paging.timestamp, uuid.UUID)
POSITION = [datetime(2026, 3, 1, tzinfo=UTC).isoformat(), "5f0c3e8e-4a55-4c8e-9f6e-2f4b9c1a0d11"]


def refused(token: str, query: str = "q", shape: tuple = SHAPE, pages: PageTokens = PAGES) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as exc:
        pages.decode(query, token, shape)
    assert exc.value.field == "page_token" and exc.value.code == "invalid_page_token"
    return exc.value


def test_a_page_token_round_trips_for_its_own_query_only() -> None:
    token = PAGES.encode("q", POSITION)
    assert PAGES.decode("q", token, SHAPE) == (datetime(2026, 3, 1, tzinfo=UTC), uuid.UUID(POSITION[1]))
    assert PAGES.decode("q", "", SHAPE) is None
    refused(token, query="another query")


def _resigned(body: object) -> str:
    """A token whose body an attacker chose (the signature cannot match)."""
    raw = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return f"{raw}.{PAGES.encode('q', POSITION).split('.')[1]}"


@pytest.mark.parametrize("token", [
    "garbage", "%%%.%%%", "a" * 3000, _resigned({"k": "apps", "v": [123, "x"]}), _resigned({"q": "q", "p": [123, "x"]}),
    _resigned([1, 2]), PageTokens(b"another-secret-of-32-bytes......").encode("q", POSITION),
])
def test_a_tampered_forged_or_garbled_token_is_refused(token: str) -> None:
    refused(token)


@pytest.mark.parametrize("position", [[123, POSITION[1]], ["2026-13-45", POSITION[1]], ["2026-03-01T00:00:00", POSITION[1]],
                                      [POSITION[0], "not-a-uuid"], [POSITION[0]], [[1], {"a": 1}]])
def test_a_signed_token_whose_position_has_the_wrong_shape_is_refused_not_a_crash(position: list) -> None:
    refused(PAGES.encode("q", position))


def test_one_page_size_rule() -> None:
    assert paging.page_size(0) == paging.DEFAULT_PAGE_SIZE
    assert paging.page_size(7) == 7
    assert paging.page_size(10**6) == paging.MAX_PAGE_SIZE
    with pytest.raises(InvalidArgument) as exc:
        paging.page_size(-1)
    assert exc.value.field == "page_size" and exc.value.code == "invalid_page_size"
