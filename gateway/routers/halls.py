"""Service halls (政务服务大厅): public reading and slots; their admins add halls and
change a slot's seats; their desk staff check bookings in and call the queue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, Field

from gateway.appointment_json import APPOINTMENT_SCHEMA, PRIVATE, appointment_json, stub, to_json
from gateway.auth import CallerDep, PersonDep
from gateway.deps import BackendsDep
from gateway.schemas import message, page, ref, returns, string
from mgov.appointment.v1 import appointment_pb2 as pb
from mgov.common.v1 import common_pb2
from mgov_common.protojson import datetime_to_timestamp

router = APIRouter(prefix="/v1", tags=["halls"])
HALL = ref(pb.Hall.DESCRIPTOR)
SLOT = ref(pb.Slot.DESCRIPTOR)
QUEUE_SCHEMA = message(pb.Queue.DESCRIPTOR, extra={"waiting": {"type": "array", "items": APPOINTMENT_SCHEMA}})
Id = Annotated[str, Query(max_length=64)]


class Text(BaseModel):
    zh: str = Field(max_length=100)
    en: str = Field(default="", max_length=200)


class HoursIn(BaseModel):
    weekday: int = Field(ge=1, le=7, description="ISO weekday: 1 Monday … 7 Sunday")
    open: str = Field(max_length=5, description="HH:MM, China Standard Time")
    close: str = Field(max_length=5)


class HallServiceIn(BaseModel):
    service_id: str = Field(max_length=64)
    service_name: Text
    slot_minutes: int = Field(ge=5, le=240)
    capacity: int = Field(ge=1, le=1000, description="bookings per slot")


class HallIn(BaseModel):
    tenant_id: str = Field(max_length=64)
    name: Text
    address: str = Field(default="", max_length=300)
    latitude: float = 0
    longitude: float = 0
    opening_hours: list[HoursIn] = Field(max_length=21)
    windows: int = Field(ge=1, le=500)
    services: list[HallServiceIn] = Field(default_factory=list, max_length=200)
    booking_days: int = Field(default=10, ge=1, le=60, description="bookable from tomorrow up to this many working days ahead")
    cancel_cutoff_minutes: int = Field(default=60, ge=0, le=10080)


class CapacityIn(BaseModel):
    service_id: str = Field(max_length=64)
    start_time: datetime
    capacity: int = Field(ge=0, le=1000, description="0 closes the slot")
    reason: str = Field(default="", max_length=200)


class ClosureIn(BaseModel):
    date: str = Field(max_length=10, description="YYYY-MM-DD, a day after today")
    reason: str = Field(default="", max_length=200, description="told to the citizens whose bookings are cancelled")


class CheckInIn(BaseModel):
    code: str = Field(min_length=1, max_length=200, description="the booking code, or the QR code's text")


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@router.get("/halls", responses=returns(page(HALL)), summary="Service halls of a tenant and the tenants below it (optionally serving one item)")
async def list_halls(caller: CallerDep, backends: BackendsDep, response: Response, tenant_id: Id, service_id: Id = "") -> dict[str, Any]:
    resp = await stub(backends).ListHalls(pb.ListHallsRequest(tenant_id=tenant_id, service_id=service_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = "public, max-age=60"
    return {"items": [to_json(h) for h in resp.halls], "next_page_token": ""}


@router.post("/halls", responses=returns(HALL, 201), status_code=201, summary="Add a hall (the tenant's admins)")
async def create_hall(body: Annotated[HallIn, Body()], caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    hall = pb.Hall(tenant_id=body.tenant_id, name=common_pb2.LocalizedText(**body.name.model_dump()), address=body.address,
                   latitude=body.latitude, longitude=body.longitude, windows=body.windows, booking_days=body.booking_days,
                   cancel_cutoff_minutes=body.cancel_cutoff_minutes,
                   opening_hours=[pb.OpeningHours(**h.model_dump()) for h in body.opening_hours],
                   services=[pb.HallService(service_id=s.service_id, service_name=common_pb2.LocalizedText(**s.service_name.model_dump()),
                                            slot_minutes=s.slot_minutes, capacity=s.capacity) for s in body.services])
    made = await stub(backends).CreateHall(pb.CreateHallRequest(hall=hall), metadata=caller.metadata)
    response.headers["Location"] = f"/v1/halls/{made.id}"
    return to_json(made)


@router.get("/halls/{hall_id}", responses=returns(HALL), summary="One hall: address, hours, the items it takes appointments for")
async def get_hall(hall_id: str, caller: CallerDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    hall = await stub(backends).GetHall(pb.GetHallRequest(hall_id=hall_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = "public, max-age=60"
    return to_json(hall)


@router.get("/halls/{hall_id}/slots", responses=returns(page(SLOT, bookable_dates={"type": "array", "items": string(format="date")})),
            summary="The slots of one day for one item, with the dates that can be booked")
async def list_slots(hall_id: str, caller: CallerDep, backends: BackendsDep, response: Response, service_id: Id,
                     date: Annotated[str, Query(max_length=10, description="YYYY-MM-DD; empty: only the bookable dates")] = "") -> dict[str, Any]:
    resp = await stub(backends).ListSlots(pb.ListSlotsRequest(hall_id=hall_id, service_id=service_id, date=date), metadata=caller.metadata)
    response.headers["Cache-Control"] = "no-cache"
    return {"items": [to_json(s) for s in resp.slots], "next_page_token": "", "bookable_dates": list(resp.bookable_dates)}


@router.post("/halls/{hall_id}/slot-capacity", responses=returns(SLOT), summary="Change one slot's seats; 0 closes it (bookings over it are cancelled and told)")
async def set_capacity(hall_id: str, body: Annotated[CapacityIn, Body()], caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    req = pb.SetSlotCapacityRequest(hall_id=hall_id, service_id=body.service_id, capacity=body.capacity, reason=body.reason)
    req.start_time.CopyFrom(datetime_to_timestamp(_utc(body.start_time), field="start_time"))
    return to_json(await stub(backends).SetSlotCapacity(req, metadata=caller.metadata))


@router.post("/halls/{hall_id}/closures", responses=returns(ref(pb.CloseHallDayResponse.DESCRIPTOR)),
             summary="Close a future day (every slot of every item; bookings are cancelled and told)")
async def close_day(hall_id: str, body: Annotated[ClosureIn, Body()], caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    resp = await stub(backends).CloseHallDay(pb.CloseHallDayRequest(hall_id=hall_id, date=body.date, reason=body.reason), metadata=caller.metadata)
    return to_json(resp)


@router.post("/halls/{hall_id}/check-ins", responses=returns(APPOINTMENT_SCHEMA), summary="Check a booking in by its code (签到): its queue ticket")
async def check_in(hall_id: str, body: Annotated[CheckInIn, Body()], caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    a = await stub(backends).CheckIn(pb.CheckInRequest(hall_id=hall_id, code=body.code), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return appointment_json(a)


@router.post("/halls/{hall_id}/calls", responses=returns(APPOINTMENT_SCHEMA), summary="Call the next waiting ticket (叫号)")
async def call_next(hall_id: str, caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    a = await stub(backends).CallNext(pb.CallNextRequest(hall_id=hall_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return appointment_json(a)


@router.get("/halls/{hall_id}/queue", responses=returns(QUEUE_SCHEMA), summary="Today's queue at the hall (its desk staff)")
async def get_queue(hall_id: str, caller: PersonDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    q = await stub(backends).GetQueue(pb.GetQueueRequest(hall_id=hall_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    out = to_json(q)
    out["waiting"] = [appointment_json(a) for a in q.waiting]
    return out


@router.get("/halls/{hall_id}/stats", responses=returns(page(ref(pb.HallStats.DESCRIPTOR))),
            summary="Bookings, check-ins, no-shows, cancellations and the mean wait, per day and item")
async def stats(hall_id: str, caller: PersonDep, backends: BackendsDep, response: Response,
                start_date: Annotated[str, Query(max_length=10)] = "", end_date: Annotated[str, Query(max_length=10)] = "") -> dict[str, Any]:
    resp = await stub(backends).GetHallStats(pb.GetHallStatsRequest(hall_id=hall_id, start_date=start_date, end_date=end_date),
                                             metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [to_json(s) for s in resp.stats], "next_page_token": ""}


