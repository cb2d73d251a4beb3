"""The delivery worker: claims due push and SMS deliveries, sends them, records outcomes.

One pass (`run_once`), driven by the injected clock:

1. In one transaction, take up to `batch` due rows with `FOR UPDATE SKIP LOCKED` (other
   workers and replicas skip them); push back non-urgent ones whose recipient is in
   quiet hours (to the window's end) and those over their tenant's rate (to the next
   token); mark the rest `sending` with a lease and one more attempt. Commit.
2. Send outside any transaction (no lock or connection is held over the network).
3. Record each outcome (`domain.delivery.decide`), guarded by the attempt number, and
   put `delivered` / `failed` events in the outbox for deliveries that ended.

A worker that dies between 1 and 3 leaves rows `sending`; when their lease ends they
are due again and attempted once more (at-least-once; the SMS body carries the
delivery id so a gateway can drop the repeat).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import grpc

from services.notify.adapters.deliveries import Delivery
from services.notify.adapters.push import PushMessage
from services.notify.adapters.sms import SmsMessage
from services.notify.adapters.uow import UnitOfWork
from services.notify.domain.categories import PUSH, SMS
from services.notify.domain.delivery import FINAL, Outcome, SendResult, Status, check_transition, decide
from services.notify.domain.events import delivery_event
from services.notify.service_layer.context import Context
from mgov_common import metrics

log = logging.getLogger(__name__)


class DeliveryWorker:
    def __init__(self, ctx: Context, *, batch: int = 100, concurrency: int = 16) -> None:
        self.ctx = ctx
        self.batch = batch
        self._limit = asyncio.Semaphore(concurrency)
        self.wake = asyncio.Event()
        self.sent = 0
        self._deliveries: metrics.Children[Any] = metrics.Children(metrics.NOTIFICATION_DELIVERIES)

    async def run_once(self) -> int:
        """Claim, send and record one batch; return how many deliveries were attempted."""
        claimed = await self._claim(self.ctx.clock.now())
        if not claimed:
            return 0
        results = await asyncio.gather(*(self._send_guarded(d) for d in claimed))
        await self._record(list(zip(claimed, results, strict=True)))
        self.sent += len(claimed)
        return len(claimed)

    async def _claim(self, now: datetime) -> list[Delivery]:
        async with UnitOfWork(self.ctx.pool) as uow:
            due = await uow.deliveries.due(now, self.batch)
            if not due:
                return []
            prefs = await uow.preferences.get_many(sorted({d.recipient_id for d in due if not d.urgent}))
            later: dict[datetime, list[Delivery]] = defaultdict(list)
            groups: dict[tuple[str, str], list[Delivery]] = defaultdict(list)
            for d in due:
                until = None if d.urgent else prefs[d.recipient_id].quiet_until(now, False)
                if until is not None:
                    later[until].append(d)
                else:
                    groups[(d.tenant_id, d.channel)].append(d)
            ready: list[Delivery] = []
            for (tenant, channel), rows in groups.items():
                bucket = self.ctx.rates.get(channel)
                if bucket is None:
                    ready += rows
                    continue
                state = await uow.deliveries.bucket(tenant, channel)
                tokens, elapsed = (bucket.burst, 0.0) if state is None else (state[0], (now - state[1]).total_seconds())
                granted, left, wait = bucket.take(tokens, elapsed, len(rows))
                await uow.deliveries.save_bucket(tenant, channel, left, now)
                ready += rows[:granted]
                if granted < len(rows):
                    later[now + timedelta(seconds=wait)] += rows[granted:]
            for until, rows in later.items():
                await uow.deliveries.postpone([d.id for d in rows], until, now)
            if ready:
                await uow.deliveries.start([d.id for d in ready], now, now + self.ctx.send_lease)
            await uow.commit()
        return [replace(d, attempts=d.attempts + 1, status=Status.SENDING.value) for d in ready]

    async def _send_guarded(self, d: Delivery) -> SendResult:
        async with self._limit:
            try:
                return await self._send(d)
            except Exception as exc:  # noqa: BLE001 - any failure of ours is a technical failure, never a crash
                log.exception("delivery failed unexpectedly", extra={"delivery_id": str(d.id), "channel": d.channel})
                return SendResult(Outcome.TECHNICAL, f"{type(exc).__name__}: {exc}"[:500])

    async def _send(self, d: Delivery) -> SendResult:
        if d.channel == SMS:
            return await self._send_sms(d)
        if d.channel == PUSH:
            return await self._send_push(d)
        return SendResult(Outcome.TECHNICAL, f"nothing sends channel {d.channel}")

    async def _send_sms(self, d: Delivery) -> SendResult:
        if self.ctx.sms is None:
            return SendResult(Outcome.TECHNICAL, "no SMS provider is configured")
        try:
            contact = await self.ctx.contacts.contact(d.recipient_id)
        except grpc.aio.AioRpcError as exc:
            return SendResult(Outcome.TEMPORARY, f"identity unavailable for the phone number: {exc.code().name}")
        if contact is None or not contact.phone:
            return SendResult(Outcome.PERMANENT, "the recipient has no phone number")
        if not contact.active:
            return SendResult(Outcome.PERMANENT, "the recipient's account is disabled")
        message = SmsMessage(str(d.id), contact.phone, self.ctx.sms_sign_name, d.template_key, str(d.payload.get("body", "")), d.tenant_id)
        return await self.ctx.sms.send(message)

    async def _send_push(self, d: Delivery) -> SendResult:
        async with UnitOfWork(self.ctx.pool) as uow:
            devices = await uow.devices.of_user(d.recipient_id)
        providers = {p: provider for provider in self.ctx.push for p in provider.platforms}
        usable = [dev for dev in devices if dev.platform in providers]
        if not usable:
            return SendResult(Outcome.PERMANENT, "the recipient has no device a configured provider can reach")
        p = d.payload
        message = PushMessage(str(d.notification_id or d.id), str(p.get("title", "")), str(p.get("body", "")), str(p.get("link", "")),
                              d.category, d.urgent, data=p.get("data") or {})
        results = await asyncio.gather(*(providers[dev.platform].send(dev, message) for dev in usable))
        gone = [dev.id for dev, r in zip(usable, results, strict=True) if r.gone]
        if gone:
            async with UnitOfWork(self.ctx.pool) as uow:
                for device_id in gone:
                    await uow.devices.delete(device_id)
                await uow.commit()
        outcomes = [r.result for r in results]
        dest = f"{len(usable)} device(s)"
        ok = [r for r in outcomes if r.outcome is Outcome.OK]
        if ok:
            return SendResult(Outcome.OK, "", ok[0].provider_message_id, dest)
        detail = "; ".join(r.detail for r in outcomes)[:500]
        for outcome in (Outcome.TEMPORARY, Outcome.TECHNICAL):
            if any(r.outcome is outcome for r in outcomes):
                return SendResult(outcome, detail, destination=dest)
        return SendResult(Outcome.PERMANENT, detail, destination=dest)

    async def _record(self, done: list[tuple[Delivery, SendResult]]) -> None:
        now = self.ctx.clock.now()
        outcomes: list[tuple[str, str]] = []
        async with UnitOfWork(self.ctx.pool) as uow:
            for d, result in done:
                decision = decide(result, d.attempts, now, self.ctx.retry)
                check_transition(Status.SENDING, decision.status)
                row = await uow.deliveries.finish(d.id, d.attempts, status=decision.status, next_attempt_at=decision.next_attempt_at,
                                                    error=decision.error, destination=result.destination,
                                                    provider_message_id=result.provider_message_id, now=now)
                if row is None:
                    log.warning("delivery moved on during its attempt", extra={"delivery_id": str(d.id)})
                    continue
                outcomes.append((d.channel, decision.status.value))
                if decision.status in FINAL:
                    uow.record(delivery_event(
                        delivered=decision.status is Status.DELIVERED, delivery_id=str(d.id),
                        notification_id=str(d.notification_id) if d.notification_id else None, event_id=str(d.event_id),
                        recipient_id=d.recipient_id, tenant_id=d.tenant_id, channel=d.channel, category=d.category,
                        template_key=d.template_key, status=decision.status.value, attempts=d.attempts, error=decision.error))
                if decision.status is not Status.DELIVERED:
                    log.info("delivery attempt failed", extra={"delivery_id": str(d.id), "channel": d.channel,
                                                               "status": decision.status.value, "error": decision.error[:200]})
            await uow.commit()
        # Counted once recorded; an attempt whose outcome was not recorded is attempted again.
        for labels in outcomes:
            self._deliveries.get(labels).inc()

    async def run(self, poll_s: float = 1.0, also: Sequence[Callable[[], Awaitable[int]]] = ()) -> None:
        """Work until cancelled; `also` are further passes (rating invitations) run each loop."""
        while True:
            n = 0
            try:
                n = await self.run_once()
                for extra in also:
                    n += await extra()
            except Exception as exc:  # noqa: BLE001 - a lost connection must not end the worker
                log.warning("delivery worker failed; retrying", extra={"error": repr(exc)})
            if n == 0:
                self.wake.clear()
                try:
                    async with asyncio.timeout(poll_s):
                        await self.wake.wait()
                except TimeoutError:
                    pass
