"""A citizen's appointments (网上预约): book a hall's slot, read, cancel, reschedule.

A full slot is 409 `slot_full` with `suggested_slots`: the next free slots of the same
hall and item, so the app can offer them at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Body, Header, Response
from pydantic import BaseModel, Field

from gateway.appointment_json import APPOINTMENT_SCHEMA, PRIVATE, appointment_json, stub, to_json
from gateway.auth import PersonDep
from gateway.deps import BackendsDep
from gateway.grpc_errors import error_detail, http_status
from gateway.problems import Problem
from gateway.schemas import page, returns
from mgov.appointment.v1 import appointment_pb2 as pb
from mgov_common.protojson import datetime_to_timestamp

router = APIRouter(prefix="/v1", tags=["appointments"])
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", max_length=200)]


class BookIn(BaseModel):
    hall_id: str = Field(max_length=64)
    service_id: str = Field(max_length=64)
    slot_start_time: datetime = Field(description="the start of a slot from GET /v1/halls/{hall_id}/slots")
    application_id: str = Field(default="", max_length=64, description="the case this visit is for, if any")


class RescheduleIn(BaseModel):
    slot_start_time: datetime


def _ts(when: datetime, field: str) -> Any:
    return datetime_to_timestamp(when if when.tzinfo else when.replace(tzinfo=UTC), field=field)


async def _slot_full(err: grpc.aio.AioRpcError, backends: Any, metadata: Any, hall_id: str, service_id: str, after: Any) -> Problem:
    """The service's refusal, with the next free slots to offer instead."""
    detail = error_detail(err)
    nxt = await stub(backends).FindFreeSlots(pb.FindFreeSlotsRequest(hall_id=hall_id, service_id=service_id, after_time=after, limit=3),
                                             metadata=metadata)
    return Problem(http_status(err.code(), detail.code), "slot_full", detail.message or err.details() or "the slot is full",
                   suggested_slots=[to_json(s) for s in nxt.slots])


@router.post("/appointments", responses=returns(APPOINTMENT_SCHEMA, 201), status_code=201,
             summary="Book a slot at a hall (a repeated Idempotency-Key answers the same booking; a full slot is 409 slot_full with suggested_slots)")
async def book(body: Annotated[BookIn, Body()], caller: PersonDep, backends: BackendsDep, response: Response,
               idempotency_key: IdempotencyKey = "") -> dict[str, Any]:
    start = _ts(body.slot_start_time, "slot_start_time")
    req = pb.BookAppointmentRequest(hall_id=body.hall_id, service_id=body.service_id, slot_start_time=start,
                                    application_id=body.application_id, request_id=idempotency_key)
    try:
        a = await stub(backends).BookAppointment(req, metadata=caller.metadata)
    except grpc.aio.AioRpcError as err:
        if error_detail(err).code == "slot_full":
            raise await _slot_full(err, backends, caller.metadata, body.hall_id, body.service_id, start) from None
        raise
    response.headers["Location"] = f"/v1/appointments/{a.id}"
    response.headers["Cache-Control"] = PRIVATE
    return appointment_json(a)


@router.get("/appointments", responses=returns(page(APPOINTMENT_SCHEMA)), summary="Your appointments: active ones first, soonest first")
async def list_mine(caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    resp = await stub(backends).ListMyAppointments(pb.ListMyAppointmentsRequest(), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [appointment_json(a) for a in resp.appointments], "next_page_token": ""}


@router.get("/appointments/{appointment_id}", responses=returns(APPOINTMENT_SCHEMA),
            summary="One appointment: its code and QR text, its queue ticket and the people ahead")
async def get(appointment_id: str, caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    a = await stub(backends).GetAppointment(pb.GetAppointmentRequest(appointment_id=appointment_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return appointment_json(a)


@router.post("/appointments/{appointment_id}/cancel", responses=returns(APPOINTMENT_SCHEMA), summary="Cancel (until the hall's cut-off before the slot)")
async def cancel(appointment_id: str, caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    a = await stub(backends).CancelAppointment(pb.CancelAppointmentRequest(appointment_id=appointment_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return appointment_json(a)


@router.post("/appointments/{appointment_id}/reschedule", responses=returns(APPOINTMENT_SCHEMA),
             summary="Move to another slot of the same hall and item (until the cut-off; the old seat is freed only if the new one is had)")
async def reschedule(appointment_id: str, body: Annotated[RescheduleIn, Body()], caller: PersonDep, backends: BackendsDep,
                     response: Response) -> dict[str, Any]:
    req = pb.RescheduleAppointmentRequest(appointment_id=appointment_id, slot_start_time=_ts(body.slot_start_time, "slot_start_time"))
    try:
        a = await stub(backends).RescheduleAppointment(req, metadata=caller.metadata)
    except grpc.aio.AioRpcError as err:
        if error_detail(err).code == "slot_full":
            current = await stub(backends).GetAppointment(pb.GetAppointmentRequest(appointment_id=appointment_id), metadata=caller.metadata)
            raise await _slot_full(err, backends, caller.metadata, current.hall_id, current.service_id, req.slot_start_time) from None
        raise
    response.headers["Cache-Control"] = PRIVATE
    return appointment_json(a)
