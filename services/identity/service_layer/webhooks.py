"""Outbound webhooks of tenant systems (docs/tenant-systems.md).

A system registered with a webhook receives its tenant's platform events, POSTed as
CloudEvents in the HTTP binding's structured mode (`application/cloudevents+json`)
and signed: `X-Mgov-Timestamp: <unix seconds>` and
`X-Mgov-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, so a
receiver can reject forged and replayed (old timestamp) requests.

Two parts, both in the identity service (which owns the systems and their secrets):

- `fan_out`, run by the durable consumer `FanOut` of `mgov.evt.>`, turns each event
  into one delivery row per active system of the event's tenant that has a webhook, in
  the transaction that records the event as processed (so a redelivered event adds
  nothing). Events of tenants without such a system (most of them) are acknowledged
  without a transaction (`adapters.webhook_tenants`);
- `WebhookWorker` claims the due deliveries (`FOR UPDATE SKIP LOCKED` and a lease, so
  replicas share the work), POSTs them and stores each outcome as it comes: 2xx is
  delivered; anything else, or no
  answer, is tried again after the next step of the stored schedule (`next_attempt_at`),
  and after the last step the delivery is `failed`. Every row is the delivery log the
  tenant admin lists. The clock is injected, so tests move time instead of sleeping.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from mgov_common import db, paging
from mgov_common.errors import InvalidArgument, NotFound, PermissionDenied
from mgov_common.events.consumer import ConsumerSpec, EventConsumer
from mgov_common.events.envelope import CloudEvent
from mgov_common.outbound import OutboundGuard, guarded_client, refusal
from mgov_common.principal import Principal
from mgov_common.retry import Backoff
from services.identity.adapters.webhook_tenants import WebhookTenants
from services.identity.domain import policy
from services.identity.service_layer.access import signed_in
from services.identity.service_layer.context import Context

log = logging.getLogger(__name__)

FAN_OUT = ConsumerSpec(durable="identity-webhooks", filter_subjects=["mgov.evt.>"], deliver_new_only=True)
DEFAULT_SCHEDULE_S = (5.0, 30.0, 120.0, 600.0, 3600.0)
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
UNREACHABLE = "unreachable"
LEASE_S = 60.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


async def fan_out(conn: asyncpg.Connection, event: CloudEvent, now: datetime | None = None) -> None:
    """One pending delivery per active system of the event's tenant with a webhook."""
    rows = await conn.fetch("SELECT id FROM systems WHERE tenant_id = $1 AND status = 'active' AND webhook_url IS NOT NULL",
                            event.tenant)
    if not rows:
        return
    body = event.to_json()
    created = now or datetime.now(event.time.tzinfo)
    await conn.executemany(
        """INSERT INTO webhook_deliveries (id, system_id, tenant_id, event_id, event_type, body, next_attempt_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (system_id, event_id) DO NOTHING""",
        [(uuid.uuid4(), r["id"], event.tenant, event.id, event.type, body, created) for r in rows])


class FanOut(EventConsumer):
    """The fan-out consumer. An event of a tenant with no webhook system has nothing to
    deliver: it is acknowledged without opening a transaction or recording its id (doing
    nothing is idempotent), and without parsing it when its subject
    (`mgov.evt.<tenant>.…`, where every platform event and every admitted system event
    is published) already names such a tenant. The others take the platform's
    exactly-once path, which fans out to the systems of the envelope's tenant."""

    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, clock: Callable[[], datetime],
                 tenants: WebhookTenants | None = None, spec: ConsumerSpec = FAN_OUT) -> None:
        super().__init__(pool, js, spec, lambda conn, ev: fan_out(conn, ev, clock()))
        self.tenants = tenants or WebhookTenants(pool)
        self.shortcuts = 0

    async def handle(self, msg: Msg) -> None:
        parts = msg.subject.split(".", 3)
        if (len(parts) == 4 and parts[:2] == ["mgov", "evt"] and msg.metadata.num_delivered <= self.spec.max_deliver
                and not await self.tenants.has_webhooks(parts[2])):
            await msg.ack()
            self.shortcuts += 1
            self.count("handled")
            return
        await super().handle(msg)

    async def apply(self, event: CloudEvent) -> bool:
        if not await self.tenants.has_webhooks(event.tenant):
            self.shortcuts += 1
            return True
        return await super().apply(event)

    async def close(self) -> None:
        await self.tenants.close()


