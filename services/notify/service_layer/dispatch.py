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

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from mgov_common.events.envelope import CloudEvent
from services.notify.adapters import chunk
from services.notify.adapters.deliveries import Created, NewDelivery
from services.notify.adapters.inbox import NewNotification, Notification
from services.notify.adapters.uow import UnitOfWork
from services.notify.domain import rules
from services.notify.domain.categories import IN_APP, PUSH, SMS, TEMPLATE_KEYS
from services.notify.domain.delivery import Status
from services.notify.domain.events import delivery_event
from services.notify.domain.templates import RenderError, Template, choose, localize
from services.notify.service_layer.context import Context

log = logging.getLogger(__name__)
OUTCOMES = ("workflow.application.completed", "workflow.application.rejected")
INVITING = (*OUTCOMES, "workflow.rating.received")  # the events that schedule or cancel a rating invitation
PHONE_REF = "phone:"  # a recipient known by a phone's pseudonym only (identity resolves it at send time)


class UnknownTenant(RuntimeError):
    """The event's tenant is not in the projection yet: retried until identity's event arrives."""


@dataclass
class Result:
    notifications: list[Notification]
    deliveries: int = 0


@dataclass(frozen=True)
class Job:
    """One plan of one event (or of an invitation)."""

    event_id: uuid.UUID
    tenant: str
    plan: rules.Plan


@dataclass
class _Prepared:
    job: Job
    chain: list[Any]
    recipients: list[str]
    candidates: list[Template]


@dataclass
class _Rendered:
    """What `_render` made of a list of jobs: the inbox rows, and per (recipient, channel)
    the text or the reason it could not be rendered, waiting to be written."""

    prepared: list[_Prepared | None]
    inbox_rows: list[NewNotification] = field(default_factory=list)
    pending: list[tuple[_Prepared, str, str, Template, str, str, str, datetime | None]] = field(default_factory=list)


def _kind(event: CloudEvent) -> str:
    return ".".join(event.type_parts)


def _data(event: CloudEvent) -> dict[str, Any]:
    return event.data if isinstance(event.data, dict) else {}


def _jobs(events: list[CloudEvent]) -> tuple[list[Job], list[int]]:
    """The events' plans as jobs, and for each job the index of its event."""
    jobs: list[Job] = []
    owners: list[int] = []
    for i, event in enumerate(events):
        for plan in rules.plans_for(_kind(event), _data(event)):
            jobs.append(Job(event.id, event.tenant, plan))
            owners.append(i)
    return jobs, owners


def _per_event(count: int, owners: list[int], parts: list[Result]) -> list[Result]:
    """The jobs' Results gathered per event."""
    results = [Result([]) for _ in range(count)]
    for owner, part in zip(owners, parts, strict=True):
        results[owner].notifications += part.notifications
        results[owner].deliveries += part.deliveries
    return results


