"""The AppointmentService gRPC servicer: proto in, a use case, proto out. No rules here."""

from __future__ import annotations

from typing import Any

from mgov.appointment.v1 import appointment_pb2 as pb
from mgov.appointment.v1 import appointment_pb2_grpc
from mgov_common.principal import current_access_token, require_person, require_principal
from services.appointment.entrypoints import convert as c
from services.appointment.service_layer import booking, halls, queue, rules
from services.appointment.service_layer.context import Context


class AppointmentServicer(appointment_pb2_grpc.AppointmentServiceServicer):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def CreateHall(self, r: pb.CreateHallRequest, context: Any) -> pb.Hall:
        return c.hall(await halls.create_hall(self.ctx, require_person(), c.hall_fields(r.hall)))

    async def ListHalls(self, r: pb.ListHallsRequest, context: Any) -> pb.ListHallsResponse:
        return pb.ListHallsResponse(halls=[c.hall(h) for h in await halls.list_halls(self.ctx, r.tenant_id, r.service_id)])

    async def GetHall(self, r: pb.GetHallRequest, context: Any) -> pb.Hall:
        return c.hall(await halls.get_hall(self.ctx, r.hall_id))

    async def ListSlots(self, r: pb.ListSlotsRequest, context: Any) -> pb.ListSlotsResponse:
        slots, dates = await halls.list_slots(self.ctx, r.hall_id, r.service_id, r.date)
        return pb.ListSlotsResponse(slots=[c.slot(s) for s in slots], bookable_dates=[d.isoformat() for d in dates])

    async def FindFreeSlots(self, r: pb.FindFreeSlotsRequest, context: Any) -> pb.ListSlotsResponse:
        slots = await halls.find_free_slots(self.ctx, r.hall_id, r.service_id, c.when(r, "after_time"), r.limit)
        return pb.ListSlotsResponse(slots=[c.slot(s) for s in slots])

    async def SetSlotCapacity(self, r: pb.SetSlotCapacityRequest, context: Any) -> pb.Slot:
        return c.slot(await halls.set_slot_capacity(self.ctx, require_person(), r.hall_id, r.service_id, c.when(r, "start_time"),
                                                    r.capacity, r.reason))

    async def CloseHallDay(self, r: pb.CloseHallDayRequest, context: Any) -> pb.CloseHallDayResponse:
        day, cancelled = await halls.close_day(self.ctx, require_person(), r.hall_id, r.date, r.reason)
        return pb.CloseHallDayResponse(date=day.isoformat(), cancelled=cancelled)

    async def BookAppointment(self, r: pb.BookAppointmentRequest, context: Any) -> pb.Appointment:
        return c.appointment(await booking.book(self.ctx, require_person(), r.hall_id, r.service_id, c.when(r, "slot_start_time"),
                                                r.application_id, r.request_id, current_access_token()))

    async def GetAppointment(self, r: pb.GetAppointmentRequest, context: Any) -> pb.Appointment:
        return c.appointment(await booking.get(self.ctx, require_principal(), r.appointment_id))

    async def ListMyAppointments(self, r: pb.ListMyAppointmentsRequest, context: Any) -> pb.ListMyAppointmentsResponse:
        rows = await booking.list_mine(self.ctx, require_person(), r.page_size)
        return pb.ListMyAppointmentsResponse(appointments=[c.appointment(v) for v in rows])

    async def CancelAppointment(self, r: pb.CancelAppointmentRequest, context: Any) -> pb.Appointment:
        return c.appointment(await booking.cancel(self.ctx, require_person(), r.appointment_id))

    async def RescheduleAppointment(self, r: pb.RescheduleAppointmentRequest, context: Any) -> pb.Appointment:
        return c.appointment(await booking.reschedule(self.ctx, require_person(), r.appointment_id, c.when(r, "slot_start_time")))

    async def CheckIn(self, r: pb.CheckInRequest, context: Any) -> pb.Appointment:
        return c.appointment(await queue.check_in(self.ctx, require_person(), r.hall_id, r.code))

    async def CallNext(self, r: pb.CallNextRequest, context: Any) -> pb.Appointment:
        return c.appointment(await queue.call_next(self.ctx, require_person(), r.hall_id))

    async def GetQueue(self, r: pb.GetQueueRequest, context: Any) -> pb.Queue:
        q = await queue.get_queue(self.ctx, require_person(), r.hall_id)
        return c.queue(q, await halls.get_hall(self.ctx, r.hall_id))

    async def GetHallStats(self, r: pb.GetHallStatsRequest, context: Any) -> pb.GetHallStatsResponse:
        rows = await queue.stats(self.ctx, require_person(), r.hall_id, r.start_date, r.end_date)
        return pb.GetHallStatsResponse(stats=[pb.HallStats(
            date=row["day"].isoformat(), service_id=str(row["service_id"]), bookings=row["bookings"], check_ins=row["check_ins"],
            no_shows=row["no_shows"], cancellations=row["cancellations"], mean_wait_seconds=int(row["mean_wait"] or 0)) for row in rows])

    async def GetAppointmentRules(self, r: pb.GetAppointmentRulesRequest, context: Any) -> pb.AppointmentRules:
        require_principal()
        return c.rules(await rules.get_rules(self.ctx, r.tenant_id))

    async def SetAppointmentRules(self, r: pb.SetAppointmentRulesRequest, context: Any) -> pb.AppointmentRules:
        values = {"no_show_limit": r.rules.no_show_limit, "window_days": r.rules.window_days, "block_days": r.rules.block_days}
        return c.rules(await rules.set_rules(self.ctx, require_person(), r.rules.tenant_id, values))
