"""Events to notifications against real PostgreSQL, NATS (JetStream and the live
subjects) and the identity service over gRPC: who is told, exactly once, with the
tenant's templates, the users' preferences, and the inbox each user sees."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from mgov_common.live import live_subject
from services.notify.adapters.live import LivePublisher
from services.notify.entrypoints.consumer import NotifyConsumer
from services.notify.service_layer import admin, inbox, preferences
from services.notify.service_layer.invitations import InvitationWorker
from tests.integration.notify_support import Notify, case_data, identity, notify, principal, sms_gateway  # noqa: F401
from tests.integration.test_consumer import consume_until

CITIZEN, HZ_ADMIN, HZ_CLERK, HZ_APPROVER, NB_CLERK, PROVINCE_ADMIN = (
    "13900000100", "13900000010", "13900000011", "13900000012", "13900000021", "13900000000")


async def inbox_of(n: Notify, user: str) -> list[dict]:
    rows = await n.rows("SELECT * FROM notifications WHERE recipient_id = $1 ORDER BY seq", user)
    return [dict(r) for r in rows]


async def test_an_event_reaches_the_inbox_and_the_live_subject_once_even_when_delivered_twice(
        notify: Notify, identity, nc: NATS, js: JetStreamContext) -> None:  # noqa: F811
    citizen = await identity.user_id(CITIZEN)
    live = await nc.subscribe(live_subject(citizen))
    spec = ConsumerSpec(f"notify-test-{uuid.uuid4().hex[:8]}", ["mgov.evt.hangzhou.workflow.application.>"], deliver_new_only=True)
    consumer = NotifyConsumer(notify.pool, js, notify.dispatcher, LivePublisher(nc), spec=spec)
    await consumer.ensure()
    task = asyncio.create_task(consumer.run())
    try:
        event = CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant="hangzhou", subject="x",
                               data=case_data(citizen))
        # The same event twice, as a redelivery after a lost ack would bring it (distinct message ids, so JetStream keeps both).
        for n in range(2):
            await js.publish(event.platform_subject(), event.to_json().encode(), headers={"Nats-Msg-Id": f"{event.id}-{n}"})
        msg = await live.next_msg(timeout=10)
        body = json.loads(msg.data)
        assert body["title"] == "杭州办事 · 申请已提交" and event.data["case_number"] in body["body"]  # Hangzhou's own template
        for _ in range(200):  # both copies handled and acknowledged
            info = await js.consumer_info("MGOV_EVENTS", spec.durable)
            if info.num_pending == 0 and info.num_ack_pending == 0:
                break
            await asyncio.sleep(0.05)
        assert consumer.applied == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # And even bypassing processed_events (another consumer, a replayed stream), the unique keys hold.
    again = await notify.dispatch("workflow.application.submitted", event.data, event_id=event.id)
    assert again.notifications == []
    mine = await inbox_of(notify, citizen)
    assert len(mine) == 1 and mine[0]["event_id"] == event.id and mine[0]["category"] == "case_progress"
    assert mine[0]["link"] == f"/applications/{event.data['application_id']}"
    with pytest.raises(Exception):  # exactly one live message
        await live.next_msg(timeout=0.3)


async def test_the_staff_who_may_act_get_a_task_and_the_actor_never_hears_of_their_own_action(notify: Notify, identity) -> None:  # noqa: F811
    citizen, clerk, approver, nb_clerk = [await identity.user_id(p) for p in (CITIZEN, HZ_CLERK, HZ_APPROVER, NB_CLERK)]
    submitted = case_data(citizen)
    await notify.dispatch("workflow.application.submitted", submitted)
    assert [n["template_key"] for n in await inbox_of(notify, clerk)] == ["task.new"]
    assert await inbox_of(notify, approver) == [] and await inbox_of(notify, nb_clerk) == []
    accepted = {**submitted, "status": "under_review", "action": "accept", "eligible_roles": ["approver"],
                "actor": {"kind": "user", "id": clerk, "tenant_id": "hangzhou"}}
    await notify.dispatch("workflow.application.transitioned", accepted)
    assert [n["template_key"] for n in await inbox_of(notify, approver)] == ["task.new"]
    assert [n["template_key"] for n in await inbox_of(notify, clerk)] == ["task.new"]  # not told of their own accept
    progressed = (await inbox_of(notify, citizen))[-1]
    assert progressed["template_key"] == "application.progressed" and "已受理" in progressed["body"] and "审核中" in progressed["body"]


async def test_an_opt_out_is_respected_and_in_app_case_outcomes_cannot_be_turned_off(notify: Notify, identity) -> None:  # noqa: F811
    citizen = await identity.user_id(CITIZEN)
    me = principal(citizen, "hangzhou", "citizen")
    with pytest.raises(FailedPrecondition):
        await preferences.replace(notify.ctx, me, channels=[("case_outcome", "in_app", False)], quiet_enabled=False, quiet_start="",
                                  quiet_end="", locale="", time_zone="", notice_tenants=[])
    await preferences.replace(notify.ctx, me, channels=[("case_progress", "in_app", False), ("case_outcome", "sms", False)],
                              quiet_enabled=False, quiet_start="", quiet_end="", locale="", time_zone="", notice_tenants=[])
    data = case_data(citizen)
    await notify.dispatch("workflow.application.submitted", data)
    assert await inbox_of(notify, citizen) == []
    done = {**data, "status": "completed", "action": "approve", "terminal": True, "eligible_roles": [], "comment": "请携带身份证领取"}
    await notify.dispatch("workflow.application.completed", done)
    [outcome] = await inbox_of(notify, citizen)
    assert outcome["template_key"] == "application.completed" and "请携带身份证领取" in outcome["body"]
    channels = {r["channel"] for r in await notify.rows("SELECT channel FROM deliveries WHERE recipient_id = $1", citizen)}
    assert channels == {"in_app"}  # no SMS (turned off), no push (no device)


async def test_a_missing_placeholder_marks_the_notification_validation_failed_with_the_reason(notify: Notify, identity) -> None:  # noqa: F811
    citizen, admin_id = await identity.user_id(CITIZEN), await identity.user_id(HZ_ADMIN)
    hz_admin = principal(admin_id, "hangzhou", "tenant_admin")
    saved = await admin.save_template(notify.ctx, hz_admin, "hangzhou", key="application.completed", channel="in_app", locale="zh-CN",
                                      title="办结", body="{{ case_number }} 已办结，领取截止 {{ due_at }}", urgent=None)
    assert (saved.version, saved.tenant_id) == (1, "hangzhou")
    with pytest.raises(InvalidArgument) as bad:
        await admin.save_template(notify.ctx, hz_admin, "hangzhou", key="application.completed", channel="in_app", locale="zh-CN",
                                  title="办结", body="{{ phone }}", urgent=None)
    assert bad.value.violations[0].code == "unknown_placeholder"
    done = {**case_data(citizen), "status": "completed", "terminal": True, "eligible_roles": [], "due_at": None}
    await notify.dispatch("workflow.application.completed", done)
    assert await inbox_of(notify, citizen) == []  # nothing broken is shown
    [failed] = await notify.rows("SELECT * FROM deliveries WHERE recipient_id = $1 AND channel = 'in_app'", citizen)
    assert failed["status"] == "validation_failed" and "due_at" in failed["last_error"] and "hangzhou" in failed["last_error"]
    [event] = await notify.rows("SELECT subject, payload FROM outbox")
    assert event["subject"] == "mgov.evt.hangzhou.notify.notification.failed"
    assert json.loads(event["payload"])["data"]["status"] == "validation_failed"
    # The SMS of the same event used the province's SMS text, which has no due_at: it goes on.
    [sms] = await notify.rows("SELECT status FROM deliveries WHERE recipient_id = $1 AND channel = 'sms'", citizen)
    assert sms["status"] == "created"


async def test_templates_are_inherited_down_the_tree_versioned_and_saved_only_by_the_tenants_admins(notify: Notify, identity) -> None:  # noqa: F811
    citizen, admin_id = await identity.user_id(CITIZEN), await identity.user_id(HZ_ADMIN)
    hz_admin = principal(admin_id, "hangzhou", "tenant_admin")
    await notify.dispatch("workflow.application.submitted", case_data(citizen, tenant="xihu", roles=()), tenant="xihu")
    assert (await inbox_of(notify, citizen))[-1]["title"] == "杭州办事 · 申请已提交"  # Xihu inherits Hangzhou's text
    await notify.dispatch("workflow.application.submitted", case_data(citizen, tenant="ningbo", roles=()), tenant="ningbo")
    assert (await inbox_of(notify, citizen))[-1]["title"] == "申请已提交"  # Ningbo the province's
    v2 = await admin.save_template(notify.ctx, hz_admin, "hangzhou", key="application.submitted", channel="in_app", locale="zh-CN",
                                   title="已收到 {{ case_number }}", body="{{ tenant_name }}已收到您的申请。", urgent=None)
    assert v2.version == 2
    data = case_data(citizen, tenant="xihu", roles=())
    await notify.dispatch("workflow.application.submitted", data, tenant="xihu")
    latest = (await inbox_of(notify, citizen))[-1]
    assert (latest["title"], latest["body"]) == (f"已收到 {data['case_number']}", "西湖区已收到您的申请。")
    with pytest.raises(PermissionDenied):
        await admin.save_template(notify.ctx, hz_admin, "ningbo", key="application.submitted", channel="in_app", locale="zh-CN",
                                  title="x", body="y", urgent=None)
    with pytest.raises(PermissionDenied):
        await admin.save_template(notify.ctx, principal(citizen, "hangzhou", "citizen"), "hangzhou", key="application.submitted",
                                  channel="in_app", locale="zh-CN", title="x", body="y", urgent=None)
    # The province's admin may write the base templates and any tenant's.
    prov = principal(await identity.user_id(PROVINCE_ADMIN), "zhejiang", "province_admin")
    assert (await admin.save_template(notify.ctx, prov, "ningbo", key="application.submitted", channel="in_app", locale="en",
                                      title="x", body="y", urgent=None)).tenant_id == "ningbo"


async def test_english_readers_get_english_text_in_their_time_zone(notify: Notify, identity) -> None:  # noqa: F811
    clerk = await identity.user_id(HZ_CLERK)
    await preferences.replace(notify.ctx, principal(clerk, "hangzhou", "clerk"), channels=[], quiet_enabled=False, quiet_start="",
                              quiet_end="", locale="en", time_zone="Europe/London", notice_tenants=[])
    data = {"application_id": str(uuid.uuid4()), "case_number": "HZ-2026-000777", "tenant_id": "hangzhou", "state": "submitted",
            "due_at": "2026-03-05T09:00:00Z", "scope": "state", "assignee_id": clerk, "eligible_roles": ["clerk"], "escalate_to_roles": []}
    await notify.dispatch("workflow.sla.warning", data)
    [n] = await inbox_of(notify, clerk)
    assert (n["title"], n["body"], n["locale"]) == ("Deadline approaching", "Case HZ-2026-000777 (submitted) is due 2026-03-05 09:00.", "en")


async def test_a_notice_reaches_the_subscribers_of_its_tenant_and_of_the_tenants_below(notify: Notify, identity) -> None:  # noqa: F811
    citizen, nb_clerk, clerk = [await identity.user_id(p) for p in (CITIZEN, NB_CLERK, HZ_CLERK)]
    for user, follows in ((citizen, ["xihu"]), (nb_clerk, ["ningbo"])):
        await preferences.replace(notify.ctx, principal(user, "hangzhou", "citizen"), channels=[], quiet_enabled=False, quiet_start="",
                                  quiet_end="", locale="", time_zone="", notice_tenants=follows)
    with pytest.raises(InvalidArgument):
        await preferences.replace(notify.ctx, principal(clerk, "hangzhou"), channels=[], quiet_enabled=False, quiet_start="",
                                  quiet_end="", locale="", time_zone="", notice_tenants=["atlantis"])
    notice = {"id": str(uuid.uuid4()), "tenant_id": "hangzhou", "title": {"zh": "关于市民卡换发的公告", "en": ""}, "category": "announcement",
              "publish_time": "2026-03-02T00:00:00Z", "published_by": "x"}
    await notify.dispatch("catalog.notice.published", notice)
    [n] = await inbox_of(notify, citizen)
    assert (n["title"], n["body"], n["category"]) == ("杭州市发布公告", "关于市民卡换发的公告", "notice")
    assert await inbox_of(notify, nb_clerk) == [] and await inbox_of(notify, clerk) == []
    await notify.dispatch("catalog.notice.published", {**notice, "id": str(uuid.uuid4()), "tenant_id": "zhejiang"}, tenant="zhejiang")
    assert len(await inbox_of(notify, citizen)) == 1 + 1 and len(await inbox_of(notify, nb_clerk)) == 1


async def test_the_inbox_pages_counts_unread_and_only_ever_shows_or_marks_the_callers_own(notify: Notify, identity) -> None:  # noqa: F811
    citizen, clerk = await identity.user_id(CITIZEN), await identity.user_id(HZ_CLERK)
    for _ in range(5):
        await notify.dispatch("workflow.application.submitted", case_data(citizen))
    me, other = principal(citizen, "hangzhou", "citizen"), principal(clerk, "hangzhou", "clerk")
    first, token, unread = await inbox.list_notifications(notify.ctx, me, inbox.ListQuery(page_size=3))
    assert (len(first), unread, bool(token)) == (3, 5, True)
    rest, end, _ = await inbox.list_notifications(notify.ctx, me, inbox.ListQuery(page_size=3, page_token=token))
    assert len(rest) == 2 and end == "" and first[0].seq > first[-1].seq > rest[0].seq
    newer, _, _ = await inbox.list_notifications(notify.ctx, me, inbox.ListQuery(since_id=str(rest[0].id)))
    assert [x.id for x in newer] == [x.id for x in reversed(first)]  # oldest first: what an SSE resume sends
    with pytest.raises(InvalidArgument):
        await inbox.list_notifications(notify.ctx, other, inbox.ListQuery(since_id=str(rest[0].id)))
    with pytest.raises(InvalidArgument):
        await inbox.list_notifications(notify.ctx, me, inbox.ListQuery(page_size=3, page_token=token, unread_only=True))
    with pytest.raises(NotFound):
        await inbox.mark_read(notify.ctx, other, [str(first[0].id)], False)
    clerk_inbox, _, _ = await inbox.list_notifications(notify.ctx, other, inbox.ListQuery())
    assert {x.recipient_id for x in clerk_inbox} == {clerk}
    assert await inbox.mark_read(notify.ctx, me, [str(first[0].id)], False) == 1
    assert await inbox.mark_read(notify.ctx, me, [str(first[0].id)], False) == 0  # idempotent
    assert await inbox.unread_count(notify.ctx, me) == 4
    assert await inbox.mark_read(notify.ctx, me, [], True) == 4
    assert (await inbox.list_notifications(notify.ctx, me, inbox.ListQuery(unread_only=True)))[0] == []


async def test_a_rating_invitation_comes_once_three_days_after_completion_unless_the_case_was_rated(notify: Notify, identity) -> None:  # noqa: F811
    citizen = await identity.user_id(CITIZEN)
    rated, unrated = (case_data(citizen, status="completed", terminal=True, roles=()) for _ in range(2))
    for data in (rated, unrated):
        await notify.dispatch("workflow.application.completed", data)
    await notify.dispatch("workflow.rating.received", {"application_id": rated["application_id"], "case_number": rated["case_number"],
                                                        "tenant_id": "hangzhou", "applicant_id": citizen, "score": 5})
    worker = InvitationWorker(notify.dispatcher, None)
    notify.clock.advance(days=2, hours=23)
    assert await worker.run_once() == 0
    notify.clock.advance(hours=1, seconds=1)
    assert await worker.run_once() == 1
    notify.clock.advance(days=30)
    assert await worker.run_once() == 0
    invitations = [n for n in await inbox_of(notify, citizen) if n["template_key"] == "rating.invitation"]
    assert len(invitations) == 1 and unrated["case_number"] in invitations[0]["body"]
    # A rating that arrives before the outcome event (redelivery order) still cancels.
    early = case_data(citizen, status="completed", terminal=True, roles=())
    await notify.dispatch("workflow.rating.received", {**early, "score": 1})
    await notify.dispatch("workflow.application.completed", early)
    notify.clock.advance(days=4)
    assert await worker.run_once() == 0
    assert [r["status"] for r in await notify.rows("SELECT status FROM rating_invitations ORDER BY created_at")].count("cancelled") == 2


async def test_an_event_of_a_tenant_notify_does_not_know_yet_is_retried_not_dropped(notify: Notify, identity) -> None:  # noqa: F811
    from services.notify.service_layer.dispatch import UnknownTenant

    with pytest.raises(UnknownTenant):
        await notify.dispatch("workflow.application.submitted", case_data(await identity.user_id(CITIZEN), tenant="gongshu"), tenant="gongshu")
    assert timedelta(days=3) == notify.ctx.rating_delay


async def _drain(js: JetStreamContext, durable: str) -> None:
    for _ in range(200):
        info = await js.consumer_info("MGOV_EVENTS", durable)
        if info.num_pending == 0 and info.num_ack_pending == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the consumer did not settle every message")


async def test_a_backlog_is_committed_in_chunks_and_a_failing_event_does_not_hold_back_the_others(
        notify: Notify, identity, nc: NATS, js: JetStreamContext) -> None:  # noqa: F811
    citizen = await identity.user_id(CITIZEN)
    spec = ConsumerSpec(f"notify-chunks-{uuid.uuid4().hex[:8]}", ["mgov.evt.*.workflow.application.submitted"], deliver_new_only=True,
                        max_deliver=1, batch=64)
    consumer = NotifyConsumer(notify.pool, js, notify.dispatcher, LivePublisher(nc), spec=spec, concurrency=1)
    await consumer.ensure()

    def submitted(tenant: str) -> CloudEvent:
        return CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant=tenant, subject=str(uuid.uuid4()),
                              data=case_data(citizen, tenant=tenant, roles=()))

    healthy = [submitted("hangzhou") for _ in range(5)]
    for e in healthy:
        await js.publish(e.platform_subject(), e.to_json().encode(), headers={"Nats-Msg-Id": str(e.id)})
    task = asyncio.create_task(consumer.run())
    try:
        await _drain(js, spec.durable)
        assert (consumer.chunks_committed, consumer.applied) == (1, 5)  # one transaction for the five
        mixed = [submitted("hangzhou"), submitted("gongshu"), submitted("hangzhou")]  # notify knows no tenant gongshu
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for e in mixed:
            await js.publish(e.platform_subject(), e.to_json().encode(), headers={"Nats-Msg-Id": str(e.id)})
        task = asyncio.create_task(consumer.run())
        await _drain(js, spec.durable)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert consumer.chunks_committed == 1 and consumer.applied == 5 + 2 and consumer.dead_lettered == 1
    got = {n["event_id"] for n in await inbox_of(notify, citizen)}
    assert got == {e.id for e in healthy} | {mixed[0].id, mixed[2].id}


async def test_the_few_events_a_fetch_finds_share_one_transaction_however_many_lanes_the_consumer_has(
        notify: Notify, identity, nc: NATS, js: JetStreamContext) -> None:  # noqa: F811
    """Events that trickle in arrive a handful per fetch. Spread over the default eight
    lanes, each of them paid a transaction and a commit of its own; a batch smaller than
    a chunk is one lane, one transaction. The lanes stay for a backlog (`lane_count`,
    specified in test_chunked_consumer)."""
    citizen = await identity.user_id(CITIZEN)
    spec = ConsumerSpec(f"notify-few-{uuid.uuid4().hex[:8]}", ["mgov.evt.*.workflow.application.submitted"], deliver_new_only=True,
                        batch=64)
    consumer = NotifyConsumer(notify.pool, js, notify.dispatcher, LivePublisher(nc), spec=spec)
    assert consumer.concurrency == 8
    await consumer.ensure()
    events = [CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant="hangzhou", subject=str(uuid.uuid4()),
                             data=case_data(citizen, roles=())) for _ in range(6)]
    for e in events:
        await js.publish(e.platform_subject(), e.to_json().encode(), headers={"Nats-Msg-Id": str(e.id)})
    await consume_until(consumer, lambda c: c.handled == 6)
    assert consumer.chunks_committed == 1
    # Six cases, one transaction: every row they wrote carries the same transaction id.
    written = await notify.rows("SELECT event_id, xmin::text AS tx FROM notifications WHERE event_id = ANY($1::uuid[])", [e.id for e in events])
    assert {r["event_id"] for r in written} == {e.id for e in events} and len({r["tx"] for r in written}) == 1


async def test_a_chunk_whose_acks_were_lost_and_an_event_sent_twice_in_it_notify_each_recipient_once(
        notify: Notify, identity, nc: NATS, js: JetStreamContext) -> None:  # noqa: F811
    citizen = await identity.user_id(CITIZEN)
    spec = ConsumerSpec(f"notify-lost-{uuid.uuid4().hex[:8]}", ["mgov.evt.*.workflow.application.submitted"], deliver_new_only=True,
                        ack_wait_s=1, batch=64)
    consumer = NotifyConsumer(notify.pool, js, notify.dispatcher, LivePublisher(nc), spec=spec, concurrency=1)
    await consumer.ensure()
    events = [CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant="hangzhou", subject=str(uuid.uuid4()),
                             data=case_data(citizen)) for _ in range(6)]
    for e in events:
        await js.publish(e.platform_subject(), e.to_json().encode(), headers={"Nats-Msg-Id": str(e.id)})
    await js.publish(events[0].platform_subject(), events[0].to_json().encode(), headers={"Nats-Msg-Id": f"again-{events[0].id}"})
    lost: list[object] = []

    async def lose_the_connection_once(msg: object) -> None:
        if not lost:
            lost.append(msg)
            raise OSError("connection lost after the commit, before the acks")

    consumer.before_ack = lose_the_connection_once
    # What committed before its acks were lost comes back and is skipped, as is the
    # second message of the repeated event; then nothing is left unsettled.
    # Seven messages, each acknowledged once in the end.
    await consume_until(consumer, lambda c: c.skipped >= 2 and c.handled + c.skipped == 7)
    assert lost and consumer.dead_lettered == 0 and consumer.counts.handled <= 5
    mine = [n["event_id"] for n in await inbox_of(notify, citizen)]
    assert sorted(mine) == sorted(e.id for e in events)  # one notification per event, the repeated one included
    staff = await notify.rows("SELECT event_id, count(*) AS n FROM notifications WHERE recipient_id <> $1 GROUP BY event_id", citizen)
    assert {r["event_id"] for r in staff} == {e.id for e in events} and {r["n"] for r in staff} == {1}
    assert await notify.pool.fetchval("SELECT count(*) FROM deliveries WHERE channel = 'in_app' AND event_id = ANY($1::uuid[])",
                                      [e.id for e in events]) == 12


async def test_a_reporter_without_an_account_is_told_by_sms_only_and_an_account_holder_as_before(notify: Notify, identity) -> None:  # noqa: F811
    citizen, phone_ref = await identity.user_id(CITIZEN), "phone:" + "ab" * 16
    data = case_data(citizen, status="resolved", action="resolve", actor=await identity.user_id(HZ_CLERK), roles=(), terminal=True,
                     comment="已清运") | {"kind": "report", "reporter_ids": [citizen], "phone_reporter_refs": [phone_ref]}
    await notify.dispatch("workflow.report.resolved", data)
    by_phone = await notify.rows("SELECT channel, template_key, status FROM deliveries WHERE recipient_id = $1", phone_ref)
    assert [(r["channel"], r["template_key"], r["status"]) for r in by_phone] == [("sms", "report.resolved", "created")]
    assert await inbox_of(notify, phone_ref) == []  # no account, no inbox
    assert {r["channel"] for r in await notify.rows("SELECT channel FROM deliveries WHERE recipient_id = $1", citizen)} >= {"in_app"}
