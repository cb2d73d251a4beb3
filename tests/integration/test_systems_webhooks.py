"""Systems in the identity service over the real PostgreSQL: registration and the
client-credentials grant, and outbound webhooks with their
stored retry schedule (the clock is the test's; the receiver is a real HTTP server on a
free loopback port)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import asyncpg
import pytest
from nats.js import JetStreamContext

from mgov_common.errors import InvalidArgument, PermissionDenied, Unauthenticated
from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from mgov_common.outbound import OutboundGuard
from mgov_common.systems import parse_system_event
from services.identity.bootstrap import verifier_for
from services.identity.service_layer.handlers import Handlers
from services.identity.service_layer.webhooks import DeliveryLog, FanOut, WebhookWorker, fan_out
from tests.integration.identity_support import Clock, clock, demo, handlers, id_pool, id_schema, sign_in  # noqa: F401
from tests.integration.test_consumer import consume_until

TYPES = ["mgov.case.status_changed.v1"]
LOOPBACK = OutboundGuard(allow_loopback=True)  # what demo mode allows; the receivers are on 127.0.0.1


class Receiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                outer.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if len(outer.calls) <= fail_first else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Any:
    r = Receiver(fail_first=2)
    yield r
    r.close()


def platform_event(tenant: str) -> CloudEvent:
    return CloudEvent.new(service="workflow", entity="application", verb="submitted", tenant=tenant, subject="c-1", data={"n": 1})


async def test_registration_issues_system_tokens_and_only_admins_register(demo: Handlers) -> None:  # noqa: F811
    admin = await sign_in(demo, "13900000010")
    system, creds = await demo.systems.register("hangzhou", "不动产登记", TYPES, "", admin)
    token = await demo.systems.issue_token("client_credentials", creds.client_id, creds.client_secret, "")
    principal = await verifier_for(demo).verify(token.token.token)
    assert (principal.kind, principal.subject, principal.tenant) == ("system", str(system.id), "hangzhou")
    assert principal.grants == set(TYPES) and not principal.roles  # what its registration grants, no role
    with pytest.raises(Unauthenticated):
        await demo.systems.issue_token("client_credentials", creds.client_id, "wrong" * 8, "")
    nb_clerk = await sign_in(demo, "13900000021")
    with pytest.raises(PermissionDenied):
        await demo.systems.register("ningbo", "x", TYPES, "", nb_clerk)
    with pytest.raises(PermissionDenied):
        await demo.systems.register("ningbo", "x", TYPES, "", admin)
    # Refused before any work for them: no webhook host is resolved, no secret hashed.
    with pytest.raises(PermissionDenied):
        await demo.systems.register("ningbo", "x", TYPES, "https://internal.invalid/hook", nb_clerk)
    async with demo.ctx.uow() as uow:
        stored = await uow.systems.get(system.id)
    assert stored is not None and creds.client_secret not in stored.client_secret_hash and creds.nats_password not in stored.nats_password_hash
    await demo.systems.revoke("hangzhou", str(system.id), admin)
    with pytest.raises(Unauthenticated):
        await demo.systems.issue_token("client_credentials", creds.client_id, creds.client_secret, "")


async def test_each_change_of_a_system_is_announced_through_the_outbox_without_its_secrets(demo: Handlers) -> None:  # noqa: F811
    """Workflow and catalog learn of systems only from these events (mgov_common.systems)."""
    admin = await sign_in(demo, "13900000010")
    system, creds = await demo.systems.register("hangzhou", "公积金中心", TYPES, "", admin)
    await demo.systems.rotate("hangzhou", str(system.id), admin)
    await demo.systems.revoke("hangzhou", str(system.id), admin)
    await demo.systems.revoke("hangzhou", str(system.id), admin)  # already revoked: nothing new to say
    async with demo.ctx.uow() as uow:
        rows = await uow.conn.fetch("SELECT subject, type, payload FROM outbox WHERE payload LIKE $1 ORDER BY seq",
                                    f'%"subject":"{system.id}"%')
    assert [(r["subject"], r["type"]) for r in rows] == [
        (f"mgov.evt.hangzhou.identity.system.{verb}", f"mgov.identity.system.{verb}.v1") for verb in ("registered", "updated", "revoked")]
    nodes = [parse_system_event(CloudEvent.parse(r["payload"])) for r in rows]
    assert [(n.id, n.tenant_id, n.event_types, n.status, n.credentials_version) for n in nodes] == [
        (system.id, "hangzhou", frozenset(TYPES), "active", 1), (system.id, "hangzhou", frozenset(TYPES), "active", 2),
        (system.id, "hangzhou", frozenset(TYPES), "revoked", 2)]
    for r in rows:
        for secret in (creds.client_secret, creds.nats_password, creds.nats_user, creds.client_id):
            assert secret not in r["payload"]
        assert "hash" not in r["payload"] and "webhook" not in r["payload"]


async def test_a_webhook_that_fails_twice_gets_the_event_on_the_third_try(demo: Handlers, id_pool: asyncpg.Pool,  # noqa: F811
                                                                          clock: Clock, receiver: Receiver) -> None:  # noqa: F811
    admin = await sign_in(demo, "13900000010")
    demo.systems.guard = LOOPBACK
    system, creds = await demo.systems.register("hangzhou", "hook", TYPES, receiver.url, admin)
    ours, theirs = platform_event("hangzhou"), platform_event("ningbo")
    async with id_pool.acquire() as conn:
        for ev in (ours, theirs, ours):  # a redelivered event adds nothing
            await fan_out(conn, ev, clock())
    worker = WebhookWorker(demo.ctx, id_pool, schedule_s=(10, 60, 600), clock=clock, guard=LOOPBACK)
    try:
        assert await worker.run_once() == 1  # first try: 500
        assert await worker.run_once() == 0  # not due yet
        clock.advance(10)
        assert await worker.run_once() == 1  # second try: 500
        clock.advance(59)
        assert await worker.run_once() == 0
        clock.advance(1)
        assert await worker.run_once() == 1  # third try: 200
        clock.advance(3600)
        assert await worker.run_once() == 0
    finally:
        await worker.close()
    assert len(receiver.calls) == 3
    for headers, body in receiver.calls:
        assert json.loads(body)["id"] == str(ours.id)
        mac = hmac.new(creds.webhook_secret.encode(), headers["x-mgov-timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
        assert headers["x-mgov-signature"] == f"sha256={mac}"
        assert headers["content-type"].startswith("application/cloudevents+json")
    rows, _ = await DeliveryLog(demo.ctx).list("hangzhou", str(system.id), 0, "", admin)
    assert [(r["status"], r["attempts"], r["last_status_code"]) for r in rows] == [("delivered", 3, 200)]


class HangingReceiver(Receiver):
    """Answers 204 at once, except to the event `hang_on`, whose POST waits until released."""

    def __init__(self, hang_on: str) -> None:
        self.released = threading.Event()
        self.arrived = threading.Event()
        self.calls: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                outer.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                if json.loads(body)["id"] == hang_on and not outer.released.is_set():
                    outer.arrived.set()
                    outer.released.wait(30)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


async def test_a_worker_dying_mid_batch_repeats_only_the_post_it_had_not_stored(
        demo: Handlers, id_pool: asyncpg.Pool, clock: Clock) -> None:  # noqa: F811
    admin = await sign_in(demo, "13900000010")
    demo.systems.guard = LOOPBACK
    events = [platform_event("hangzhou") for _ in range(3)]
    hook = HangingReceiver(hang_on=str(events[2].id))
    try:
        system, _ = await demo.systems.register("hangzhou", "batch", TYPES, hook.url, admin)
        async with id_pool.acquire() as conn:
            for ev in events:
                await fan_out(conn, ev, clock())
        worker = WebhookWorker(demo.ctx, id_pool, schedule_s=(1,), timeout_s=30, clock=clock, guard=LOOPBACK)

        async def delivered() -> int:
            return int(await id_pool.fetchval(
                "SELECT count(*) FROM webhook_deliveries WHERE system_id = $1 AND status = 'delivered'", system.id))

        try:
            batch = asyncio.create_task(worker.run_once())
            # Two answered and stored while the third POST is still out.
            async with asyncio.timeout(10):
                while not hook.arrived.is_set() or await delivered() < 2:
                    await asyncio.sleep(0.02)
            batch.cancel()  # the worker dies with the third POST unanswered
            await asyncio.gather(batch, return_exceptions=True)
            hook.released.set()
            assert await worker.run_once() == 0  # the third is leased to the dead worker a while
            clock.advance(worker.lease_s)
            assert await worker.run_once() == 1  # then taken again
        finally:
            await worker.close()
    finally:
        hook.close()
    received = [json.loads(body)["id"] for _, body in hook.calls]
    assert [received.count(str(ev.id)) for ev in events] == [1, 1, 2]
    assert await delivered() == 3


async def test_events_of_tenants_without_webhooks_are_acknowledged_without_a_transaction_until_one_registers(
        demo: Handlers, id_pool: asyncpg.Pool, clock: Clock, receiver: Receiver) -> None:  # noqa: F811
    admin = await sign_in(demo, "13900000010")
    demo.systems.guard = LOOPBACK
    consumer = FanOut(id_pool, None, clock)  # type: ignore[arg-type] - apply() needs no JetStream
    tenants = consumer.tenants
    try:
        before = platform_event("hangzhou")
        assert await consumer.apply(before) and consumer.shortcuts == 1
        assert await id_pool.fetchval("SELECT count(*) FROM processed_events") == 0  # no transaction, nothing recorded
        # A system registered (by any replica: the trigger's NOTIFY reaches every listener) ends the shortcut at once.
        generation = tenants.generation
        system, _ = await demo.systems.register("hangzhou", "hook", TYPES, receiver.url, admin)
        await tenants.changed_since(generation)
        ours, theirs = platform_event("hangzhou"), platform_event("ningbo")
        assert await consumer.apply(ours) and not await consumer.apply(ours)  # the repeat is recorded and adds nothing
        assert await consumer.apply(theirs) and consumer.shortcuts == 2
        rows = await id_pool.fetch("SELECT system_id, event_id FROM webhook_deliveries")
        assert [(r["system_id"], r["event_id"]) for r in rows] == [(system.id, ours.id)]
        generation = tenants.generation
        await demo.systems.revoke("hangzhou", str(system.id), admin)
        await tenants.changed_since(generation)
        assert await consumer.apply(platform_event("hangzhou")) and consumer.shortcuts == 3
    finally:
        await consumer.close()


async def test_the_consumer_acknowledges_events_of_tenants_without_webhooks_by_their_subject_and_fans_out_the_others(
        demo: Handlers, id_pool: asyncpg.Pool, clock: Clock, receiver: Receiver, js: JetStreamContext) -> None:  # noqa: F811
    admin = await sign_in(demo, "13900000010")
    demo.systems.guard = LOOPBACK
    system, _ = await demo.systems.register("hangzhou", "hook", TYPES, receiver.url, admin)
    service = f"wt{uuid.uuid4().hex[:8]}"
    spec = ConsumerSpec(f"test-fan-out-{service}", [f"mgov.evt.*.{service}.>"], deliver_new_only=False, ack_wait_s=2)
    consumer = FanOut(id_pool, js, clock, spec=spec)
    events = [CloudEvent.new(service=service, entity="thing", verb="happened", tenant=t, subject="x", data={})
              for t in ("hangzhou", "ningbo", "ningbo", "hangzhou", "wenzhou")]
    for e in events:
        await js.publish(e.platform_subject(), e.to_json().encode(), headers={"Nats-Msg-Id": str(e.id)})
    await consume_until(consumer, lambda c: c.handled == 5)
    assert consumer.shortcuts == 3
    rows = await id_pool.fetch("SELECT system_id, event_id FROM webhook_deliveries ORDER BY created_at, event_id")
    assert {(r["system_id"], r["event_id"]) for r in rows} == {(system.id, events[0].id), (system.id, events[3].id)}
    assert await id_pool.fetchval("SELECT count(*) FROM processed_events WHERE consumer = $1", spec.durable) == 2


async def test_a_webhook_gives_up_after_its_schedule(demo: Handlers, id_pool: asyncpg.Pool, clock: Clock) -> None:  # noqa: F811
    admin = await sign_in(demo, "13900000010")
    nb_clerk = await sign_in(demo, "13900000021")
    demo.systems.guard = LOOPBACK
    always = Receiver(fail_first=10**6)
    try:
        system, _ = await demo.systems.register("hangzhou", "down", TYPES, always.url, admin)
        async with id_pool.acquire() as conn:
            await fan_out(conn, platform_event("hangzhou"), clock())
        worker = WebhookWorker(demo.ctx, id_pool, schedule_s=(1, 2), clock=clock, guard=LOOPBACK)
        try:
            for step in (0, 1, 2):
                clock.advance(step)
                assert await worker.run_once() == 1
            clock.advance(100)
            assert await worker.run_once() == 0
        finally:
            await worker.close()
    finally:
        always.close()
    rows, _ = await DeliveryLog(demo.ctx).list("hangzhou", str(system.id), 0, "", admin)
    assert [(r["status"], r["attempts"], r["last_status_code"]) for r in rows] == [("failed", 3, 500)]
    with pytest.raises(PermissionDenied):
        await DeliveryLog(demo.ctx).list("hangzhou", "", 0, "", nb_clerk)


@pytest.mark.parametrize("url", [
    "https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/hook", "https://[fd00::1]/hook",
    "https://metadata.google.internal/computeMetadata/v1/", "https://0.0.0.0:8443/hook", "https://localhost:8443/hook",
    "https://127.0.0.1/hook", "https://[::ffff:10.0.0.1]/hook", "https://100.64.0.1/hook", "https://user:pw@hooks.example.com/",
    "http://hooks.example.com/hook",
])
async def test_registration_refuses_webhooks_to_internal_addresses(demo: Handlers, url: str) -> None:  # noqa: F811
    admin = await sign_in(demo, "13900000010")
    demo.systems.guard = OutboundGuard()  # production: no loopback
    with pytest.raises(InvalidArgument) as exc:
        await demo.systems.register("hangzhou", "probe", TYPES, url, admin)
    assert exc.value.code == "invalid_webhook_url"


async def test_demo_mode_allows_loopback_webhooks_and_nothing_else_internal(demo: Handlers) -> None:  # noqa: F811
    admin = await sign_in(demo, "13900000010")
    demo.systems.guard = LOOPBACK
    system, _ = await demo.systems.register("hangzhou", "local", TYPES, "http://127.0.0.1:9/hook", admin)
    assert system.webhook_url == "http://127.0.0.1:9/hook"
    for url in ("https://10.0.0.1/hook", "https://169.254.169.254/", "https://0.0.0.0/"):
        with pytest.raises(InvalidArgument):
            await demo.systems.register("hangzhou", "probe", TYPES, url, admin)


async def test_the_delivery_log_shows_status_codes_or_unreachable_and_never_connection_details(
        demo: Handlers, id_pool: asyncpg.Pool, clock: Clock) -> None:  # noqa: F811
    admin = await sign_in(demo, "13900000010")
    demo.systems.guard = LOOPBACK
    closed = Receiver()
    closed.close()  # nothing listens on its port any more: a port scan would see "connection refused"
    system, _ = await demo.systems.register("hangzhou", "closed", TYPES, closed.url, admin)
    async with id_pool.acquire() as conn:
        await fan_out(conn, platform_event("hangzhou"), clock())
    worker = WebhookWorker(demo.ctx, id_pool, schedule_s=(1,), clock=clock, guard=LOOPBACK)
    try:
        assert await worker.run_once() == 1
    finally:
        await worker.close()
    rows, _ = await DeliveryLog(demo.ctx).list("hangzhou", str(system.id), 0, "", admin)
    assert [(r["status"], r["last_status_code"], r["last_error"]) for r in rows] == [("pending", None, "unreachable")]


async def test_a_webhook_is_checked_again_at_delivery(demo: Handlers, id_pool: asyncpg.Pool, clock: Clock,  # noqa: F811
                                                       receiver: Receiver) -> None:
    """Accepted when registered (here: in demo mode), its address is refused by a worker that
    allows no loopback, as it would be after a DNS change to an internal address."""
    admin = await sign_in(demo, "13900000010")
    demo.systems.guard = LOOPBACK
    system, _ = await demo.systems.register("hangzhou", "moved", TYPES, receiver.url, admin)
    async with id_pool.acquire() as conn:
        await fan_out(conn, platform_event("hangzhou"), clock())
    worker = WebhookWorker(demo.ctx, id_pool, schedule_s=(1,), clock=clock, guard=OutboundGuard())
    try:
        assert await worker.run_once() == 1
    finally:
        await worker.close()
    assert receiver.calls == []
    rows, _ = await DeliveryLog(demo.ctx).list("hangzhou", str(system.id), 0, "", admin)
    assert [(r["last_status_code"], r["last_error"]) for r in rows] == [(None, "unreachable")]