class Dispatcher:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def handle(self, conn: asyncpg.Connection, event: CloudEvent) -> Result:
        """The consumer's handler: everything the event causes, on the consumer's connection."""
        return (await self.handle_many(conn, [event]))[0]

    async def handle_many(self, conn: asyncpg.Connection, events: list[CloudEvent]) -> list[Result]:
        """Everything `events` cause, on the consumer's connection (inside its transaction):
        the audience's preferences read once, and the inbox rows and deliveries of all of
        them written in one statement each."""
        uow = UnitOfWork.joining(conn)
        now = self.ctx.clock.now()
        for event in events:
            await self._invitations(uow, _kind(event), _data(event), event, now)
        jobs, owners = _jobs(events)
        results = _per_event(len(events), owners, await self.deliver_many(uow, jobs, now))
        await uow.commit()
        return results

    async def record_and_handle(self, pool: asyncpg.Pool, consumer: str,
                                events: list[CloudEvent]) -> tuple[set[uuid.UUID], list[Result]] | None:
        """`handle_many` for a chunk of first deliveries (distinct ids) that writes nothing
        but notifications and deliveries: the ids recorded for `consumer` and the rows of
        the fresh events written by one statement, its own transaction
        (`adapters.chunk`); what is read first (tenants, templates, staff, the audience)
        is read outside it, as in the transaction path it is read before the writes.
        The fresh ids and one Result per event (empty for an event that was not fresh).
        None, having written nothing, when the chunk needs the transaction path: an
        event that schedules or cancels a rating invitation, or a notification that
        could not be rendered (its delivery event goes to the outbox)."""
        if any(_kind(e) in INVITING for e in events):
            return None
        now = self.ctx.clock.now()
        jobs, owners = _jobs(events)
        async with UnitOfWork(pool, begin=False) as uow:  # reads, then the one statement
            rendered = await self._render(uow, jobs, now)
            if any(error for *_, error, _ in rendered.pending):
                return None
            ids = [uuid.uuid4() for _ in rendered.inbox_rows]
            made_for = {(n.event_id, n.recipient_id): i for i, n in zip(ids, rendered.inbox_rows, strict=True)}
            fresh, made, created = await chunk.record_and_write(
                uow.conn, consumer, [e.id for e in events], ids, rendered.inbox_rows, self._deliveries(rendered, made_for, now), now)
        return fresh, _per_event(len(events), owners, self._results(uow, jobs, rendered, made, created))

    async def _invitations(self, uow: UnitOfWork, kind: str, data: dict[str, Any], event: CloudEvent, now: datetime) -> None:
        if kind not in INVITING:
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
        """Notify one plan's audience (see `deliver_many`)."""
        return (await self.deliver_many(uow, [Job(event_id, tenant, plan)], now))[0]

    async def _prepare(self, uow: UnitOfWork, job: Job) -> _Prepared | None:
        chain = await self.ctx.cache.get(("chain", job.tenant), lambda: uow.tenants.chain(job.tenant), keep_empty=False)
        if not chain:
            raise UnknownTenant(f"tenant {job.tenant!r} is not known (yet) to notify")
        recipients = await self._recipients(uow, job.tenant, job.plan.audience)
        if not recipients:
            return None
        chain_ids = [t.id for t in chain]
        candidates = await self.ctx.cache.get(("templates", job.plan.key, tuple(chain_ids)),
                                              lambda: uow.templates.candidates(job.plan.key, chain_ids))
        return _Prepared(job, chain, recipients, candidates)

    async def deliver_many(self, uow: UnitOfWork, jobs: list[Job], now: datetime) -> list[Result]:
        """Notify each job's audience: render per recipient and channel, then write the inbox
        rows and the deliveries of every job in two statements. One Result per job."""
        rendered = await self._render(uow, jobs, now)
        made = await uow.inbox.add_many(rendered.inbox_rows, now)
        made_for = {(n.event_id, n.recipient_id): n.id for n in made}
        created = await uow.deliveries.add_many(self._deliveries(rendered, made_for, now), now)
        return self._results(uow, jobs, rendered, made, created)

    async def _render(self, uow: UnitOfWork, jobs: list[Job], now: datetime) -> _Rendered:
        """Each job's recipients, their preferences (one query for all), and per recipient
        and channel the rendered text or the reason it could not be rendered."""
        prepared = [await self._prepare(uow, job) for job in jobs]
        users = list(dict.fromkeys(u for p in prepared if p is not None for u in p.recipients))
        audience = await uow.preferences.audience(users) if users else {}
        channels = self.ctx.channels()
        rendered = _Rendered(prepared)
        for p in prepared:
            if p is None:
                continue
            job, plan = p.job, p.job.plan
            spec = TEMPLATE_KEYS[plan.key]
            chain_ids = [t.id for t in p.chain]
            values = {**plan.values, "tenant_name": p.chain[0].name}
            data_json = json.dumps(plan.data, ensure_ascii=False)
            for user in p.recipients:
                prefs, has_device = audience[user]
                by_phone = user.startswith(PHONE_REF)  # a reporter without an account: no inbox, no device, no settings; SMS
                for channel in channels:
                    if (channel != SMS) if by_phone else (not prefs.allows(spec.category, channel) or (channel == PUSH and not has_device)):
                        continue
                    template = choose(p.candidates, chain_ids, channel, prefs.locale)
                    if template is None:
                        continue
                    try:
                        title, body = template.render(localize(values, template.locale, prefs.zone()))
                        error = ""
                    except RenderError as exc:
                        title, body = "", ""
                        error = f"template {template.key} v{template.version} ({template.tenant_id}, {template.channel}, {template.locale}): {exc}"
                    if channel == IN_APP and not error:
                        rendered.inbox_rows.append(NewNotification(job.event_id, user, job.tenant, spec.category, plan.key, template.locale,
                                                                   title, body, plan.link, plan.data, data_json))
                    rendered.pending.append((p, user, channel, template, title, body, error, prefs.quiet_until(now, template.urgent)))
        return rendered

    def _deliveries(self, rendered: _Rendered, made_for: dict[tuple[uuid.UUID, str], uuid.UUID], now: datetime) -> list[NewDelivery]:
        """A delivery per rendered (recipient, channel), referring to the recipient's
        notification of the event in `made_for`."""
        return [self._new_delivery(p.job, user, channel, template, title, body, error, made_for.get((p.job.event_id, user)), quiet, now)
                for p, user, channel, template, title, body, error, quiet in rendered.pending]

    @staticmethod
    def _results(uow: UnitOfWork, jobs: list[Job], rendered: _Rendered, made: list[Notification], created: list[Created]) -> list[Result]:
        """One Result per job from what was written; a delivery that could not be
        rendered is logged and its event recorded (for the outbox, at `uow.commit`)."""
        results = {id(job): Result([]) for job in jobs}
        by_event: dict[tuple[uuid.UUID, str], Result] = {}
        for p in rendered.prepared:
            if p is not None:
                by_event.setdefault((p.job.event_id, p.job.plan.key), results[id(p.job)])
        # A notification or delivery belongs to the first job of its event with its template key.
        for n in made:
            by_event[(n.event_id, n.template_key)].notifications.append(n)
        for d in created:
            if d.status == Status.VALIDATION_FAILED:
                log.warning("notification not rendered", extra={"event_id": str(d.event_id), "channel": d.channel, "error": d.last_error})
                uow.record(delivery_event(delivered=False, delivery_id=str(d.id), notification_id=None, event_id=str(d.event_id),
                                          recipient_id=d.recipient_id, tenant_id=d.tenant_id, channel=d.channel, category=d.category,
                                          template_key=d.template_key, status=d.status, attempts=0, error=d.last_error))
            elif d.channel != IN_APP and d.status == Status.CREATED:
                by_event[(d.event_id, d.template_key)].deliveries += 1
        return [results[id(job)] for job in jobs]

    @staticmethod
    def _new_delivery(job: Job, user: str, channel: str, template: Template, title: str, body: str, error: str,
                      notification_id: uuid.UUID | None, quiet_until: datetime | None, now: datetime) -> NewDelivery:
        plan = job.plan
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
        return NewDelivery(job.event_id, job.tenant, TEMPLATE_KEYS[plan.key].category, plan.key, user, channel, template.urgent, status,
                           next_at, error, payload, notification_id)
