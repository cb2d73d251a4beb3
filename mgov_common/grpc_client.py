"""gRPC channels whose every call has a deadline and that spread calls over replicas.

A call without an explicit timeout gets the channel's default deadline, so no caller
can hang forever on a stuck service. The same interceptor (one per call type, so a
call pays for one layer) traces it: a CLIENT span per RPC whose W3C `traceparent` goes
in the metadata (`mgov_common.grpc_tracing`; health and reflection untraced).

A channel keeps long-lived HTTP/2 connections, so a load balancer in front of the
replicas (a Kubernetes ClusterIP) balances connections, not calls: every call of a
client would reach the one replica its connection landed on. Channels therefore use
gRPC's `round_robin` policy: one connection to every address the target resolves to
(`dns:///identity-headless:50051` answers with every ready pod; `ipv4:a:p1,b:p2`
lists them) and calls taken in turn over the ready ones. The policy is fixed here,
and a service config published in DNS cannot replace it.
"""

from __future__ import annotations

import json
from typing import Any

import grpc
from grpc.aio import ClientCallDetails
from opentelemetry import trace

from mgov_common import grpc_tracing

# Matches the servers' limit (`mgov_common.grpc_server.MAX_MESSAGE_BYTES`): 10 MB uploads fit.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
SERVICE_CONFIG = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})


def _prepared(details: ClientCallDetails, default: float) -> tuple[ClientCallDetails, trace.Span | None]:
    """The call's details with a deadline (the default when it has none) and, for a traced
    method, its CLIENT span's `traceparent` in the metadata."""
    method = details.method.decode() if isinstance(details.method, bytes) else details.method
    timeout = default if details.timeout is None else details.timeout
    if not grpc_tracing.traced(method):
        if details.timeout is not None:
            return details, None
        return ClientCallDetails(details.method, timeout, details.metadata, details.credentials, details.wait_for_ready), None
    span = grpc_tracing.start_client_span(method)
    metadata = grpc_tracing.client_metadata(span, details.metadata)
    return ClientCallDetails(details.method, timeout, metadata, details.credentials, details.wait_for_ready), span


class _UnaryUnary(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, default: float) -> None:
        self.default = default

    async def intercept_unary_unary(self, continuation: Any, details: ClientCallDetails, request: Any) -> Any:
        details, span = _prepared(details, self.default)
        if span is None:
            return await continuation(details, request)
        try:
            call = await continuation(details, request)
            await call  # the span lasts until the answer
        except grpc.aio.AioRpcError as exc:
            grpc_tracing.end_with(span, exc.code())
            raise
        except BaseException:
            grpc_tracing.end_with(span, grpc.StatusCode.CANCELLED)
            raise
        grpc_tracing.end_with(span, None)
        return call


class _UnaryStream(grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, default: float) -> None:
        self.default = default

    async def intercept_unary_stream(self, continuation: Any, details: ClientCallDetails, request: Any) -> Any:
        details, span = _prepared(details, self.default)
        call = await continuation(details, request)
        if span is not None:
            call.add_done_callback(lambda _call: span.end())  # type: ignore[union-attr]
        return call


def create_channel(target: str, *, default_deadline_s: float = 5.0) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(
        target,
        interceptors=[_UnaryUnary(default_deadline_s), _UnaryStream(default_deadline_s)],
        options=[
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.keepalive_timeout_ms", 10_000),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.service_config", SERVICE_CONFIG),
            ("grpc.service_config_disable_resolution", 1),
        ],
    )
