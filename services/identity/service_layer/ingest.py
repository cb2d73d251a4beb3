"""The ingest router: events of tenant systems from `MGOV_INGEST` turned into commands.

Identity owns the systems (their tenants and registered event types) and signs the
platform's tokens, so it is the member gate of the bus, like an X-Road security
server: for each message on `mgov.ingest.<tenant>.<system>.<...>` it

1. attributes it to the tenant and system named by the subject (the NATS server lets a
   system's user publish only under its own prefix, and the gateway publishes HTTP
   ingest there for the token's system), refusing a body claiming another tenant;
2. checks the system is active, the type registered, the envelope and the JSON Schema
   of `data` (`mgov_common.ingest.check`);
3. skips an event id it already applied for that system (`processed_events`, key
   `ingest:<system>`; the stream also drops a re-sent `Nats-Msg-Id` within its window);
4. applies the command as the system itself: a short-lived system token, then the
   owning service's RPC with the event id as its idempotency key (`request_id`), so the
   case action, localisation or notice is attributed to the system and applied once
   even if this process dies between the call and its record.

A refused event is acknowledged and copied to `mgov.rejected.<tenant>.<system>` (stream
`MGOV_REJECTED`) with the reason in headers, where the tenant admin lists it. A command
the owning service cannot take now (unavailable) is retried with backoff, then refused.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import grpc
import nats.errors
from google.protobuf import json_format
from google.protobuf.field_mask_pb2 import FieldMask
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from mgov.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from mgov.common.v1 import common_pb2
from mgov.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from mgov_common import ingest
from mgov_common.events.envelope import CloudEvent
from mgov_common.events.streams import INGEST_STREAM
from services.identity.service_layer.context import Context

log = logging.getLogger(__name__)

DURABLE = "identity-ingest"
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED,
              grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}


class Retry(Exception):
    """The owning service could not take the command now; redeliver later."""


@dataclass
class IngestStats:
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0


def _rpc_reason(err: grpc.aio.AioRpcError) -> tuple[str, str]:
    code = err.code().name.lower()
    for key, value in err.trailing_metadata() or ():
        if key == "mgov-error-bin":
            detail = common_pb2.ErrorDetail()
            try:
                detail.ParseFromString(value)
                code = detail.code or code
            except Exception:  # noqa: BLE001 - the reason text is enough
                pass
    return code, err.details() or code


def _mask_paths(fields: dict[str, object], prefix: str = "", depth: int = 0) -> list[str]:
    paths: list[str] = []
    for key, value in fields.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and depth < 1 and key == "guide":
            paths += _mask_paths(value, path + ".", depth + 1)
        else:
            paths.append(path)
    return paths


class IngestRouter:
    def __init__(self, ctx: Context, js: JetStreamContext, workflow: grpc.aio.Channel, catalog: grpc.aio.Channel, *,
                 max_deliver: int = 5, backoff_s: tuple[float, ...] = (0.5, 2.0, 10.0, 30.0), batch: int = 64,
                 max_in_flight: int = 128) -> None:
        self.ctx = ctx
        self.js = js
        self.workflow = workflow_pb2_grpc.WorkflowServiceStub(workflow)
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(catalog)
        self.max_deliver = max_deliver
        self.backoff_s = backoff_s
        self.batch = batch
        self.max_in_flight = max_in_flight
        self.stats = IngestStats()
        self._tokens: dict[str, tuple[str, datetime]] = {}
        self._appliers: dict[str, Callable[[CloudEvent, tuple[tuple[str, str], ...]], Awaitable[None]]] = {
            ingest.CASE_STATUS_CHANGED: self._case_status_changed,
            ingest.NOTICE_PUBLISHED: self._notice_published,
            ingest.ITEM_UPDATED: self._item_updated,
        }

    async def ensure(self) -> None:
        cfg = ConsumerConfig(durable_name=DURABLE, filter_subject=f"{ingest.INGEST_PREFIX}.>", ack_policy=AckPolicy.EXPLICIT,
                             ack_wait=30.0, max_deliver=-1, deliver_policy=DeliverPolicy.ALL, max_ack_pending=1000)
        try:
            await self.js.consumer_info(INGEST_STREAM, DURABLE)
        except NotFoundError:
            await self.js.add_consumer(INGEST_STREAM, cfg)

    async def run(self) -> None:
        await self.ensure()
        sub = await self.js.pull_subscribe_bind(durable=DURABLE, stream=INGEST_STREAM)
        try:
            await self._loop(sub)
        finally:
            try:
                await sub.unsubscribe()
            except Exception:  # noqa: BLE001 - an already closed connection is fine here
                pass

    async def _loop(self, sub: object) -> None:
        # Fetching goes on while earlier messages are applied: up to `max_in_flight` at
        # once. Events with the same order key (one system's events about one case, all
        # of one system's other events) are chained, each waiting for the one before.
        slots = asyncio.Semaphore(self.max_in_flight)
        tails: dict[str, asyncio.Task[None]] = {}
        running: set[asyncio.Task[None]] = set()
        backoff = 0.5
        try:
            while True:
                try:
                    msgs = await sub.fetch(self.batch, timeout=1.0)  # type: ignore[attr-defined]
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                except Exception as exc:  # noqa: BLE001 - a lost connection must not end the router
                    log.warning("ingest fetch failed; retrying", extra={"error": repr(exc)})
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                backoff = 0.5
                for msg in msgs:
                    await slots.acquire()
                    key = _order_key(msg)
                    task = asyncio.create_task(self._after(tails.get(key), msg, slots))
                    tails[key] = task
                    running.add(task)
                    task.add_done_callback(lambda t, k=key: (running.discard(t), tails.pop(k, None) if tails.get(k) is t else None))
        finally:
            for task in list(running):
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def _after(self, previous: asyncio.Task[None] | None, msg: Msg, slots: asyncio.Semaphore) -> None:
        try:
            if previous is not None:
                await asyncio.wait([previous])
            try:
                await self.handle(msg)
            except (nats.errors.Error, OSError) as exc:
                log.warning("could not settle an ingest message; it will be redelivered", extra={"error": repr(exc)})
            except Exception:  # noqa: BLE001 - an unexpected failure: redelivered after ack_wait, logged here
                log.exception("ingest handler failed; the message will be redelivered")
        finally:
            slots.release()

    async def handle(self, msg: Msg) -> None:
        delivered = msg.metadata.num_delivered
        where = ingest.parse_ingest_subject(msg.subject)
        if where is None:
            await self._reject(msg, "unknown", "unknown", "not an ingest subject", "invalid_subject", None)
            return
        tenant, system_id = where
        try:
            sid = uuid.UUID(system_id)
        except ValueError:
            await self._reject(msg, tenant, system_id, "no such system", "unknown_system", None)
            return
        consumer = f"ingest:{system_id}"
        async with self.ctx.uow() as uow:
            system = await uow.systems.get(sid)
            seen = await uow.conn.fetchval("SELECT true FROM processed_events WHERE consumer = $1 AND event_id = $2",
                                           consumer, _uuid_or_none(_event_id(msg.data)))
        if system is None or system.tenant_id != tenant or not system.active:
            await self._reject(msg, tenant, system_id, "no active system of this tenant with this id", "unknown_system", None)
            return
        try:
            accepted = ingest.check(msg.data, tenant=tenant, system_id=system_id, allowed_types=system.event_types)
        except ingest.Refused as exc:
            await self._reject(msg, tenant, system_id, str(exc), exc.code, None)
            return
        event = accepted.event
        if seen:
            self.stats.duplicates += 1
            await msg.ack()
            return
        try:
            token = await self._token(system_id, tenant, system.event_types)
            await self._appliers[event.type](event, (("authorization", f"Bearer {token}"),))
        except Retry as exc:
            if delivered >= self.max_deliver:
                await self._reject(msg, tenant, system_id, f"could not be applied after {delivered} tries: {exc}", "unavailable", event)
            else:
                steps = self.backoff_s
                await msg.nak(delay=steps[min(delivered - 1, len(steps) - 1)] if steps else 0.0)
            return
        except ingest.Refused as exc:
            await self._reject(msg, tenant, system_id, str(exc), exc.code, event)
            return
        async with self.ctx.uow() as uow:
            await uow.conn.execute("INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                   consumer, event.id)
        self.stats.applied += 1
        await msg.ack()

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

    async def _call(self, rpc: Callable[..., Awaitable[object]], request: object, metadata: tuple[tuple[str, str], ...]) -> object:
        try:
            return await rpc(request, metadata=metadata)
        except grpc.aio.AioRpcError as err:
            if err.code() in _RETRYABLE:
                raise Retry(f"{err.code().name}: {err.details()}") from None
            code, text = _rpc_reason(err)
            raise ingest.Refused(text, code) from None

    async def _case_status_changed(self, event: CloudEvent, md: tuple[tuple[str, str], ...]) -> None:
        data = event.data
        version = data.get("expected_version")
        for attempt in range(3):
            if not version or attempt:
                app = await self._call(self.workflow.GetApplication, workflow_pb2.GetApplicationRequest(application_id=str(event.subject)), md)
                version = app.version  # type: ignore[attr-defined]
            try:
                await self._call(self.workflow.PerformAction, workflow_pb2.PerformActionRequest(
                    application_id=str(event.subject), action=data["action"], comment=data.get("comment", ""),
                    expected_version=int(version), request_id=str(event.id)), md)
                return
            except ingest.Refused as exc:
                # The case moved between our read and the action: read again, unless the system named its version.
                if exc.code not in ("stale_version", "version_mismatch", "aborted") or data.get("expected_version"):
                    raise
        raise ingest.Refused("the case kept changing; try again", "stale_version")

    async def _notice_published(self, event: CloudEvent, md: tuple[tuple[str, str], ...]) -> None:
        data = event.data
        await self._call(self.catalog.PublishNotice, catalog_pb2.PublishNoticeRequest(
            tenant_id=event.tenant, title=common_pb2.LocalizedText(**data["title"]), body=common_pb2.LocalizedText(**data["body"]),
            category=data.get("category", "announcement"), request_id=str(event.id)), md)

    async def _item_updated(self, event: CloudEvent, md: tuple[tuple[str, str], ...]) -> None:
        data = event.data
        item = catalog_pb2.ServiceItem()
        try:
            json_format.ParseDict(data["fields"], item, ignore_unknown_fields=False)
        except json_format.ParseError as exc:
            raise ingest.Refused(f"fields are not those of a service item: {exc}", "invalid_data") from None
        draft = await self._call(self.catalog.CreateDraft, catalog_pb2.CreateDraftRequest(
            tenant_id=event.tenant, base_item_id=data["service_id"], item=item,
            update_mask=FieldMask(paths=_mask_paths(data["fields"])), request_id=str(event.id)), md)
        if data.get("publish", True):
            await self._call(self.catalog.PublishItem, catalog_pb2.PublishItemRequest(service_id=draft.id), md)  # type: ignore[attr-defined]

    async def _reject(self, msg: Msg, tenant: str, system_id: str, reason: str, code: str, event: CloudEvent | None) -> None:
        meta = msg.metadata
        event_id = str(event.id) if event else _event_id(msg.data)
        headers = {
            "Nats-Msg-Id": f"rejected:{meta.stream}:{meta.sequence.stream}",
            "Mgov-Error": reason[:2000].replace("\r", " ").replace("\n", " "),
            "Mgov-Error-Code": code,
            "Mgov-Original-Subject": msg.subject,
            "Mgov-System": system_id,
            "Mgov-Event-Id": event_id,
        }
        safe_tenant = tenant if ingest.TENANT_OK(tenant) else "unknown"
        await self.js.publish(f"{ingest.REJECTED_PREFIX}.{safe_tenant}.{system_id if system_id.replace('-', '').isalnum() else 'unknown'}",
                              msg.data, headers=headers)
        await msg.ack()
        self.stats.rejected += 1
        log.warning("ingest event refused", extra={"tenant": tenant, "system": system_id, "code": code, "reason": reason[:300]})


def _order_key(msg: Msg) -> str:
    """System, and for a case event the case: what must be applied in publication order."""
    parts = msg.subject.split(".")
    system = parts[3] if len(parts) > 3 else ""
    if msg.subject.endswith(".case.status_changed.v1"):
        try:
            obj = json.loads(msg.data)
            return f"{system}:{obj.get('subject', '')}" if isinstance(obj, dict) else system
        except (ValueError, UnicodeDecodeError):
            return system
    return system


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _event_id(raw: bytes) -> str:
    try:
        obj = json.loads(raw)
        return str(obj.get("id", ""))[:64] if isinstance(obj, dict) else ""
    except (ValueError, UnicodeDecodeError):
        return ""
