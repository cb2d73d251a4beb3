import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mgov.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OpeningHours(_message.Message):
    __slots__ = ("weekday", "open", "close")
    WEEKDAY_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    weekday: int
    open: str
    close: str
    def __init__(self, weekday: _Optional[int] = ..., open: _Optional[str] = ..., close: _Optional[str] = ...) -> None: ...

class HallService(_message.Message):
    __slots__ = ("service_id", "service_name", "slot_minutes", "capacity")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    SLOT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    service_name: _common_pb2.LocalizedText
    slot_minutes: int
    capacity: int
    def __init__(self, service_id: _Optional[str] = ..., service_name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., slot_minutes: _Optional[int] = ..., capacity: _Optional[int] = ...) -> None: ...

class Hall(_message.Message):
    __slots__ = ("id", "tenant_id", "name", "address", "latitude", "longitude", "opening_hours", "windows", "services", "booking_days", "cancel_cutoff_minutes", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    OPENING_HOURS_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    BOOKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    CANCEL_CUTOFF_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    name: _common_pb2.LocalizedText
    address: str
    latitude: float
    longitude: float
    opening_hours: _containers.RepeatedCompositeFieldContainer[OpeningHours]
    windows: int
    services: _containers.RepeatedCompositeFieldContainer[HallService]
    booking_days: int
    cancel_cutoff_minutes: int
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., address: _Optional[str] = ..., latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., opening_hours: _Optional[_Iterable[_Union[OpeningHours, _Mapping]]] = ..., windows: _Optional[int] = ..., services: _Optional[_Iterable[_Union[HallService, _Mapping]]] = ..., booking_days: _Optional[int] = ..., cancel_cutoff_minutes: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateHallRequest(_message.Message):
    __slots__ = ("hall",)
    HALL_FIELD_NUMBER: _ClassVar[int]
    hall: Hall
    def __init__(self, hall: _Optional[_Union[Hall, _Mapping]] = ...) -> None: ...

class ListHallsRequest(_message.Message):
    __slots__ = ("tenant_id", "service_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    service_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., service_id: _Optional[str] = ...) -> None: ...

class ListHallsResponse(_message.Message):
    __slots__ = ("halls",)
    HALLS_FIELD_NUMBER: _ClassVar[int]
    halls: _containers.RepeatedCompositeFieldContainer[Hall]
    def __init__(self, halls: _Optional[_Iterable[_Union[Hall, _Mapping]]] = ...) -> None: ...

class GetHallRequest(_message.Message):
    __slots__ = ("hall_id",)
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    hall_id: str
    def __init__(self, hall_id: _Optional[str] = ...) -> None: ...

class Slot(_message.Message):
    __slots__ = ("start_time", "end_time", "capacity", "booked", "available", "hall_id", "service_id")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    BOOKED_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    capacity: int
    booked: int
    available: int
    hall_id: str
    service_id: str
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., capacity: _Optional[int] = ..., booked: _Optional[int] = ..., available: _Optional[int] = ..., hall_id: _Optional[str] = ..., service_id: _Optional[str] = ...) -> None: ...

class ListSlotsRequest(_message.Message):
    __slots__ = ("hall_id", "service_id", "date")
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    hall_id: str
    service_id: str
    date: str
    def __init__(self, hall_id: _Optional[str] = ..., service_id: _Optional[str] = ..., date: _Optional[str] = ...) -> None: ...

class ListSlotsResponse(_message.Message):
    __slots__ = ("slots", "bookable_dates")
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    BOOKABLE_DATES_FIELD_NUMBER: _ClassVar[int]
    slots: _containers.RepeatedCompositeFieldContainer[Slot]
    bookable_dates: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, slots: _Optional[_Iterable[_Union[Slot, _Mapping]]] = ..., bookable_dates: _Optional[_Iterable[str]] = ...) -> None: ...

