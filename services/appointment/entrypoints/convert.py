"""Domain objects to the service's protobuf messages (and back for a hall's fields)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mgov.appointment.v1 import appointment_pb2 as pb
from mgov.common.v1 import common_pb2
from mgov_common.protojson import datetime_to_timestamp
from services.appointment.domain.booking import qr_payload
from services.appointment.domain.halls import Hall
from services.appointment.service_layer.booking import AppointmentView
from services.appointment.service_layer.halls import SlotView
from services.appointment.service_layer.queue import QueueView
from services.appointment.service_layer.rules import RulesView


def when(msg: Any, field: str) -> datetime | None:
    return getattr(msg, field).ToDatetime(tzinfo=UTC) if msg.HasField(field) else None


def text(raw: dict[str, str] | None) -> common_pb2.LocalizedText:
    raw = raw or {}
    return common_pb2.LocalizedText(zh=raw.get("zh", ""), en=raw.get("en") or "")


def hall_fields(h: pb.Hall) -> dict[str, Any]:
    """The hall's API fields as the domain validates them."""
    return {"tenant_id": h.tenant_id, "name": {"zh": h.name.zh, "en": h.name.en}, "address": h.address,
            "latitude": h.latitude, "longitude": h.longitude, "windows": h.windows, "booking_days": h.booking_days,
            "cancel_cutoff_minutes": h.cancel_cutoff_minutes,
            "opening_hours": [{"weekday": o.weekday, "open": o.open, "close": o.close} for o in h.opening_hours],
            "services": [{"service_id": s.service_id, "service_name": {"zh": s.service_name.zh, "en": s.service_name.en},
                          "slot_minutes": s.slot_minutes, "capacity": s.capacity} for s in h.services]}


def hall(h: Hall) -> pb.Hall:
    return pb.Hall(
        id=str(h.id), tenant_id=h.tenant_id, name=text(h.name), address=h.address, latitude=h.latitude, longitude=h.longitude,
        opening_hours=[pb.OpeningHours(weekday=r.weekday, open=r.open.strftime("%H:%M"), close=r.close.strftime("%H:%M"))
                       for r in h.opening_hours],
        windows=h.windows, booking_days=h.booking_days, cancel_cutoff_minutes=h.cancel_cutoff_minutes,
        services=[pb.HallService(service_id=str(s.service_id), service_name=text(s.service_name), slot_minutes=s.slot_minutes,
                                 capacity=s.capacity) for s in h.services],
        create_time=datetime_to_timestamp(h.created_at))


def slot(s: SlotView) -> pb.Slot:
    return pb.Slot(start_time=datetime_to_timestamp(s.start), end_time=datetime_to_timestamp(s.end), capacity=s.capacity,
                   booked=s.booked, available=s.available, hall_id=str(s.hall_id), service_id=str(s.service_id))


def appointment(v: AppointmentView) -> pb.Appointment:
    a, h = v.appointment, v.hall
    svc = h.service(a.service_id)
    return pb.Appointment(
        id=str(a.id), tenant_id=a.tenant_id, hall_id=str(a.hall_id), hall_name=text(h.name), service_id=str(a.service_id),
        service_name=text(svc.service_name if svc else None), citizen_id=a.citizen_id,
        start_time=datetime_to_timestamp(a.start_at), end_time=datetime_to_timestamp(a.end_at), status=a.status, code=a.code,
        qr_payload=qr_payload(a.hall_id, a.code), application_id=str(a.application_id or ""), ticket_number=a.ticket or 0,
        people_ahead=v.people_ahead, check_in_time=datetime_to_timestamp(a.check_in_at), call_time=datetime_to_timestamp(a.call_at),
        cancel_time=datetime_to_timestamp(a.cancel_at), create_time=datetime_to_timestamp(a.created_at), hall_address=h.address,
        cutoff_time=datetime_to_timestamp(h.cutoff(a.start_at)))


def queue(q: QueueView, hall_view: Hall) -> pb.Queue:
    return pb.Queue(hall_id=str(q.hall_id), date=q.day.isoformat(), last_called=q.last_called,
                    waiting=[appointment(AppointmentView(a, hall_view, i)) for i, a in enumerate(q.waiting)])


def rules(v: RulesView) -> pb.AppointmentRules:
    e = v.effective
    return pb.AppointmentRules(tenant_id=v.tenant_id, no_show_limit=v.own["no_show_limit"] or 0, window_days=v.own["window_days"] or 0,
                               block_days=v.own["block_days"] or 0, effective_no_show_limit=e.limit,
                               effective_window_days=e.window_days, effective_block_days=e.block_days)
