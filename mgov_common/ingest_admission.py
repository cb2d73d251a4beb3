"""Admission: the one way a tenant system's event gets onto the bus.

A system publishes on `mgov.ingest.<tenant>.<system>.<...>` as before (a JetStream
publish from its client library is a request, answered with a publish
acknowledgement). No stream listens there; this admission does, in a queue group, and
answers in the same shape, so systems see no difference. For each event it

- refuses one on a subject that names no event type systems publish (422
  `unknown_type`: the subject's type decides which service applies the event), one
  larger than `ingest.MAX_EVENT_BYTES` (413) or over its system's quota (429, with the
  seconds to wait): answered with an error, and recorded in
  `mgov.rejected.<tenant>.<system>` with the reason (only the first KiB of the body, so
  refusals cannot be used to fill the rejected stream);
- stores the others in `MGOV_INGEST` on `mgov.accepted.<tenant>.<system>.<...>`, with
  the message id scoped to the tenant and system (`<tenant>.<system>.<id>`), so one
  system's id never makes another's event a duplicate (JetStream deduplicates ids
  across a whole stream, and the id is the publisher's choice).

Admission runs in identity, in front of the bus (it answers for systems' credentials);
it makes no call to another service, and what it stored is applied by the service that
owns the type (`mgov_common.ingest_consumer`) even while identity is away.

The HTTP route `POST /v1/tenants/{t}/events` sends its events through the same
subject (a request from the gateway), so both paths share the quotas. The NATS server
lets a system publish only under its own prefix, so the subject names its credential.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from mgov_common import ingest
from mgov_common.quota import QuotaBook, QuotaExceeded, Quotas

log = logging.getLogger(__name__)
QUEUE = "mgov-ingest-admission"
_KEEP_ON_REFUSAL = 1024


class Admission:
    def __init__(self, nc: NATS, quotas: Quotas, *, clock: Callable[[], float] = time.time, max_in_flight: int = 1024) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self.book = QuotaBook(quotas)
        self.clock = clock
        self._slots = asyncio.Semaphore(max_in_flight)
        self._sub: Subscription | None = None
        self._acks: set[asyncio.Task[None]] = set()
        self.admitted = 0
        self.refused = 0

    async def start(self) -> None:
        self._sub = await self.nc.subscribe(f"{ingest.INGEST_PREFIX}.>", queue=QUEUE, cb=self._on_msg)
        await self.nc.flush()

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()
        await asyncio.gather(*self._acks, return_exceptions=True)

    async def _on_msg(self, msg: Msg) -> None:
        """Checks and the publish are sent in arrival order (a system's events keep
        their order in the stream); the wait for each acknowledgement runs apart."""
        try:
            where = ingest.parse_ingest_subject(msg.subject)
            if where is None:
                await self._answer(msg, _error(400, "invalid_subject", "not mgov.ingest.<tenant>.<system>.<type>"))
                return
            tenant, system_id = where
            data = msg.data or b""
            if ingest.type_of_subject(msg.subject) is None:
                # Each type's service consumes its own subjects: one naming no type would lie unread.
                await self._refuse(msg, tenant, system_id, 422, "unknown_type",
                                   f"the subject names no event type systems publish ({', '.join(ingest.INGEST_TYPES)})")
                return
            if len(data) > ingest.MAX_EVENT_BYTES:
                await self._refuse(msg, tenant, system_id, 413, "payload_too_large", f"an event is at most {ingest.MAX_EVENT_BYTES // 1024} KiB")
                return
            try:
                self.book.charge(f"{tenant}.{system_id}", len(data), self.clock())
            except QuotaExceeded as exc:
                await self._refuse(msg, tenant, system_id, 429, "quota_exceeded", str(exc), exc.retry_after_s)
                return
            headers = {"Mgov-Original-Subject": msg.subject}
            msg_id = (msg.headers or {}).get("Nats-Msg-Id")
            if msg_id:
                headers["Nats-Msg-Id"] = f"{tenant}.{system_id}.{msg_id[:128]}"
            if (msg.headers or {}).get("traceparent"):
                headers["traceparent"] = msg.headers["traceparent"]  # type: ignore[index]
            await self._slots.acquire()
            try:
                future = await self.js.publish_async(ingest.accepted_subject(msg.subject), data, headers=headers)
            except BaseException:
                self._slots.release()
                raise
            task = asyncio.create_task(self._acknowledge(msg, future))
            self._acks.add(task)
            task.add_done_callback(self._acks.discard)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the system hears it and may retry; nothing stored
            log.warning("could not admit an ingest event", extra={"subject": msg.subject, "error": repr(exc)})
            await self._answer(msg, _error(503, "ingest_unavailable", "the event could not be stored; try again"))

    async def _acknowledge(self, msg: Msg, future: "asyncio.Future[object]") -> None:
        try:
            async with asyncio.timeout(5.0):
                ack = await future
            self.admitted += 1
            await self._answer(msg, {"stream": ack.stream, "seq": ack.seq, "duplicate": bool(ack.duplicate)})  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - not stored: the system may publish it again
            log.warning("could not store an ingest event", extra={"subject": msg.subject, "error": repr(exc)})
            await self._answer(msg, _error(503, "ingest_unavailable", "the event could not be stored; try again"))
        finally:
            self._slots.release()

    async def _refuse(self, msg: Msg, tenant: str, system_id: str, status: int, code: str, reason: str, retry_after_s: int = 0) -> None:
        self.refused += 1
        headers = {"Mgov-Error": reason, "Mgov-Error-Code": code, "Mgov-Original-Subject": msg.subject, "Mgov-System": system_id,
                   "Mgov-Event-Id": ((msg.headers or {}).get("Nats-Msg-Id") or "")[:64]}
        try:
            await self.js.publish(f"{ingest.REJECTED_PREFIX}.{tenant}.{system_id}", (msg.data or b"")[:_KEEP_ON_REFUSAL], headers=headers)
        except Exception as exc:  # noqa: BLE001 - the refusal still goes back to the system
            log.warning("could not record a refused ingest event", extra={"subject": msg.subject, "error": repr(exc)})
        await self._answer(msg, _error(status, code, reason, retry_after_s))

    async def _answer(self, msg: Msg, body: dict[str, object]) -> None:
        if msg.reply:
            try:
                await self.nc.publish(msg.reply, json.dumps(body).encode())
            except Exception as exc:  # noqa: BLE001 - the requester times out and may retry
                log.info("could not answer an ingest publish", extra={"error": repr(exc)})


def _error(status: int, code: str, description: str, retry_after_s: int = 0) -> dict[str, object]:
    """An error answer as JetStream gives one (clients raise it from `error`, whose keys
    they take as they are), and beside it our stable code and the seconds to wait."""
    ours: dict[str, object] = {"code": code}
    if retry_after_s:
        ours["retry_after_s"] = retry_after_s
    return {"error": {"code": status, "err_code": 0, "description": description}, "mgov": ours}