class FindFreeSlotsRequest(_message.Message):
    __slots__ = ("hall_id", "service_id", "after_time", "limit")
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_TIME_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    hall_id: str
    service_id: str
    after_time: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, hall_id: _Optional[str] = ..., service_id: _Optional[str] = ..., after_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class SetSlotCapacityRequest(_message.Message):
    __slots__ = ("hall_id", "service_id", "start_time", "capacity", "reason")
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    hall_id: str
    service_id: str
    start_time: _timestamp_pb2.Timestamp
    capacity: int
    reason: str
    def __init__(self, hall_id: _Optional[str] = ..., service_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., capacity: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class Appointment(_message.Message):
    __slots__ = ("id", "tenant_id", "hall_id", "hall_name", "service_id", "service_name", "citizen_id", "start_time", "end_time", "status", "code", "qr_payload", "application_id", "ticket_number", "people_ahead", "check_in_time", "call_time", "cancel_time", "create_time", "hall_address", "cutoff_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    HALL_NAME_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    QR_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_AHEAD_FIELD_NUMBER: _ClassVar[int]
    CHECK_IN_TIME_FIELD_NUMBER: _ClassVar[int]
    CALL_TIME_FIELD_NUMBER: _ClassVar[int]
    CANCEL_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    HALL_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CUTOFF_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    tenant_id: str
    hall_id: str
    hall_name: _common_pb2.LocalizedText
    service_id: str
    service_name: _common_pb2.LocalizedText
    citizen_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    status: str
    code: str
    qr_payload: str
    application_id: str
    ticket_number: int
    people_ahead: int
    check_in_time: _timestamp_pb2.Timestamp
    call_time: _timestamp_pb2.Timestamp
    cancel_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    hall_address: str
    cutoff_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., hall_id: _Optional[str] = ..., hall_name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., service_id: _Optional[str] = ..., service_name: _Optional[_Union[_common_pb2.LocalizedText, _Mapping]] = ..., citizen_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[str] = ..., code: _Optional[str] = ..., qr_payload: _Optional[str] = ..., application_id: _Optional[str] = ..., ticket_number: _Optional[int] = ..., people_ahead: _Optional[int] = ..., check_in_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., call_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., hall_address: _Optional[str] = ..., cutoff_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BookAppointmentRequest(_message.Message):
    __slots__ = ("hall_id", "service_id", "slot_start_time", "application_id", "request_id")
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SLOT_START_TIME_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    hall_id: str
    service_id: str
    slot_start_time: _timestamp_pb2.Timestamp
    application_id: str
    request_id: str
    def __init__(self, hall_id: _Optional[str] = ..., service_id: _Optional[str] = ..., slot_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., application_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id",)
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    def __init__(self, appointment_id: _Optional[str] = ...) -> None: ...

class ListMyAppointmentsRequest(_message.Message):
    __slots__ = ("page_size",)
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    def __init__(self, page_size: _Optional[int] = ...) -> None: ...

class ListMyAppointmentsResponse(_message.Message):
    __slots__ = ("appointments",)
    APPOINTMENTS_FIELD_NUMBER: _ClassVar[int]
    appointments: _containers.RepeatedCompositeFieldContainer[Appointment]
    def __init__(self, appointments: _Optional[_Iterable[_Union[Appointment, _Mapping]]] = ...) -> None: ...

class CancelAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id",)
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    def __init__(self, appointment_id: _Optional[str] = ...) -> None: ...

class RescheduleAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id", "slot_start_time")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SLOT_START_TIME_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    slot_start_time: _timestamp_pb2.Timestamp
    def __init__(self, appointment_id: _Optional[str] = ..., slot_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CheckInRequest(_message.Message):
    __slots__ = ("hall_id", "code")
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    hall_id: str
    code: str
    def __init__(self, hall_id: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class CallNextRequest(_message.Message):
    __slots__ = ("hall_id",)
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    hall_id: str
    def __init__(self, hall_id: _Optional[str] = ...) -> None: ...

class GetQueueRequest(_message.Message):
    __slots__ = ("hall_id",)
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    hall_id: str
    def __init__(self, hall_id: _Optional[str] = ...) -> None: ...

class Queue(_message.Message):
    __slots__ = ("hall_id", "date", "waiting", "last_called")
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    LAST_CALLED_FIELD_NUMBER: _ClassVar[int]
    hall_id: str
    date: str
    waiting: _containers.RepeatedCompositeFieldContainer[Appointment]
    last_called: int
    def __init__(self, hall_id: _Optional[str] = ..., date: _Optional[str] = ..., waiting: _Optional[_Iterable[_Union[Appointment, _Mapping]]] = ..., last_called: _Optional[int] = ...) -> None: ...

class GetHallStatsRequest(_message.Message):
    __slots__ = ("hall_id", "start_date", "end_date")
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    hall_id: str
    start_date: str
    end_date: str
    def __init__(self, hall_id: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class HallStats(_message.Message):
    __slots__ = ("date", "service_id", "bookings", "check_ins", "no_shows", "cancellations", "mean_wait_seconds")
    DATE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKINGS_FIELD_NUMBER: _ClassVar[int]
    CHECK_INS_FIELD_NUMBER: _ClassVar[int]
    NO_SHOWS_FIELD_NUMBER: _ClassVar[int]
    CANCELLATIONS_FIELD_NUMBER: _ClassVar[int]
    MEAN_WAIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    date: str
    service_id: str
    bookings: int
    check_ins: int
    no_shows: int
    cancellations: int
    mean_wait_seconds: int
    def __init__(self, date: _Optional[str] = ..., service_id: _Optional[str] = ..., bookings: _Optional[int] = ..., check_ins: _Optional[int] = ..., no_shows: _Optional[int] = ..., cancellations: _Optional[int] = ..., mean_wait_seconds: _Optional[int] = ...) -> None: ...

class GetHallStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: _containers.RepeatedCompositeFieldContainer[HallStats]
    def __init__(self, stats: _Optional[_Iterable[_Union[HallStats, _Mapping]]] = ...) -> None: ...

class AppointmentRules(_message.Message):
    __slots__ = ("tenant_id", "no_show_limit", "window_days", "block_days", "effective_no_show_limit", "effective_window_days", "effective_block_days")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NO_SHOW_LIMIT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    BLOCK_DAYS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_NO_SHOW_LIMIT_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_BLOCK_DAYS_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    no_show_limit: int
    window_days: int
    block_days: int
    effective_no_show_limit: int
    effective_window_days: int
    effective_block_days: int
    def __init__(self, tenant_id: _Optional[str] = ..., no_show_limit: _Optional[int] = ..., window_days: _Optional[int] = ..., block_days: _Optional[int] = ..., effective_no_show_limit: _Optional[int] = ..., effective_window_days: _Optional[int] = ..., effective_block_days: _Optional[int] = ...) -> None: ...

class GetAppointmentRulesRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class SetAppointmentRulesRequest(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: AppointmentRules
    def __init__(self, rules: _Optional[_Union[AppointmentRules, _Mapping]] = ...) -> None: ...

class CloseHallDayRequest(_message.Message):
    __slots__ = ("hall_id", "date", "reason")
    HALL_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    hall_id: str
    date: str
    reason: str
    def __init__(self, hall_id: _Optional[str] = ..., date: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CloseHallDayResponse(_message.Message):
    __slots__ = ("date", "cancelled")
    DATE_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    date: str
    cancelled: int
    def __init__(self, date: _Optional[str] = ..., cancelled: _Optional[int] = ...) -> None: ...
