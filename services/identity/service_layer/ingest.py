"""The ingest router: events of tenant systems from `MGOV_INGEST` turned into commands.

Identity owns the systems (their tenants and registered event types) and signs the
platform's tokens, so it is the member gate of the bus, like an X-Road security
server: for each event admission accepted (`mgov_common.ingest_admission`: size,
quotas) and stored on `mgov.accepted.<tenant>.<system>.<...>` it

1. attributes it to the tenant and system named by the subject (the NATS server lets a
   system's user publish only under its own prefix, and the gateway publishes HTTP
   ingest there for the token's system), refusing a body claiming another tenant;
2. checks the system is active, the type registered, the envelope (size and depth
   bounded before parsing) and the JSON Schema of `data` (`mgov_common.ingest.check`);
3. skips an event id it already applied for that system (`processed_events`, key
   `ingest:<system>`: like admission's message ids, scoped to the system, so one
   system's id never makes another's event a duplicate);
4. applies the command as the system itself (`ingest_commands`).

It is an `EventConsumer` (one fetch loop, retry bound and counters for every consumer)
that handles messages in parallel lanes: events with the same order key (one system's
events about one case; all of one system's other events) wait for the one before.

A refused event is acknowledged and copied to `mgov.rejected.<tenant>.<system>` (stream
`MGOV_REJECTED`) with the reason in headers, where the tenant admin lists it. A command
the owning service cannot take now, or any unexpected failure, is retried with backoff
up to `max_deliver` times, then refused the same way: no message stops the router.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

import asyncpg
import grpc
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from mgov_common import ingest, safejson
from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.events.envelope import CloudEvent
from mgov_common.events.streams import INGEST_STREAM
from services.identity.service_layer.context import Context
from services.identity.service_layer.ingest_commands import Commands, Unavailable

log = logging.getLogger(__name__)

SPEC = ConsumerSpec(durable="identity-ingest", filter_subjects=[f"{ingest.ACCEPTED_PREFIX}.>"], stream=INGEST_STREAM)


class IngestRouter(EventConsumer):
    def __init__(self, ctx: Context, pool: asyncpg.Pool, js: JetStreamContext, workflow: grpc.aio.Channel, catalog: grpc.aio.Channel,
                 *, spec: ConsumerSpec = SPEC, max_in_flight: int = 128) -> None:
        super().__init__(pool, js, spec, None)
        self.ctx = ctx
        self.commands = Commands(workflow, catalog)
        self._tokens: dict[str, tuple[str, datetime]] = {}
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    # -- scheduling: fetching goes on while up to `max_in_flight` messages are applied --
    async def handle_batch(self, msgs: list[Msg]) -> None:
        for msg in msgs:
            await self._slots.acquire()
            key = order_key(msg)
            task = asyncio.create_task(self._after(self._tails.get(key), msg))
            self._tails[key] = task
            self._running.add(task)
            task.add_done_callback(lambda t, k=key: self._finished(t, k))

    def _finished(self, task: asyncio.Task[None], key: str) -> None:
        self._running.discard(task)
        if self._tails.get(key) is task:
            del self._tails[key]

    async def _after(self, previous: asyncio.Task[None] | None, msg: Msg) -> None:
        try:
            if previous is not None:
                await asyncio.wait([previous])
            await self.handle_settling(msg)
        finally:
            self._slots.release()

    async def close(self) -> None:
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)

    # -- one message -----------------------------------------------------------------
    async def handle(self, msg: Msg) -> None:
        delivered = msg.metadata.num_delivered
        where = ingest.parse_ingest_subject(msg.subject)
        if where is None:
            await self.reject(msg, "unknown", "unknown", "not an ingest subject", "invalid_subject", None)
            return
        tenant, system_id = where
        if delivered > self.spec.max_deliver:
            await self.reject(msg, tenant, system_id, "delivered more times than allowed without being acknowledged",
                              "too_many_deliveries", None)
            return
        try:
            sid = uuid.UUID(system_id)
        except ValueError:
            await self.reject(msg, tenant, system_id, "no such system", "unknown_system", None)
            return
        consumer = f"ingest:{system_id}"
        async with self.ctx.uow() as uow:
            system = await uow.systems.get(sid)
        if system is None or system.tenant_id != tenant or not system.active:
            await self.reject(msg, tenant, system_id, "no active system of this tenant with this id", "unknown_system", None)
            return
        try:  # parsing and the schema check hold no database connection
            event = ingest.check(msg.data, tenant=tenant, system_id=system_id, allowed_types=system.event_types).event
        except ingest.Refused as exc:
            await self.reject(msg, tenant, system_id, str(exc), exc.code, None)
            return
        async with self.ctx.uow() as uow:
            seen = await uow.conn.fetchval("SELECT true FROM processed_events WHERE consumer = $1 AND event_id = $2",
                                           consumer, event.id)
        if seen:
            await msg.ack()
            self.count("skipped")
            return
        try:
            token = await self._token(system_id, tenant, system.event_types)
            await self.commands.by_type[event.type](event, (("authorization", f"Bearer {token}"),))
        except Unavailable as exc:
            await self.retry_or_give_up(msg, exc, "unavailable")
            return
        except ingest.Refused as exc:
            await self.reject(msg, tenant, system_id, str(exc), exc.code, event)
            return
        async with self.ctx.uow() as uow:
            await uow.conn.execute("INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                   consumer, event.id)
        await msg.ack()
        self.count("handled")

    async def _token(self, system_id: str, tenant: str, grants: Iterable[str]) -> str:
        """A system token for calls made as the system (carrying exactly the event types
        its registration grants now), reused for half its 2-minute life."""
        now = self.ctx.clock()
        key = f"{system_id}:{','.join(sorted(grants))}"
        hit = self._tokens.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        token = await self.ctx.issuer.issue_system(system_id, tenant, now, ttl_s=120, grants=grants)
        if len(self._tokens) > 10_000:
            self._tokens.clear()
        self._tokens[key] = (token.token, now + timedelta(seconds=60))
        return token.token

    # -- refusals ----------------------------------------------------------------------
    async def give_up(self, msg: Msg, error: str, code: str, delivered: int) -> None:
        """After `max_deliver` failed tries (or any unexpected failure's last try): refused."""
        tenant, system_id = ingest.parse_ingest_subject(msg.subject) or ("unknown", "unknown")
        await self.reject(msg, tenant, system_id, f"could not be applied after {delivered} tries: {error}", code, None)

    async def reject(self, msg: Msg, tenant: str, system_id: str, reason: str, code: str, event: CloudEvent | None) -> None:
        meta = msg.metadata
        event_id = str(event.id) if event else _event_id(msg.data)
        headers = {
            "Nats-Msg-Id": f"rejected:{meta.stream}:{meta.sequence.stream}",
            "Mgov-Error": reason[:2000].replace("\r", " ").replace("\n", " "),
            "Mgov-Error-Code": code,
            "Mgov-Original-Subject": ingest.published_subject(msg.subject),
            "Mgov-System": system_id,
            "Mgov-Event-Id": event_id,
        }
        safe_tenant = tenant if ingest.TENANT_OK(tenant) else "unknown"
        safe_system = system_id if system_id.replace("-", "").isalnum() else "unknown"
        await self.js.publish(f"{ingest.REJECTED_PREFIX}.{safe_tenant}.{safe_system}", msg.data, headers=headers)
        await msg.ack()
        self.count("failed")
        log.warning("ingest event refused", extra={"tenant": tenant, "system": system_id, "code": code, "reason": reason[:300]})


def order_key(msg: Msg) -> str:
    """System, and for a case event the case: what must be applied in publication order."""
    parts = msg.subject.split(".")
    system = parts[3] if len(parts) > 3 else ""
    if msg.subject.endswith((".case.status_changed.v1", ".report.action.v1")):
        obj = safejson.try_loads(msg.data, max_bytes=ingest.MAX_EVENT_BYTES)
        return f"{system}:{obj.get('subject', '')}" if isinstance(obj, dict) else system
    return system


def _event_id(raw: bytes) -> str:
    obj = safejson.try_loads(raw, max_bytes=ingest.MAX_EVENT_BYTES)
    return str(obj.get("id", ""))[:64] if isinstance(obj, dict) else ""
