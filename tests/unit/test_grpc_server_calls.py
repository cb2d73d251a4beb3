"""Every RPC of a service passes one interceptor, whose wrapping is made once per method."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from mgov_common.grpc_server import ServerCalls

pytestmark = pytest.mark.unit


class Details:
    def __init__(self, method: str) -> None:
        self.method = method
        self.invocation_metadata: tuple[Any, ...] = ()


async def _handler(request: Any, context: Any) -> Any:
    return request


async def test_a_method_is_wrapped_once_and_the_wrapping_kept_for_every_later_call() -> None:
    looked_up: list[str] = []

    async def continuation(details: Details) -> Any:
        looked_up.append(details.method)
        return grpc.unary_unary_rpc_method_handler(_handler) if details.method.startswith("/mgov.") else None

    calls = ServerCalls()
    first = await calls.intercept_service(continuation, Details("/mgov.catalog.v1.CatalogService/ListServices"))
    again = await calls.intercept_service(continuation, Details("/mgov.catalog.v1.CatalogService/ListServices"))
    assert first is again and first.unary_unary is not _handler  # wrapped, and only once
    assert looked_up == ["/mgov.catalog.v1.CatalogService/ListServices"]


async def test_an_unknown_method_is_not_kept_and_health_is_not_wrapped() -> None:
    health = grpc.unary_unary_rpc_method_handler(_handler)

    async def continuation(details: Details) -> Any:
        return health if details.method.startswith("/grpc.health.") else None

    calls = ServerCalls()
    for i in range(3):  # a caller choosing names cannot grow the interceptor's memory
        assert await calls.intercept_service(continuation, Details(f"/nope.Service/Method{i}")) is None
    assert await calls.intercept_service(continuation, Details("/grpc.health.v1.Health/Check")) is health
    assert list(calls._handlers) == ["/grpc.health.v1.Health/Check"]  # noqa: SLF001 - the bound on what is kept
