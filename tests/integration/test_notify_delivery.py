"""Push and SMS delivery against real servers: a local HTTP SMS gateway that checks
signatures and answers from a script, a local Web Push service that checks VAPID and
decrypts, PostgreSQL for the state machine, and identity over gRPC for phone numbers.
Time moves only when the test moves the clock."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mgov_common.errors import InvalidArgument, PermissionDenied, Unavailable
from mgov_common.outbound import OutboundGuard
from mgov_common.principal import PLATFORM, Principal
from services.notify.adapters.deliveries import Delivery
from services.notify.adapters.push import PushMessage, WebPushProvider, parse_vapid_key
from services.notify.adapters.sms import HttpSmsProvider, SmsMessage
from services.notify.domain.delivery import Outcome
from services.notify.service_layer import devices, preferences, security_sms
from tests.integration.notify_support import (SMS_SECRET, VAPID_KEY, Notify, case_data, identity, notify,  # noqa: F401
                                              principal, push_service, sms_gateway)

CITIZEN, HZ_CLERK = "13900000100", "13900000011"


async def completed_case(n: Notify, user: str, **extra: object) -> dict:
    data = {**case_data(user, status="completed", terminal=True, roles=(), comment="请到窗口领取"), **extra}
    await n.dispatch("workflow.application.completed", data)
    return data


async def sms_of(n: Notify, user: str) -> dict:
    [row] = await n.rows("SELECT * FROM deliveries WHERE recipient_id = $1 AND channel = 'sms'", user)
    return dict(row)


async def events(n: Notify) -> list[tuple[str, dict]]:
    return [(r["subject"], json.loads(r["payload"])["data"]) for r in await n.rows("SELECT subject, payload FROM outbox ORDER BY seq")]


async def test_an_sms_gateway_answering_500_then_200_is_retried_with_backoff_and_ends_delivered(notify: Notify, identity, sms_gateway) -> None:  # noqa: F811
    gateway, _ = sms_gateway
    citizen = await identity.user_id(CITIZEN)
    data = await completed_case(notify, citizen)
    gateway.script.extend([500, 200])
    assert await notify.worker.run_once() == 1
    first = await sms_of(notify, citizen)
    assert (first["status"], first["attempts"]) == ("temporary_failure", 1) and "500" in first["last_error"]
    assert first["next_attempt_at"] == notify.clock.now() + timedelta(seconds=30)
    assert await notify.worker.run_once() == 0  # not before its time
    notify.clock.advance(seconds=30)
    assert await notify.worker.run_once() == 1
    done = await sms_of(notify, citizen)
    assert (done["status"], done["attempts"], done["provider_message_id"], done["destination"]) == ("delivered", 2, "gw-2", "139****0100")
    assert len(gateway.received) == 2 and all(r["signature_ok"] and r["key_id"] == "test-key" for r in gateway.received)
    sent = gateway.received[-1]["json"]
    assert sent["phone"] == "13900000100" and sent["message_id"] == str(done["id"]) and sent["template"] == "application.completed"
    assert sent["content"] == f"您的申请{data['case_number']}（杭州市民卡申领）已办结。" and sent["sign_name"] == "浙里办"
    [(subject, event)] = await events(notify)
    assert subject == "mgov.evt.hangzhou.notify.notification.delivered"
    assert (event["channel"], event["status"], event["attempts"], event["recipient_id"]) == ("sms", "delivered", 2, citizen)
    assert "13900000100" not in json.dumps(event) and "0100" not in json.dumps(event.get("destination", ""))  # no phone on the bus
    assert "destination" not in event


async def test_an_sms_gateway_answering_400_ends_permanent_failure_without_retry(notify: Notify, identity, sms_gateway) -> None:  # noqa: F811
    gateway, _ = sms_gateway
    citizen = await identity.user_id(CITIZEN)
    await completed_case(notify, citizen)
    gateway.script.append(400)
    assert await notify.worker.run_once() == 1
    row = await sms_of(notify, citizen)
    assert (row["status"], row["attempts"]) == ("permanent_failure", 1) and "400" in row["last_error"]
    notify.clock.advance(days=1)
    assert await notify.worker.run_once() == 0 and len(gateway.received) == 1
    [(subject, event)] = await events(notify)
    assert subject.endswith("notify.notification.failed") and event["status"] == "permanent_failure"


async def test_temporary_failures_are_retried_a_bounded_number_of_times(notify: Notify, identity, sms_gateway) -> None:  # noqa: F811
    gateway, _ = sms_gateway
    citizen = await identity.user_id(CITIZEN)
    await completed_case(notify, citizen)
    gateway.script.extend([503] * 10)
    waits = []
    for _ in range(6):
        before = notify.clock.now()
        await notify.worker.run_once()
        row = await sms_of(notify, citizen)
        if row["next_attempt_at"] is None or row["status"] != "temporary_failure":
            break
        waits.append((row["next_attempt_at"] - before).total_seconds())
        notify.clock.set(row["next_attempt_at"])
    assert waits == [30, 60, 120]  # doubling; max_attempts is 4 in the harness
    assert (row["status"], row["attempts"]) == ("technical_failure", 4) and "gave up after 4 attempts" in row["last_error"]
    assert len(gateway.received) == 4


async def test_quiet_hours_hold_back_a_non_urgent_sms_and_deliver_it_when_they_end(notify: Notify, identity, sms_gateway) -> None:  # noqa: F811
    gateway, _ = sms_gateway
    citizen = await identity.user_id(CITIZEN)
    await preferences.replace(notify.ctx, principal(citizen, "hangzhou", "citizen"), channels=[], quiet_enabled=True, quiet_start="22:00",
                              quiet_end="07:00", locale="", time_zone="Asia/Shanghai", notice_tenants=[])
    notify.clock.set(datetime(2026, 3, 2, 15, 30, tzinfo=UTC))  # 23:30 in Hangzhou
    await completed_case(notify, citizen)
    morning = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 07:00 in Hangzhou
    row = await sms_of(notify, citizen)
    assert (row["status"], row["next_attempt_at"]) == ("created", morning)
    assert len(await notify.rows("SELECT 1 FROM notifications WHERE recipient_id = $1", citizen)) == 1  # the inbox is filled at once
    notify.clock.advance(hours=3)
    assert await notify.worker.run_once() == 0 and gateway.received == []
    notify.clock.set(morning)
    assert await notify.worker.run_once() == 1
    assert (await sms_of(notify, citizen))["status"] == "delivered" and len(gateway.received) == 1


async def test_urgent_templates_ignore_quiet_hours(notify: Notify, identity, sms_gateway) -> None:  # noqa: F811
    gateway, _ = sms_gateway
    clerk = await identity.user_id(HZ_CLERK)
    await preferences.replace(notify.ctx, principal(clerk, "hangzhou", "clerk"), channels=[], quiet_enabled=True, quiet_start="22:00",
                              quiet_end="07:00", locale="", time_zone="Asia/Shanghai", notice_tenants=[])
    notify.clock.set(datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    await notify.dispatch("workflow.sla.breached", {"application_id": case_data(clerk)["application_id"], "case_number": "HZ-2026-000042",
                                                     "tenant_id": "hangzhou", "state": "submitted", "due_at": "2026-03-02T09:00:00Z",
                                                     "scope": "state", "assignee_id": clerk, "eligible_roles": ["clerk"],
                                                     "escalate_to_roles": []})
    assert await notify.worker.run_once() == 1
    assert gateway.received[0]["json"]["content"] == "办件HZ-2026-000042已超期，请立即处理。"


async def test_the_per_tenant_rate_limit_spreads_a_burst(notify: Notify, identity, sms_gateway) -> None:  # noqa: F811
    from services.notify.domain.rate_limit import Bucket

    gateway, _ = sms_gateway
    citizen = await identity.user_id(CITIZEN)
    notify.ctx.rates["sms"] = Bucket(rate=1.0, burst=2.0)
    for _ in range(5):
        await completed_case(notify, citizen)
    assert await notify.worker.run_once() == 2
    assert await notify.worker.run_once() == 0  # Hangzhou's bucket is empty until time moves
    await notify.dispatch("workflow.application.completed", case_data(citizen, tenant="ningbo", status="completed", terminal=True, roles=()),
                          tenant="ningbo")
    assert await notify.worker.run_once() == 1  # Ningbo has a bucket of its own
    notify.clock.advance(seconds=1)
    assert await notify.worker.run_once() == 1
    notify.clock.advance(seconds=10)
    assert await notify.worker.run_once() == 2
    assert [r["json"]["tenant_id"] for r in gateway.received] == ["hangzhou", "hangzhou", "ningbo", "hangzhou", "hangzhou", "hangzhou"]


async def test_a_worker_that_vanished_mid_send_is_replaced_once_its_lease_ends(notify: Notify, identity, sms_gateway) -> None:  # noqa: F811
    gateway, _ = sms_gateway
    citizen = await identity.user_id(CITIZEN)
    await completed_case(notify, citizen)
    claimed: list[Delivery] = await notify.worker._claim(notify.clock.now())  # claimed, then the worker "dies"
    assert len(claimed) == 1 and (await sms_of(notify, citizen))["status"] == "sending"
    assert await notify.worker.run_once() == 0
    notify.clock.advance(seconds=61)
    assert await notify.worker.run_once() == 1
    row = await sms_of(notify, citizen)
    assert (row["status"], row["attempts"]) == ("delivered", 2)
    # The vanished worker's late result cannot overwrite the newer attempt.
    from services.notify.domain.delivery import Outcome, SendResult

    await notify.worker._record([(claimed[0], SendResult(Outcome.PERMANENT, "late"))])
    assert (await sms_of(notify, citizen))["status"] == "delivered"


async def test_web_push_is_encrypted_for_the_browser_signed_with_vapid_and_a_gone_subscription_is_forgotten(
        notify: Notify, identity, push_service) -> None:  # noqa: F811
    svc, server = push_service
    citizen = await identity.user_id(CITIZEN)
    me = principal(citizen, "hangzhou", "citizen")
    device = await devices.register(notify.ctx, me, "web", svc.subscription(server.url), "Firefox")
    data = await completed_case(notify, citizen)
    await notify.worker.run_once()
    [push] = await notify.rows("SELECT * FROM deliveries WHERE recipient_id = $1 AND channel = 'push'", citizen)
    assert (push["status"], push["destination"]) == ("delivered", "1 device(s)")
    [received] = svc.received
    assert received["payload"]["title"] == "办件已办结" and data["case_number"] in received["payload"]["body"]
    assert received["payload"]["link"] == f"/applications/{data['application_id']}"
    assert received["claims"]["sub"] == "mailto:ops@example.org" and received["headers"]["content-encoding"] == "aes128gcm"
    svc.script.append(410)
    await completed_case(notify, citizen)
    await notify.worker.run_once()
    statuses = [r["status"] for r in await notify.rows("SELECT status FROM deliveries WHERE channel = 'push' ORDER BY created_at")]
    assert statuses == ["delivered", "permanent_failure"]
    assert await devices.list_devices(notify.ctx, me) == [] and device.id


async def test_a_web_push_endpoint_on_an_internal_address_is_refused_when_registered_and_when_sent(
        notify: Notify, identity, push_service) -> None:  # noqa: F811
    svc, server = push_service
    citizen = await identity.user_id(CITIZEN)
    me = principal(citizen, "hangzhou", "citizen")
    strict = OutboundGuard()  # outside demo mode: loopback is internal
    with pytest.raises(InvalidArgument) as err:
        await devices.register(replace(notify.ctx, outbound=strict), me, "web", svc.subscription(server.url), "Firefox")
    assert err.value.code == "invalid_token"
    device = await devices.register(notify.ctx, me, "web", svc.subscription(server.url), "Firefox")  # demo mode accepts it
    sender = WebPushProvider(parse_vapid_key(VAPID_KEY), "mailto:ops@example.org", notify.ctx.endpoint_policy, guard=strict)
    try:
        result = await sender.send(device, PushMessage("n-1", "t", "b", "/", "case"))
    finally:
        await sender.close()
    assert (result.result.outcome, result.result.detail, result.gone) == (Outcome.TEMPORARY, "push service unreachable", False)
    assert svc.received == []


async def test_the_sms_gateway_is_called_only_on_an_allowed_address(notify: Notify, sms_gateway) -> None:  # noqa: F811
    gateway, server = sms_gateway
    sender = HttpSmsProvider(f"{server.url}/sms/send", "test-key", SMS_SECRET, timeout_s=5, guard=OutboundGuard())
    try:
        result = await sender.send(SmsMessage("m-1", "13900000100", "浙里办", "t", "hello", "hangzhou"))
    finally:
        await sender.close()
    assert (result.outcome, result.detail) == (Outcome.TEMPORARY, "the SMS gateway is unreachable")
    assert gateway.received == []


async def test_only_identity_sends_security_sms_and_nothing_of_it_is_stored(notify: Notify, sms_gateway) -> None:  # noqa: F811
    gateway, _ = sms_gateway
    for who in (principal("u-1", "hangzhou", "citizen"), Principal("workflow", "", kind=PLATFORM)):
        with pytest.raises(PermissionDenied):
            await security_sms.send(notify.ctx, who, kind="registration_code", phone="13812350100", code="123456",
                                    tenant_id="hangzhou", message_id=str(uuid.uuid4()), expires_in_minutes=10)
    identity_service = Principal("identity", "", kind=PLATFORM)
    await security_sms.send(notify.ctx, identity_service, kind="registration_code", phone="13812350100", code="428913",
                            tenant_id="hangzhou", message_id=str(uuid.uuid4()), expires_in_minutes=10)
    [sent] = gateway.received
    assert sent["signature_ok"] and "428913" in sent["json"]["content"] and sent["json"]["template"] == "registration_code"
    assert await notify.rows("SELECT id FROM deliveries WHERE template_key LIKE 'registration%'") == []
    assert not [r for r in await notify.rows("SELECT * FROM deliveries") if "428913" in str(dict(r))]
    with pytest.raises(InvalidArgument):
        await security_sms.send(notify.ctx, identity_service, kind="registration_code", phone="13812350100", code="12345",
                                tenant_id="hangzhou", message_id=str(uuid.uuid4()), expires_in_minutes=10)
    gateway.script.append(503)
    with pytest.raises(Unavailable):
        await security_sms.send(notify.ctx, identity_service, kind="registration_attempt", phone="13812350100", code="",
                                tenant_id="hangzhou", message_id=str(uuid.uuid4()), expires_in_minutes=10)
