"""The mobile API's JSON for enforcement resources, and the enforcement stub."""

from __future__ import annotations

from typing import Any

from mgov.enforcement.v1 import enforcement_pb2 as pb
from mgov.enforcement.v1 import enforcement_pb2_grpc
from gateway.schemas import ref
from mgov_common import protojson

PRIVATE = "private, no-store"
SUBJECT = ref(pb.Subject.DESCRIPTOR)
PLAN = ref(pb.Plan.DESCRIPTOR)
INSPECTION = ref(pb.Inspection.DESCRIPTOR)
ENTRY = ref(pb.EvidenceEntry.DESCRIPTOR)


def stub(backends: Any) -> enforcement_pb2_grpc.EnforcementServiceStub:
    return backends.stub("enforcement", enforcement_pb2_grpc.EnforcementServiceStub)  # type: ignore[no-any-return]


def to_json(msg: Any) -> dict[str, Any]:
    out: dict[str, Any] = protojson.to_json(msg)
    return out
