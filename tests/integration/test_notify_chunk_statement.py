"""The notify consumer's one-statement chunk, against real PostgreSQL, NATS and the identity
service: a run of submissions is recorded and written by one statement with the rows the
transaction path writes, each event once; a chunk that writes anything else (a rating
invitation, a delivery event for a notification that could not be rendered) still takes
the transaction."""

from __future__ import annotations

import json
import uuid
from typing import Any

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from mgov_common.live import live_subject
from services.notify.adapters.live import LivePublisher
from services.notify.entrypoints.consumer import NotifyConsumer
from services.notify.service_layer import admin
from tests.integration.notify_support import (  # noqa: F401
    Notify,
    case_data,
    identity,
    notify,
    principal,
    sms_gateway,
)
from tests.integration.test_consumer import consume_until

CITIZEN, HZ_ADMIN = "13900000100", "13900000010"


def _event(verb: str, data: dict[str, Any]) -> CloudEvent:
    return CloudEvent.new(service="workflow", entity="application", verb=verb, tenant="hangzhou", subject=data["application_id"], data=data)


async def _publish(js: JetStreamContext, event: CloudEvent, msg_id: str | None = None) -> None:
    await js.publish(event.platform_subject(), event.to_json().encode(), headers={"Nats-Msg-Id": msg_id or str(event.id)})


def _consumer(n: Notify, js: JetStreamContext, nc: NATS, name: str, subjects: list[str]) -> NotifyConsumer:
    spec = ConsumerSpec(f"{name}-{uuid.uuid4().hex[:8]}", subjects, deliver_new_only=True, batch=64)
    return NotifyConsumer(n.pool, js, n.dispatcher, LivePublisher(nc), spec=spec, concurrency=1)


async def _written(n: Notify, event_ids: list[uuid.UUID]) -> tuple[list[tuple], list[tuple]]:
    """What the events wrote, without ids, times and event ids: (notifications, deliveries),
    each delivery with whether it refers to its recipient's notification of its event."""
    notes = await n.rows("SELECT * FROM notifications WHERE event_id = ANY($1::uuid[])", event_ids)
    ids = {(r["event_id"], r["recipient_id"]): r["id"] for r in notes}
    dels = await n.rows("SELECT * FROM deliveries WHERE event_id = ANY($1::uuid[])", event_ids)
    return (sorted((r["recipient_id"], r["category"], r["template_key"], r["locale"], r["title"], r["link"], r["read_at"]) for r in notes),
            sorted((d["recipient_id"], d["channel"], d["category"], d["template_key"], d["status"], d["attempts"], d["urgent"],
                    json.dumps(d["payload"] if isinstance(d["payload"], dict) else json.loads(d["payload"]), sort_keys=True),
                    d["notification_id"] is not None and d["notification_id"] == ids.get((d["event_id"], d["recipient_id"])))
                   for d in dels))


async def test_a_run_of_submissions_is_one_statement_that_writes_what_the_transaction_path_writes_each_event_once(
        notify: Notify, identity, nc: NATS, js: JetStreamContext) -> None:  # noqa: F811
    citizen = await identity.user_id(CITIZEN)
    live = await nc.subscribe(live_subject(citizen))
    consumer = _consumer(notify, js, nc, "notify-one", ["mgov.evt.*.workflow.application.submitted"])
    await consumer.ensure()
    events = [_event("submitted", case_data(citizen)) for _ in range(3)]
    for e in events:
        await _publish(js, e)
    await _publish(js, events[0], f"again-{events[0].id}")  # the same event twice in the chunk
    await consume_until(consumer, lambda c: c.handled + c.skipped == 4)
    assert (consumer.single_statement_chunks, consumer.chunks_committed, consumer.counts.handled, consumer.counts.skipped) == (1, 1, 3, 1)
    heard = [json.loads((await live.next_msg(timeout=10)).data)["event_id"] for _ in events]
    assert sorted(heard) == sorted(str(e.id) for e in events)  # after the commit, once per fresh event
    # The same events through the transaction path (`handle_many`), under other ids.
    twins = [uuid.uuid4() for _ in events]
    for e, twin in zip(events, twins, strict=True):
        await notify.dispatch("workflow.application.submitted", e.data, event_id=twin)
    mine, theirs = await _written(notify, [e.id for e in events]), await _written(notify, twins)
    assert mine == theirs and len(mine[0]) == 6 and all(d[-1] for d in mine[1] if d[1] == "in_app")
    recorded = await notify.rows("SELECT event_id FROM processed_events WHERE consumer = $1", consumer.spec.durable)
    assert sorted(r["event_id"] for r in recorded) == sorted(e.id for e in events)


async def test_a_chunk_with_a_case_outcome_takes_the_transaction_and_schedules_the_rating_invitation(
        notify: Notify, identity, nc: NATS, js: JetStreamContext) -> None:  # noqa: F811
    citizen = await identity.user_id(CITIZEN)
    consumer = _consumer(notify, js, nc, "notify-outcome", ["mgov.evt.*.workflow.application.>"])
    await consumer.ensure()
    submitted = _event("submitted", case_data(citizen))
    done = _event("completed", {**case_data(citizen), "status": "completed", "terminal": True, "eligible_roles": []})
    for e in (submitted, done):
        await _publish(js, e)
    await consume_until(consumer, lambda c: c.handled == 2)
    assert (consumer.single_statement_chunks, consumer.chunks_committed) == (0, 1)
    [invitation] = await notify.rows("SELECT application_id, status FROM rating_invitations")
    assert (str(invitation["application_id"]), invitation["status"]) == (done.data["application_id"], "pending")
    assert len(await notify.rows("SELECT 1 FROM notifications WHERE event_id = ANY($1::uuid[])", [submitted.id, done.id])) == 3


async def test_a_chunk_with_a_notification_that_cannot_be_rendered_takes_the_transaction_and_reports_it(
        notify: Notify, identity, nc: NATS, js: JetStreamContext) -> None:  # noqa: F811
    citizen, admin_id = await identity.user_id(CITIZEN), await identity.user_id(HZ_ADMIN)
    await admin.save_template(notify.ctx, principal(admin_id, "hangzhou", "tenant_admin"), "hangzhou", key="task.new", channel="in_app",
                              locale="zh-CN", title="新任务", body="{{ case_number }} 请于 {{ due_at }} 前办理", urgent=None)
    consumer = _consumer(notify, js, nc, "notify-unrendered", ["mgov.evt.*.workflow.application.submitted"])
    await consumer.ensure()
    fine, broken = _event("submitted", case_data(citizen)), _event("submitted", case_data(citizen, due_at=None))
    for e in (fine, broken):
        await _publish(js, e)
    await consume_until(consumer, lambda c: c.handled == 2)
    assert (consumer.single_statement_chunks, consumer.chunks_committed) == (0, 1)
    [failed] = await notify.rows("SELECT event_id, last_error FROM deliveries WHERE status = 'validation_failed'")
    assert failed["event_id"] == broken.id and "due_at" in failed["last_error"]
    [event] = await notify.rows("SELECT subject FROM outbox")
    assert event["subject"] == "mgov.evt.hangzhou.notify.notification.failed"
