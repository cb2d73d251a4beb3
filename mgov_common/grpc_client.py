"""gRPC channels whose every call has a deadline and that spread calls over replicas.

A call without an explicit timeout gets the channel's default deadline, so no caller
can hang forever on a stuck service. Trace context is added by the OpenTelemetry
grpc instrumentation (installed by `mgov_common.telemetry.instrument_grpc`).

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

# Matches the servers' limit (`mgov_common.grpc_server.MAX_MESSAGE_BYTES`): 10 MB uploads fit.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
SERVICE_CONFIG = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})


def _with_deadline(details: ClientCallDetails, default: float) -> ClientCallDetails:
    if details.timeout is not None:
        return details
    return ClientCallDetails(details.method, default, details.metadata, details.credentials, details.wait_for_ready)


class _UnaryUnaryDeadline(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, default: float) -> None:
        self.default = default

    async def intercept_unary_unary(self, continuation: Any, details: ClientCallDetails, request: Any) -> Any:
        return await continuation(_with_deadline(details, self.default), request)


class _UnaryStreamDeadline(grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, default: float) -> None:
        self.default = default

    async def intercept_unary_stream(self, continuation: Any, details: ClientCallDetails, request: Any) -> Any:
        return await continuation(_with_deadline(details, self.default), request)


def create_channel(target: str, *, default_deadline_s: float = 5.0) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(
        target,
        interceptors=[_UnaryUnaryDeadline(default_deadline_s), _UnaryStreamDeadline(default_deadline_s)],
        options=[
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.keepalive_timeout_ms", 10_000),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.service_config", SERVICE_CONFIG),
            ("grpc.service_config_disable_resolution", 1),
        ],
    )
