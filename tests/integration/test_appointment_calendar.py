"""The working calendar travels as events: the workflow service announces each year it
sets (and the demo years it seeds), and the appointment service's projection keeps the
newest copy, whatever order the events arrive in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mgov_common.events.envelope import CloudEvent
from services.appointment.service_layer.halls import calendar_of
from services.appointment.service_layer.projections import BadCalendarEvent, apply_calendar
from services.workflow.service_layer import admin
from tests.integration.appointment_support import Core, core, feed  # noqa: F401
from tests.integration.workflow_harness import HZ_ADMIN
from tests.integration.workflow_harness import Core as WorkflowCore
from tests.integration.workflow_harness import core as wf_core  # noqa: F401

pytestmark = pytest.mark.asyncio


async def test_setting_a_calendar_year_announces_it_and_the_appointment_projection_follows(wf_core: WorkflowCore, core: Core) -> None:
    seeded = await wf_core.outbox("calendar.updated")
    assert {e["data"]["year"] for e in seeded} == {2026, 2027} and seeded[0]["nats_subject"] == "mgov.evt.zhejiang.workflow.calendar.updated"
    await admin.set_calendar(wf_core.ctx, HZ_ADMIN, "hangzhou", 2026, [("2026-10-09", False, "杭州假日"), ("2026-10-11", True, "调休")])
    [event] = [e for e in await wf_core.outbox("calendar.updated") if e["tenant"] == "hangzhou"]
    assert event["data"]["days"] == [{"date": "2026-10-09", "working": False, "name": "杭州假日"},
                                     {"date": "2026-10-11", "working": True, "name": "调休"}]
    cloud = CloudEvent.model_validate({k: v for k, v in event.items() if k != "nats_subject"})
    await feed(core.pool, apply_calendar, cloud)
    async with core.ctx.uow(begin=False) as uow:
        xihu = await calendar_of(uow, "xihu", date(2026, 10, 1))
        hz = await calendar_of(uow, "hangzhou", date(2026, 10, 1))
        ningbo = await calendar_of(uow, "ningbo", date(2026, 10, 1))
    # Hangzhou's own days win below it; the province's holidays still hold; Ningbo keeps the province's
    assert [xihu.is_working(date(2026, 10, d)) for d in (8, 9, 10, 11)] == [True, False, True, True]
    assert hz.is_working(date(2026, 10, 1)) is False
    assert [ningbo.is_working(date(2026, 10, d)) for d in (9, 11)] == [True, False]

    older = cloud.model_copy(update={"time": cloud.time - timedelta(hours=1),
                                     "data": {**cloud.data, "days": [{"date": "2026-10-09", "working": True, "name": ""}]}})
    await feed(core.pool, apply_calendar, older)  # late and older: ignored
    async with core.ctx.uow(begin=False) as uow:
        assert (await calendar_of(uow, "xihu", date(2026, 10, 1))).is_working(date(2026, 10, 9)) is False


async def test_a_calendar_event_claiming_another_tenant_is_refused(core: Core) -> None:
    bad = CloudEvent.new(service="workflow", entity="calendar", verb="updated", tenant="ningbo", subject="x",
                         data={"tenant_id": "hangzhou", "year": 2026, "days": []})
    with pytest.raises(BadCalendarEvent):
        await feed(core.pool, apply_calendar, bad)
