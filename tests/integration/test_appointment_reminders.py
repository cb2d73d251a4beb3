"""Reminders end to end inside the platform: the appointment service's sweep records a
`reminded` event once per reminder (injected clock), and the notify service turns the
real event into an in-app message at once and an SMS that waits for the citizen's quiet
hours to end (an SMS outside them goes at once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mgov_common.principal import Principal, RoleBinding
from mgov_common.working_days import CST
from services.appointment.service_layer import booking, sweeps
from services.notify.service_layer import preferences
from tests.integration.appointment_support import ITEM, Core, core  # noqa: F401
from tests.integration.notify_support import Notify, identity, notify, principal, push_service, sms_gateway  # noqa: F401

pytestmark = pytest.mark.asyncio
CITIZEN_PHONE = "13900000100"


def cst(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CST).astimezone(UTC)


async def _deliver(n: Notify, event) -> None:  # type: ignore[no-untyped-def]
    async with n.pool.acquire() as conn, conn.transaction():
        await n.dispatcher.handle(conn, event)


async def test_a_reminder_is_in_the_inbox_at_once_and_its_sms_waits_for_the_end_of_quiet_hours(
        core: Core, notify: Notify, identity, sms_gateway) -> None:  # noqa: F811
    gateway, _ = sms_gateway
    user = await identity.user_id(CITIZEN_PHONE)
    await preferences.replace(notify.ctx, principal(user, "hangzhou", "citizen"), channels=[], quiet_enabled=True, quiet_start="08:30",
                              quiet_end="09:30", locale="", time_zone="Asia/Shanghai", notice_tenants=[])
    start = cst(2026, 10, 9, 9, 0)
    who = Principal(subject=user, tenant="hangzhou", roles=frozenset({RoleBinding("hangzhou", "citizen")}))
    view = await booking.book(core.ctx, who, str(core.hall.id), str(ITEM), start, "", "")

    core.clock.set(start - timedelta(days=1))  # 09:00 the day before: inside 08:30–09:30
    assert await sweeps.send_reminders(core.ctx) == 1
    [day_before] = await core.outbox("appointment.reminded")
    notify.clock.set(core.clock.now())
    await _deliver(notify, day_before)
    await _deliver(notify, day_before)  # a redelivered event adds nothing
    inbox = await notify.rows("SELECT title, body, link FROM notifications WHERE recipient_id = $1", user)
    assert len(inbox) == 1 and inbox[0]["title"] == "预约提醒" and view.appointment.code in inbox[0]["body"]
    assert inbox[0]["link"] == f"/appointments/{view.appointment.id}" and "明天" in inbox[0]["body"]
    [sms] = await notify.rows("SELECT status, next_attempt_at FROM deliveries WHERE recipient_id = $1 AND channel = 'sms'", user)
    quiet_end = cst(2026, 10, 8, 9, 30)
    assert (sms["status"], sms["next_attempt_at"]) == ("created", quiet_end)
    notify.clock.set(quiet_end - timedelta(seconds=1))
    assert await notify.worker.run_once() == 0 and gateway.received == []
    notify.clock.set(quiet_end)
    assert await notify.worker.run_once() == 1
    assert "西湖区政务服务中心" in gateway.received[0]["json"]["content"]

    core.clock.set(start - timedelta(hours=1))  # 08:00 on the day: outside quiet hours
    assert await sweeps.send_reminders(core.ctx) == 1
    hour_before = (await core.outbox("appointment.reminded"))[1]
    notify.clock.set(core.clock.now())
    await _deliver(notify, hour_before)
    assert await notify.worker.run_once() == 1 and len(gateway.received) == 2
    assert await sweeps.send_reminders(core.ctx) == 0
