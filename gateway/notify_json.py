"""The mobile API's JSON for notify resources, and the notify stub."""

from __future__ import annotations

from typing import Any

from mgov.notify.v1 import notify_pb2 as pb
from mgov.notify.v1 import notify_pb2_grpc
from mgov_common import protojson

PRIVATE = "private, no-store"


def stub(backends: Any) -> notify_pb2_grpc.NotifyServiceStub:
    return backends.stub("notify", notify_pb2_grpc.NotifyServiceStub)  # type: ignore[no-any-return]


def notification_json(n: pb.Notification) -> dict[str, Any]:
    return protojson.to_json(n)  # type: ignore[no-any-return]


def device_json(d: pb.Device) -> dict[str, Any]:
    out: dict[str, Any] = protojson.to_json(d)
    return out


def preferences_json(p: pb.Preferences) -> dict[str, Any]:
    out: dict[str, Any] = protojson.to_json(p)
    return out