class WebhookWorker:
    def __init__(self, ctx: Context, pool: asyncpg.Pool, *, schedule_s: Sequence[float] = DEFAULT_SCHEDULE_S,
                 poll_s: float = 0.5, timeout_s: float = 5.0, batch: int = 32,
                 clock: Callable[[], datetime] | None = None, guard: OutboundGuard | None = None) -> None:
        self.ctx = ctx
        self.pool = pool
        self.schedule = tuple(schedule_s)
        self.poll_s = poll_s
        self.batch = batch
        self.clock = clock or ctx.clock
        self.client = guarded_client(guard or OutboundGuard(), timeout_s)
        # A claimed delivery is left to this worker for this long (its POST's timeout
        # and the time to store the outcome); then any replica may take it again.
        self.lease_s = max(LEASE_S, 4 * timeout_s)
        self._secrets: dict[tuple[uuid.UUID, int], tuple[str, str]] = {}

    async def run(self) -> None:
        while True:
            try:
                done = await self.run_once()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("webhook round failed", extra={"error": repr(exc)})
                done = 0
            if done < self.batch:
                await asyncio.sleep(self.poll_s)

    async def run_once(self) -> int:
        """Attempt every due delivery once; returns how many were attempted.

        The due rows are claimed first, in a short transaction of their own that moves
        `next_attempt_at` a lease ahead (so no other replica takes them meanwhile), and
        each outcome is stored as soon as its POST returns. Holding the rows locked in
        one transaction around the POSTs instead meant a worker dying mid-batch (or the
        database restarting) rolled back every outcome of the batch, and the receivers
        got each of its deliveries twice; now only a POST whose answer had not yet been
        stored can be repeated, as with any at-least-once delivery (receivers dedupe by
        the event's `id`)."""
        now = self.clock()
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT d.id, d.system_id, d.body, d.attempts, s.webhook_url, s.status, s.credentials_version
                   FROM webhook_deliveries d JOIN systems s ON s.id = d.system_id
                   WHERE d.status = 'pending' AND d.next_attempt_at <= $1
                   ORDER BY d.next_attempt_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED""", now, self.batch)
            if rows:
                await conn.execute("UPDATE webhook_deliveries SET next_attempt_at = $2 WHERE id = ANY($1)",
                                   [r["id"] for r in rows], now + timedelta(seconds=self.lease_s))
        await asyncio.gather(*(self._deliver(r, now) for r in rows))
        return len(rows)

    async def _deliver(self, r: asyncpg.Record, now: datetime) -> None:
        code, error = await self._attempt(r)
        attempts = r["attempts"] + 1
        if code is not None and 200 <= code < 300:
            sql, args = ("""UPDATE webhook_deliveries SET status = 'delivered', attempts = $3, last_status_code = $4,
                            last_error = NULL, delivered_at = $5, next_attempt_at = NULL
                            WHERE id = $1 AND status = 'pending' AND attempts = $2""", (code, now))
        elif attempts > len(self.schedule) or r["status"] != "active" or not r["webhook_url"]:
            sql, args = ("""UPDATE webhook_deliveries SET status = 'failed', attempts = $3, last_status_code = $4,
                            last_error = $5, next_attempt_at = NULL WHERE id = $1 AND status = 'pending' AND attempts = $2""",
                         (code, error))
        else:
            due = now + timedelta(seconds=self.schedule[attempts - 1])
            sql, args = ("""UPDATE webhook_deliveries SET attempts = $3, last_status_code = $4, last_error = $5,
                            next_attempt_at = $6 WHERE id = $1 AND status = 'pending' AND attempts = $2""", (code, error, due))
        await self._store(r["id"], sql, (r["id"], r["attempts"], attempts, *args))

    async def _store(self, delivery: uuid.UUID, sql: str, args: tuple[Any, ...]) -> None:
        """Store an outcome, waiting out a database that is away for most of the lease
        (a restart): a stored outcome is a POST not repeated."""
        backoff = Backoff(base=0.2, cap=2.0)
        deadline = asyncio.get_running_loop().time() + self.lease_s * 0.8
        while True:
            try:
                async with self.pool.acquire() as conn:
                    await conn.execute(sql, *args)
                return
            except Exception as exc:
                if not db.is_unavailable(exc) or asyncio.get_running_loop().time() > deadline:
                    log.error("could not store a webhook outcome; the delivery will be attempted again",
                              extra={"delivery": str(delivery), "error": repr(exc)})
                    return
            await backoff.sleep()

    async def _secret(self, system_id: uuid.UUID, version: int) -> str | None:
        cached = self._secrets.get((system_id, version))
        if cached is None:
            async with self.ctx.uow() as uow:
                s = await uow.systems.get(system_id)
            from services.identity.service_layer.systems import Systems

            secret = Systems(self.ctx).webhook_secret(s) if s else None
            if secret is None:
                return None
            cached = self._secrets[(system_id, version)] = (secret, "")
        return cached[0]

    async def _attempt(self, r: asyncpg.Record) -> tuple[int | None, str | None]:
        if r["status"] != "active" or not r["webhook_url"]:
            return None, "the system is revoked or has no webhook"
        secret = await self._secret(r["system_id"], r["credentials_version"])
        if secret is None:
            return None, "no webhook secret"
        body = r["body"].encode()
        ts = str(int(self.clock().timestamp()))
        headers = {"content-type": CONTENT_TYPE, "x-mgov-timestamp": ts, "x-mgov-signature": sign(secret, ts, body),
                   "x-mgov-delivery": str(r["id"]), "user-agent": "mgov-webhooks/1"}
        try:
            resp = await self.client.post(r["webhook_url"], content=body, headers=headers)
        except httpx.HTTPError as exc:
            # The log is read by the system's admins: what failed inside the platform's
            # network (refused, connection reset, TLS, timeout) stays in the operators' log.
            log.info("webhook unreachable", extra={"delivery": str(r["id"]), "error": refusal(exc) or type(exc).__name__})
            return None, UNREACHABLE
        return resp.status_code, None if resp.is_success else f"HTTP {resp.status_code}"

    async def close(self) -> None:
        await self.client.aclose()


class DeliveryLog:
    """The delivery log, listed to the tenant's admins."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def list(self, tenant_id: str, system_id: str, page_size: int, page_token: str,
                   principal: Principal | None) -> tuple[list[dict[str, Any]], str]:
        p = signed_in(principal)
        size = paging.page_size(page_size)
        kind = paging.fingerprint("webhook-deliveries", tenant_id, system_id)
        position = self.ctx.pages.decode(kind, page_token, (paging.timestamp, uuid.UUID))
        sid = None
        if system_id:
            try:
                sid = uuid.UUID(system_id)
            except ValueError:
                raise InvalidArgument("not a system id", field="system_id", code="invalid_system_id") from None
        async with self.ctx.uow() as uow:
            path = await uow.tenants.path(tenant_id)
            if not path:
                raise NotFound(f"no tenant {tenant_id!r}", field="tenant_id", code="tenant_not_found")
            if not policy.administers(p, path):
                raise PermissionDenied(f"only admins of {tenant_id} read its webhook deliveries", code="forbidden")
            after = position
            rows = await uow.conn.fetch(
                """SELECT id, system_id, tenant_id, event_id, event_type, status, attempts, last_status_code, last_error,
                          created_at, next_attempt_at, delivered_at
                   FROM webhook_deliveries WHERE tenant_id = $1 AND ($2::uuid IS NULL OR system_id = $2)
                     AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
                   ORDER BY created_at DESC, id DESC LIMIT $5""",
                tenant_id, sid, after[0] if after else None, after[1] if after else None, size + 1)
        more = len(rows) > size
        rows = rows[:size]
        token = self.ctx.pages.encode(kind, [rows[-1]["created_at"].isoformat(), str(rows[-1]["id"])]) if more else ""
        return [dict(r) for r in rows], token
