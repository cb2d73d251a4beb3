"""`IngestConsumer`: a service applying the tenant-system events it owns, from `MGOV_INGEST`.

Admission (`mgov_common.ingest_admission`, a queue group in identity) stores each event
a system published on `mgov.accepted.<tenant>.<system>.<type tokens>`. The service that
owns what a type acts on consumes that type's subjects: workflow the case actions,
catalog the item updates and notices. For every message it

1. takes the tenant and system from the subject (admission wrote it from the subject
   the system published on, which the NATS server allows a system's user only under
   its own prefix, and the gateway publishes HTTP ingest there for the token's system);
2. checks the envelope (size and depth bounded before parsing), a type this consumer
   applies and the one its subject names, the JSON Schema of `data`, and no claim of
   another tenant or system (`mgov_common.ingest.check`), holding no connection;
3. in one transaction: records the event id for the system (`processed_events`, key
   `ingest:<system>`, so one system's id never makes another's event a duplicate; a
   repeat is skipped), checks the system in the local systems projection
   (`mgov_common.systems`: active, of that tenant, registered for the type) and runs
   the service's `apply` hook as the system itself (a `system` principal with the
   registration's grants). The event's effect and its id commit together.

No call to identity or any other service: a stopped identity stops admission of new
events, never the applying of those already admitted.

A refused event (a check above, or a domain error of the hook) is acknowledged and
copied to `mgov.rejected.<tenant>.<system>` (stream `MGOV_REJECTED`) with the reason in
headers, where the tenant admin lists it. A system the projection does not know yet
(its registration event may still be on its way) and a hook that says "not now"
(UNAVAILABLE, RESOURCE_EXHAUSTED) are retried with backoff up to
`max_deliver` times, then refused the same way. Messages are handled in parallel lanes:
those with the same `order_key` (by default one system's events) wait for the one before.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from mgov_common import ingest, safejson
from mgov_common.errors import DomainError
from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.events.envelope import CloudEvent
from mgov_common.events.streams import INGEST_STREAM
from mgov_common.principal import SYSTEM, Principal
from mgov_common.systems import SystemNode, SystemProjection

log = logging.getLogger(__name__)

# The hook: apply `event` as `principal` (the system) on `conn`, inside the consumer's transaction.
Apply = Callable[[asyncpg.Connection, CloudEvent, Principal], Awaitable[None]]
# Domain statuses that mean "not now" rather than "never": the event is tried again.
RETRYABLE = frozenset({"UNAVAILABLE", "RESOURCE_EXHAUSTED"})


class NotKnownYet(Exception):
    """The system is not in the projection (yet): its registration event may follow."""


def ingest_spec(service: str, types: Sequence[str]) -> ConsumerSpec:
    """The durable consumer of `service` for the accepted events of `types`."""
    return ConsumerSpec(durable=f"{service}-ingest", filter_subjects=[ingest.accepted_filter(t) for t in types], stream=INGEST_STREAM)


def principal_of(system: SystemNode) -> Principal:
    """The system as a caller: no role, exactly the grants of its registration."""
    return Principal(subject=str(system.id), tenant=system.tenant_id, kind=SYSTEM, grants=system.event_types)


class IngestConsumer(EventConsumer):
    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, service: str, types: Sequence[str], apply: Apply, *,
                 spec: ConsumerSpec | None = None, max_in_flight: int = 128) -> None:
        unknown = [t for t in types if t not in ingest.SCHEMAS]
        assert not unknown, f"not event types systems publish: {unknown}"
        super().__init__(pool, js, spec or ingest_spec(service, types), None)
        self.types = frozenset(types)
        self.apply_hook = apply
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    # -- scheduling: fetching goes on while up to `max_in_flight` messages are applied --
    def order_key(self, msg: Msg) -> str:
        """What must be applied in publication order: by default all of one system's events."""
        parts = msg.subject.split(".")
        return parts[3] if len(parts) > 3 else ""

    async def handle_batch(self, msgs: list[Msg]) -> None:
        for msg in msgs:
            await self._slots.acquire()
            key = self.order_key(msg)
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

    # -- one message -------------------------------------------------------------------
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
        named = ingest.type_of_subject(msg.subject)
        try:
            if named not in self.types:
                raise ingest.Refused(f"{msg.subject} names no event type this service applies", "unknown_type")
            # Parsing and the schema check hold no database connection; the system's own
            # grants are checked with its registration, in the transaction.
            event = ingest.check(msg.data, tenant=tenant, system_id=system_id, allowed_types=ingest.INGEST_TYPES).event
            if event.type != named:
                raise ingest.Refused(f"the event is a {event.type} but was published on the subject of {named}", "type_mismatch")
        except ingest.Refused as exc:
            await self.reject(msg, tenant, system_id, str(exc), exc.code, None)
            return
        try:
            fresh = await self._apply_once_the_database_answers(msg, event, lambda: self._apply(sid, tenant, event))
        except ingest.Refused as exc:
            await self.reject(msg, tenant, system_id, str(exc), exc.code, event)
            return
        except NotKnownYet as exc:
            await self.retry_or_give_up(msg, exc, "unknown_system")
            return
        except DomainError as exc:
            if exc.status in RETRYABLE:
                await self.retry_or_give_up(msg, exc, exc.code)
            else:
                await self.reject(msg, tenant, system_id, exc.message, exc.code, event)
            return
        await msg.ack()
        self.count("handled" if fresh else "skipped")

    async def _apply(self, sid: uuid.UUID, tenant: str, event: CloudEvent) -> bool:
        """Record the id, check the system, run the hook: one transaction; False for a repeat."""
        assert self.pool is not None
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = await conn.fetchval(
                "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
                f"ingest:{sid}", event.id)
            if not fresh:
                return False
            system = await SystemProjection(conn).get(sid)
            if system is None:
                raise NotKnownYet(f"system {sid} is not known here (yet)")
            if system.tenant_id != tenant or not system.active:
                raise ingest.Refused("no active system of this tenant with this id", "unknown_system")
            ingest.require_granted(event.type, system.event_types)
            await self.apply_hook(conn, event, principal_of(system))
        return True

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
        log.warning("ingest event refused", extra={"consumer": self.spec.durable, "tenant": tenant, "system": system_id,
                                                   "code": code, "reason": reason[:300]})


def subject_of_event(msg: Msg) -> str:
    """The CloudEvent `subject` of a message's body ("" when it has none), read without
    validating: for order keys, before the checks run."""
    obj = safejson.try_loads(msg.data, max_bytes=ingest.MAX_EVENT_BYTES)
    return str(obj.get("subject", ""))[:200] if isinstance(obj, dict) else ""


def _event_id(raw: bytes) -> str:
    obj = safejson.try_loads(raw, max_bytes=ingest.MAX_EVENT_BYTES)
    return str(obj.get("id", ""))[:64] if isinstance(obj, dict) else ""
