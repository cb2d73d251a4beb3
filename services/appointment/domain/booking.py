"""A booking of a hall's slot and its life: booked → checked_in → called, or cancelled,
or no_show when nobody checked in by the end of the slot.

The booking code is what staff type when the QR cannot be read: 8 characters of an
alphabet without look-alikes (no 0/O, 1/I/L), random (about 40 bits), unique per hall.
The QR carries `mgov-appointment:<hall id>:<code>`, so a scanner at another hall reads a
code that is not of its hall and says so.

Seats are not this module's business: the service layer takes and gives back a seat
in the same transaction as each change here.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mgov_common.errors import FailedPrecondition, InvalidArgument
from mgov_common.events.domain import DomainEvent
from mgov_common.working_days import local_date

BOOKED, CANCELLED, CHECKED_IN, CALLED, NO_SHOW = "booked", "cancelled", "checked_in", "called", "no_show"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
QR_PREFIX = "mgov-appointment"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def qr_payload(hall_id: uuid.UUID, code: str) -> str:
    return f"{QR_PREFIX}:{hall_id}:{code}"


def parse_code(raw: str, hall_id: uuid.UUID) -> str:
    """The booking code from what staff typed or scanned; a QR of another hall is refused."""
    text = (raw or "").strip()
    if text.startswith(QR_PREFIX + ":"):
        parts = text.split(":")
        if len(parts) != 3:
            raise InvalidArgument("this QR code is not an appointment", code="invalid_code", field="code")
        if parts[1] != str(hall_id):
            raise FailedPrecondition("this appointment is for another hall", code="other_hall", field="code")
        text = parts[2]
    code = text.upper().replace("-", "").replace(" ", "")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise InvalidArgument(f"a booking code is {CODE_LENGTH} letters and digits", code="invalid_code", field="code")
    return code


def request_hash(hall_id: uuid.UUID, service_id: uuid.UUID, start: datetime, application_id: uuid.UUID | None) -> str:
    """What an Idempotency-Key is bound to: the same key with another booking is refused."""
    raw = json.dumps([str(hall_id), str(service_id), start.isoformat(), str(application_id or "")])
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class Appointment:
    id: uuid.UUID
    tenant_id: str
    hall_id: uuid.UUID
    service_id: uuid.UUID
    citizen_id: str
    start_at: datetime
    end_at: datetime
    status: str
    code: str
    created_at: datetime
    application_id: uuid.UUID | None = None
    request_id: str = ""
    request_hash: str = ""
    ticket: int | None = None
    check_in_at: datetime | None = None
    call_at: datetime | None = None
    cancel_at: datetime | None = None
    no_show_at: datetime | None = None
    cancel_reason: str = ""
    reminded_day_at: datetime | None = None
    reminded_hour_at: datetime | None = None
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list)

    @property
    def day(self) -> Any:
        return local_date(self.start_at)

    @property
    def active(self) -> bool:
        return self.status == BOOKED

    def _event(self, verb: str, **extra: Any) -> None:
        self.events.append(DomainEvent("appointment", verb, self.tenant_id, str(self.id), {
            "appointment_id": str(self.id), "tenant_id": self.tenant_id, "hall_id": str(self.hall_id),
            "service_id": str(self.service_id), "citizen_id": self.citizen_id, "status": self.status,
            "start_at": _iso(self.start_at), "end_at": _iso(self.end_at),
            "application_id": str(self.application_id) if self.application_id else None, **extra,
        }))

    def booked(self) -> None:
        self._event("booked")

    def _require_changeable(self, now: datetime, cutoff: datetime) -> None:
        if self.status != BOOKED:
            raise FailedPrecondition(f"this appointment is {self.status}, not booked", code="not_active")
        if now > cutoff:
            raise FailedPrecondition(f"appointments can be changed until {_iso(cutoff)}", code="past_cutoff")

    def cancel(self, now: datetime, cutoff: datetime, *, reason: str = "citizen", by_hall: bool = False,
               labels: dict[str, Any] | None = None) -> None:
        """`labels` (hall_name, service_name) go into the event for the message that confirms it."""
        if by_hall:
            if self.status != BOOKED:
                raise FailedPrecondition(f"this appointment is {self.status}, not booked", code="not_active")
        else:
            self._require_changeable(now, cutoff)
        self.status, self.cancel_at, self.cancel_reason = CANCELLED, now, reason
        self.version += 1
        self._event("cancelled", reason=reason, **(labels or {}))

    def reschedule(self, start: datetime, end: datetime, now: datetime, cutoff: datetime) -> datetime:
        """Move to another slot; returns the old start (whose seat the caller gives back)."""
        self._require_changeable(now, cutoff)
        if start == self.start_at:
            raise FailedPrecondition("the appointment is already at that time", code="same_slot")
        old = self.start_at
        self.start_at, self.end_at = start, end
        self.reminded_day_at = self.reminded_hour_at = None
        self.version += 1
        self._event("rescheduled", previous_start_at=_iso(old))
        return old

    def check_in(self, now: datetime, ticket: int) -> None:
        if self.status != BOOKED:
            raise FailedPrecondition(f"this appointment is {self.status}; only a booked one checks in", code="not_active")
        if local_date(now) != self.day:
            raise FailedPrecondition(f"this appointment is for {self.day.isoformat()}, not today", code="not_today")
        if now >= self.end_at:
            raise FailedPrecondition("the appointment's slot has ended", code="slot_ended")
        self.status, self.check_in_at, self.ticket = CHECKED_IN, now, ticket
        self.version += 1
        self._event("checked_in", ticket=ticket)

    def call(self, now: datetime) -> None:
        if self.status != CHECKED_IN:
            raise FailedPrecondition("only a checked-in ticket is called", code="not_checked_in")
        self.status, self.call_at = CALLED, now
        self.version += 1
        self._event("called", ticket=self.ticket)

    def mark_no_show(self, now: datetime) -> None:
        if self.status != BOOKED or now < self.end_at:
            raise FailedPrecondition("only a booking whose slot ended unchecked is a no-show", code="not_no_show")
        self.status, self.no_show_at = NO_SHOW, now
        self.version += 1
        self._event("no_show")

    def remind(self, kind: str, now: datetime, hall_name: dict[str, str], service_name: dict[str, str], address: str) -> None:
        if kind == "day_before":
            self.reminded_day_at = now
        else:
            self.reminded_hour_at = now
        self._event("reminded", reminder=kind, hall_name=hall_name, service_name=service_name, address=address,
                    code=self.code)


def _iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None
