"""The mobile API's JSON for appointment resources, and the appointment stub."""

from __future__ import annotations

from typing import Any

from mgov.appointment.v1 import appointment_pb2 as pb
from mgov.appointment.v1 import appointment_pb2_grpc
from gateway.schemas import message, string
from mgov_common import protojson

PRIVATE = "private, no-store"
# An appointment as written by `appointment_json`: its case link is null when there is none.
APPOINTMENT_SCHEMA = message(pb.Appointment.DESCRIPTOR, extra={"application_id": string(nullable=True)})


def stub(backends: Any) -> appointment_pb2_grpc.AppointmentServiceStub:
    return backends.stub("appointment", appointment_pb2_grpc.AppointmentServiceStub)  # type: ignore[no-any-return]


def to_json(msg: Any) -> dict[str, Any]:
    out: dict[str, Any] = protojson.to_json(msg)
    return out


def appointment_json(a: pb.Appointment) -> dict[str, Any]:
    out = to_json(a)
    out["application_id"] = a.application_id or None
    return out
