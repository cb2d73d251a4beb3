"""Insight reads its owners' cursor-paged listings to their end with one loop."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
import pytest

from services.insight.adapters.paged import pages


@dataclass
class Resp:
    n: int
    next_page_token: str


def not_found() -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(grpc.StatusCode.NOT_FOUND, grpc.aio.Metadata(), grpc.aio.Metadata(), "no tenant")


async def test_a_listing_is_followed_token_by_token_until_a_page_has_none() -> None:
    asked: list[str] = []

    async def fetch(token: str) -> Resp:
        asked.append(token)
        n = int(token or 0)
        return Resp(n, str(n + 1) if n < 2 else "")

    assert [r.n async for r in pages(fetch, 10)] == [0, 1, 2]
    assert asked == ["", "1", "2"]
    assert [r.n async for r in pages(fetch, 2)] == [0, 1]  # the bound on one pass


async def test_not_found_ends_a_tenants_listing_only_when_told_it_means_an_unknown_tenant() -> None:
    async def fetch(token: str) -> Resp:
        if token:
            raise not_found()
        return Resp(0, "more")

    assert [r.n async for r in pages(fetch, 10, unknown_is_empty=True)] == [0]
    with pytest.raises(grpc.aio.AioRpcError):
        [r async for r in pages(fetch, 10)]
