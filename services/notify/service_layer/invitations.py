"""好差评 invitations: three days (configurable) after a case closes without a rating,
the applicant is invited once.

The timer is a row written in the transaction that handled the outcome event; a
rating cancels it (even one that arrives before the outcome event, by leaving a
cancelled row behind). Due rows are taken with `FOR UPDATE SKIP LOCKED`, the invitation
is created through the usual dispatch under an event id derived from the case, so it
exists once whatever the number of workers or restarts, and the row is marked sent in
the same transaction.
"""

from __future__ import annotations

import uuid

from services.notify.adapters.live import LivePublisher
from services.notify.adapters.uow import UnitOfWork
from services.notify.domain.rules import Audience, Plan
from services.notify.service_layer.dispatch import Dispatcher, UnknownTenant

_NAMESPACE = uuid.UUID("6d0f6a5e-6f0b-4c1e-9a57-2b8f4e8e0a11")


def invitation_event_id(application_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"rating-invitation:{application_id}")


class InvitationWorker:
    def __init__(self, dispatcher: Dispatcher, live: LivePublisher | None, *, batch: int = 100) -> None:
        self.dispatcher = dispatcher
        self.live = live
        self.batch = batch

    async def run_once(self) -> int:
        ctx = self.dispatcher.ctx
        now = ctx.clock.now()
        created = []
        async with UnitOfWork(ctx.pool) as uow:
            rows = await uow.invitations.due(now, self.batch)
            sent = []
            for r in rows:
                link = f"/applications/{r['application_id']}"
                plan = Plan("rating.invitation", Audience(users=(r["applicant_id"],)),
                            {"case_number": r["case_number"], "service_name": r["service_name"], "link": link}, link,
                            {"application_id": str(r["application_id"]), "case_number": r["case_number"]})
                try:
                    result = await self.dispatcher.deliver(uow, invitation_event_id(r["application_id"]), r["tenant_id"], plan, now)
                except UnknownTenant:
                    continue  # stays pending until the tenant projection has it
                created += result.notifications
                sent.append(r["application_id"])
            await uow.invitations.mark_sent(sent, now)
            await uow.commit()
        if self.live is not None and created:
            await self.live.publish(created)
        return len(sent)
