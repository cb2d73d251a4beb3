"""A channel retries a lost backend often enough that a restarted replica is reached soon."""

from __future__ import annotations

from typing import Any

import grpc

from mgov_common import grpc_client


def test_a_channel_retries_a_restarted_backend_at_least_every_second(monkeypatch: Any) -> None:
    seen: dict[str, Any] = {}

    def fake_channel(target: str, options: list[tuple[str, Any]]) -> object:
        seen.update(options)
        return object()

    monkeypatch.setattr(grpc.aio, "insecure_channel", fake_channel)
    grpc_client.create_channel("127.0.0.1:1")
    # gRPC's own default grows the wait between attempts to 120 s: a gateway would answer
    # 503 for minutes after a backend that was down a few seconds serves again.
    assert seen["grpc.max_reconnect_backoff_ms"] <= 1_000
    assert seen["grpc.initial_reconnect_backoff_ms"] <= seen["grpc.max_reconnect_backoff_ms"]
