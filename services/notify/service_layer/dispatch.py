"""From a platform event to notifications: recipients, preferences, templates, rows.

Runs inside the event consumer's transaction, which has already recorded the event id
in `processed_events`; the unique keys (event, recipient) of the inbox and (event,
recipient, channel) of deliveries make a repeat harmless even without it. For each
recipient and channel: skip what the user turned off (never the locked in-app case
outcomes), what the tenant has no template for, and push for users without a device;
render in the recipient's locale and zone, or record `validation_failed` with the
reason; the inbox row and its in-app delivery are `delivered` at once, push and SMS
deliveries wait for the worker (until quiet hours end, for non-urgent templates).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from mgov_common.events.envelope import CloudEvent
from services.notify.adapters.deliveries import NewDelivery
from services.notify.adapters.inbox import Notification
from services.notify.adapters.uow import UnitOfWork
from services.notify.domain import rules
from services.notify.domain.categories import IN_APP, PUSH, TEMPLATE_KEYS
from services.notify.domain.delivery import Status
from services.notify.domain.events import delivery_event
from services.notify.domain.templates import RenderError, Template, choose, localize
from services.notify.service_layer.context import Context

log = logging.getLogger(__name__)
OUTCOMES = ("workflow.application.completed", "workflow.application.rejected")


class UnknownTenant(RuntimeError):
    """The event's tenant is not in the projection yet: retried until identity's event arrives."""


@dataclass
class Result:
    notifications: list[Notification]
    deliveries: int = 0


class Dispatcher:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def handle(self, conn: asyncpg.Connection, event: CloudEvent) -> Result:
        """The consumer's handler: everything the event causes, on the consumer's connection."""
        uow = UnitOfWork.joining(conn)
        kind = ".".join(event.type_parts)
        data = event.data if isinstance(event.data, dict) else {}
        now = self.ctx.clock.now()
        await self._invitations(uow, kind, data, event, now)
        result = Result([])
        for plan in rules.plans_for(kind, data):
            part = await self.deliver(uow, event.id, event.tenant, plan, now)
            result.notifications += part.notifications
            result.deliveries += part.deliveries
        await uow.commit()
        return result

    async def _invitations(self, uow: UnitOfWork, kind: str, data: dict[str, Any], event: CloudEvent, now: datetime) -> None:
        if kind not in (*OUTCOMES, "workflow.rating.received"):
            return
        try:
            app_id = uuid.UUID(str(data["application_id"]))
            applicant, case_number = str(data["applicant_id"]), str(data["case_number"])
        except (KeyError, ValueError) as exc:
            raise rules.BadEvent(f"{kind} lacks {exc}") from None
        if kind == "workflow.rating.received":
            await uow.invitations.cancel(application_id=app_id, applicant_id=applicant, tenant_id=event.tenant,
                                           case_number=case_number, now=now)
        else:
            await uow.invitations.schedule(application_id=app_id, applicant_id=applicant, tenant_id=event.tenant,
                                             case_number=case_number, service_name=data.get("service_name") or {},
                                             due_at=event.time + self.ctx.rating_delay, now=now)

    async def _recipients(self, uow: UnitOfWork, tenant: str, audience: rules.Audience) -> list[str]:
        found = list(audience.users)
        if audience.staff_roles:
            found += await self.ctx.staff.members(tenant, set(audience.staff_roles))
        if audience.notice_subscribers:
            tenants, after = await uow.tenants.subtree(tenant), ""
            while page := await uow.preferences.notice_subscribers(tenants, after=after):
                found += page
                after = page[-1]
        return [u for u in dict.fromkeys(found) if u and u not in audience.exclude]

    async def deliver(self, uow: UnitOfWork, event_id: uuid.UUID, tenant: str, plan: rules.Plan, now: datetime) -> Result:
        """Notify the plan's audience: render per recipient and channel, then write the inbox
        rows and the deliveries of the whole audience in two statements."""
        chain = await self.ctx.cache.get(("chain", tenant), lambda: uow.tenants.chain(tenant), keep_empty=False)
        if not chain:
            raise UnknownTenant(f"tenant {tenant!r} is not known (yet) to notify")
        recipients = await self._recipients(uow, tenant, plan.audience)
        if not recipients:
            return Result([])
        spec = TEMPLATE_KEYS[plan.key]
        chain_ids = [t.id for t in chain]
        candidates = await self.ctx.cache.get(("templates", plan.key, tuple(chain_ids)),
                                              lambda: uow.templates.candidates(plan.key, chain_ids))
        audience = await uow.preferences.audience(recipients)
        channels = self.ctx.channels()
        values = {**plan.values, "tenant_name": chain[0].name}
        inbox_rows: list[tuple[str, str, str, str]] = []
        pending: list[tuple[str, str, Template, str, str, str, datetime | None]] = []
        for user in recipients:
            prefs, has_device = audience[user]
            for channel in channels:
                if not prefs.allows(spec.category, channel) or (channel == PUSH and not has_device):
                    continue
                template = choose(candidates, chain_ids, channel, prefs.locale)
                if template is None:
                    continue
                try:
                    title, body = template.render(localize(values, template.locale, prefs.zone()))
                    error = ""
                except RenderError as exc:
                    title, body = "", ""
                    error = f"template {template.key} v{template.version} ({template.tenant_id}, {template.channel}, {template.locale}): {exc}"
                if channel == IN_APP and not error:
                    inbox_rows.append((user, template.locale, title, body))
                pending.append((user, channel, template, title, body, error, prefs.quiet_until(now, template.urgent)))
        made = await uow.inbox.add_many(event_id=event_id, tenant_id=tenant, category=spec.category, template_key=plan.key,
                                          link=plan.link, data=plan.data, rows=inbox_rows, now=now)
        by_user = {n.recipient_id: n.id for n in made}
        rows = [self._new_delivery(user, channel, template, title, body, error, plan, by_user.get(user), quiet, now)
                for user, channel, template, title, body, error, quiet in pending]
        deliveries = await uow.deliveries.add_many(event_id=event_id, tenant_id=tenant, category=spec.category, template_key=plan.key,
                                                     rows=rows, now=now)
        for d in deliveries:
            if d.status == Status.VALIDATION_FAILED:
                log.warning("notification not rendered", extra={"event_id": str(event_id), "channel": d.channel, "error": d.last_error})
                uow.record(delivery_event(delivered=False, delivery_id=str(d.id), notification_id=None, event_id=str(event_id),
                                            recipient_id=d.recipient_id, tenant_id=tenant, channel=d.channel, category=spec.category,
                                            template_key=plan.key, status=d.status, attempts=0, error=d.last_error))
        return Result(made, sum(1 for d in deliveries if d.channel != IN_APP and d.status == Status.CREATED))

    @staticmethod
    def _new_delivery(user: str, channel: str, template: Template, title: str, body: str, error: str, plan: rules.Plan,
                      notification_id: uuid.UUID | None, quiet_until: datetime | None, now: datetime) -> NewDelivery:
        if error:
            status, next_at = Status.VALIDATION_FAILED, None
        elif channel == IN_APP:
            status, next_at = Status.DELIVERED, None
        else:
            status, next_at = Status.CREATED, quiet_until or now
        payload: dict[str, Any] = {"title": title, "body": body, "link": plan.link, "locale": template.locale,
                                   "template": {"tenant_id": template.tenant_id, "version": template.version}}
        if channel == PUSH:
            payload["data"] = plan.data
        return NewDelivery(user, channel, template.urgent, status, next_at, error, payload, notification_id)
