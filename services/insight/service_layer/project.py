"""Applying one event to the aggregates, inside the consumer's transaction.

The live consumer applies a fetched chunk of events at a time (`apply_chunk`, in one
transaction: the submissions of a run of them opened by one statement, every other
event by `apply`); `rebuild` calls `apply` per event. Both go in stream order, and a
chunk changes the tables exactly as its events applied one by one would, so a rebuild
gives the same tables the live consumer made. Every change is keyed so that applying the same
fact twice cannot count twice (cases, rectifications, items are upserts; counters move
only when the row they describe changed), though the consumer's event-id record already
stops a repeat before it gets here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import asyncpg

from mgov_common.calendars import BadCalendarEvent, CalendarProjection, parse_calendar
from mgov_common.events.envelope import CloudEvent
from mgov_common.tenants import TenantProjection
from mgov_common.working_days import WorkingCalendar, day_start, local_date
from services.insight.adapters.aggregates import Aggregates, OpenedCase
from services.insight.domain import facts
from services.insight.domain.facts import BadEvent, day_of

log = logging.getLogger(__name__)
DAY_S = 86400.0
# A promised limit's due time may fall after the finish: the calendar is read this far beyond it.
CALENDAR_AHEAD_DAYS = 120

# Subjects of MGOV_EVENTS insight reads (the tenant is the first wildcard).
EVENT_SUBJECTS = [
    "mgov.evt.*.workflow.application.submitted",
    "mgov.evt.*.workflow.application.transitioned",
    "mgov.evt.*.workflow.application.completed",
    "mgov.evt.*.workflow.application.rejected",
    "mgov.evt.*.workflow.sla.breached",
    "mgov.evt.*.workflow.rating.received",
    "mgov.evt.*.workflow.rectification.opened",
    "mgov.evt.*.workflow.rectification.closed",
    "mgov.evt.*.catalog.item.published",
    "mgov.evt.*.catalog.item.retired",
    "mgov.evt.*.catalog.notice.published",
    "mgov.evt.*.workflow.calendar.updated",
    "mgov.evt.*.identity.system.registered",
    "mgov.evt.*.identity.system.revoked",
    "mgov.evt.*.identity.user.signed_in",
    "mgov.evt.*.identity.user.disabled",
    "mgov.evt.*.insight.usage.recorded",
]
# Subjects of MGOV_INGEST: whatever a tenant system sent and admission accepted.
INGEST_SUBJECTS = ["mgov.accepted.>"]


def _kind(event: CloudEvent) -> str:
    """`workflow.application.submitted` from `mgov.workflow.application.submitted.v1`."""
    return event.type.removeprefix("mgov.").rsplit(".v", 1)[0]


async def apply(conn: asyncpg.Connection, event: CloudEvent) -> None:
    kind = _kind(event)
    handler = _HANDLERS.get(kind)
    if handler is not None:
        await handler(Aggregates(conn), event)


def is_submission(event: CloudEvent) -> bool:
    return _kind(event) == "workflow.application.submitted"


def _opened(event: CloudEvent) -> OpenedCase:
    """The case a submission opens (what `_submitted` writes, for `open_cases`)."""
    f = facts.case_fact("submitted", event.data)
    return OpenedCase(f.case_id, f.tenant_id or event.tenant, f.item_id, f.department, f.channel, event.time, f.case_due_at,
                      day_of(event.time), ",".join(r for r in f.eligible_roles if "," not in r))


async def apply_chunk(conn: asyncpg.Connection, events: Sequence[CloudEvent]) -> None:
    """Apply `events` in stream order: each run of submissions by one statement (most of
    the platform's events, and the ones every submission brings), any other event by
    `apply`. A case submitted twice in a run is opened by its first submission."""
    run: dict[uuid.UUID, OpenedCase] = {}
    for event in events:
        if not is_submission(event):
            if run:
                await Aggregates(conn).open_cases(list(run.values()))
                run = {}
            await apply(conn, event)
            continue
        case = _opened(event)
        run.setdefault(case.id, case)
    if run:
        await Aggregates(conn).open_cases(list(run.values()))


async def record_submissions(conn: asyncpg.Connection, consumer: str, events: Sequence[CloudEvent]) -> set[uuid.UUID]:
    """A chunk of nothing but submissions: their ids recorded for `consumer` and the
    fresh ones applied as `apply_chunk` would, in one statement. The fresh ids."""
    return await Aggregates(conn).record_and_open_cases(consumer, [(e.id, _opened(e)) for e in events])


async def apply_ingest(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """A tenant system's accepted event: a sign of life of the system (source tenant/<t>/<id>)."""
    _, _, system_id = event.source.partition("/")[2].partition("/")
    if system_id:
        await Aggregates(conn).system_seen(system_id, event.time)


async def _submitted(agg: Aggregates, event: CloudEvent) -> None:
    f = facts.case_fact("submitted", event.data)
    tenant = f.tenant_id or event.tenant
    if await agg.open_case(f.case_id, tenant, f.item_id, f.department, f.channel, event.time, f.case_due_at, f.eligible_roles):
        await agg.add(day_of(event.time), tenant, f.item_id, f.channel, f.department, submitted=1)
        await agg.item_applied(f.item_id, event.time)


async def _transitioned(agg: Aggregates, event: CloudEvent) -> None:
    f = facts.case_fact("transitioned", event.data)
    case = await agg.case(f.case_id)
    if case is None:
        return  # submitted before insight's stream history: nothing to attach it to
    if f.case_due_at is not None:
        await agg.set_due(f.case_id, f.case_due_at)
    if not f.terminal:
        await agg.case_moved(f.case_id, f.eligible_roles, event.time)
    if f.clock_paused and await agg.mark_supplemented(f.case_id):
        await agg.add(day_of(event.time), case["tenant_id"], case["item_id"], case["channel"], case["department"], supplemented=1)
    if f.terminal and f.action == "withdraw":
        await _finish(agg, case, event.time, "withdrawn", f.case_due_at)


async def _finish(agg: Aggregates, case: asyncpg.Record, at: datetime, outcome: str, due_at: datetime | None) -> None:
    due = due_at or case["due_at"]
    cal = await calendar_of(agg.conn, case["tenant_id"], case["submitted_at"], at)
    if due is None:
        # No due time from workflow: the item's promised limit from submission, in the
        # tenant's working days (no 补正 pauses known here).
        limit = await agg.promised_limit(case["item_id"])
        due = cal.due_after(case["submitted_at"], limit) if limit is not None else None
    on_time = due is None or at <= due
    days = cal.working_seconds(case["submitted_at"], at) / DAY_S
    if await agg.finish_case(case["id"], at, outcome, on_time, days):
        await agg.add(day_of(at), case["tenant_id"], case["item_id"], case["channel"], case["department"],
                      **{outcome: 1, "on_time": int(on_time)})


async def calendar_of(conn: asyncpg.Connection, tenant: str, start: datetime, end: datetime) -> WorkingCalendar:
    """The case tenant's working calendar from `start` to `end` (its own days, else its
    nearest ancestor's: holidays off, 调休 weekends on), as workflow counts time limits."""
    chain = [n.id for n in await TenantProjection(conn).chain(tenant)] or [tenant]
    return await CalendarProjection(conn).calendar(chain, local_date(start), local_date(end) + timedelta(days=CALENDAR_AHEAD_DAYS))


async def working_days(conn: asyncpg.Connection, tenant: str, start: datetime, end: datetime) -> float:
    return (await calendar_of(conn, tenant, start, end)).working_seconds(start, end) / DAY_S


async def _outcome(agg: Aggregates, event: CloudEvent, outcome: str) -> None:
    f = facts.case_fact(outcome, event.data)
    case = await agg.case(f.case_id)
    if case is not None:
        await _finish(agg, case, event.time, outcome, f.case_due_at)


async def _completed(agg: Aggregates, event: CloudEvent) -> None:
    await _outcome(agg, event, "completed")


async def _rejected(agg: Aggregates, event: CloudEvent) -> None:
    await _outcome(agg, event, "rejected")


async def _breached(agg: Aggregates, event: CloudEvent) -> None:
    data = event.data if isinstance(event.data, dict) else {}
    try:
        case_id = uuid.UUID(str(data.get("application_id")))
    except ValueError:
        raise BadEvent("data.application_id must be a UUID") from None
    case = await agg.case(case_id)
    if case is not None:
        await agg.add(day_of(event.time), case["tenant_id"], case["item_id"], case["channel"], case["department"], sla_breaches=1)


async def _rated(agg: Aggregates, event: CloudEvent) -> None:
    f = facts.rating_fact(event.data)
    case = await agg.case(f.case_id)
    tenant, channel = (case["tenant_id"], case["channel"]) if case is not None else (event.tenant, "app")
    await agg.add(day_of(event.time), tenant, f.item_id, channel, f.department, ratings=1, rating_sum=f.score, negative=int(f.score <= 2))


async def _rectification_opened(agg: Aggregates, event: CloudEvent) -> None:
    f = facts.rectification_fact(event.data)
    case = await agg.case(f.case_id)
    item = case["item_id"] if case is not None else None
    if await agg.rectification_opened(f.id, event.tenant, item, f.department, f.due_at, event.time) and case is not None:
        await agg.add(day_of(event.time), case["tenant_id"], case["item_id"], case["channel"], case["department"], rect_opened=1)


async def _rectification_closed(agg: Aggregates, event: CloudEvent) -> None:
    f = facts.rectification_fact(event.data)
    row = await agg.rectification_closed(f.id)
    if row is not None and row["item_id"] is not None:
        case = await agg.case(f.case_id)
        channel = case["channel"] if case is not None else "app"
        await agg.add(day_of(event.time), row["tenant_id"], row["item_id"], channel, row["department"], rect_closed=1)


async def _item_published(agg: Aggregates, event: CloudEvent) -> None:
    f = facts.item_fact(event.data)
    await agg.item_published(f.id, f.tenant_id or event.tenant, f.code, f.name, f.department, f.promised_limit_days, event.time)


async def _item_retired(agg: Aggregates, event: CloudEvent) -> None:
    await agg.item_retired(facts.item_fact(event.data).id)


async def _system_registered(agg: Aggregates, event: CloudEvent) -> None:
    data = event.data if isinstance(event.data, dict) else {}
    sid = data.get("id")
    if not isinstance(sid, str) or not sid:
        raise BadEvent("data.id must be the system's id")
    await agg.system_registered(sid[:64], event.tenant, str(data.get("name") or "")[:200], event.time)


async def _system_revoked(agg: Aggregates, event: CloudEvent) -> None:
    data = event.data if isinstance(event.data, dict) else {}
    if isinstance(data.get("id"), str):
        await agg.system_revoked(data["id"][:64])


async def _signed_in(agg: Aggregates, event: CloudEvent) -> None:
    f = facts.account_fact(event.data)
    if facts.is_staff(f.roles):
        await agg.signed_in(f.user_id, event.tenant, f.roles, event.time)


async def _disabled(agg: Aggregates, event: CloudEvent) -> None:
    data = event.data if isinstance(event.data, dict) else {}
    try:
        await agg.account_disabled(uuid.UUID(str(data.get("user_id"))), True)
    except ValueError:
        raise BadEvent("data.user_id must be a UUID") from None


async def _usage(agg: Aggregates, event: CloudEvent) -> None:
    f = facts.usage_fact(event.data)
    owner = await agg.item_department(f.item_id)
    if owner is None:
        return
    tenant, department = owner
    counter = "guide_views" if f.kind == "guide_viewed" else "started"
    await agg.add(day_of(event.time), tenant, f.item_id, "app", department, **{counter: 1})


async def _notice_published(agg: Aggregates, event: CloudEvent) -> None:
    """A notice counts from when it appeared (a backdated document date is not an update)."""
    f = facts.notice_fact(event.data)
    await agg.notice_published(f.id, f.tenant_id or event.tenant, f.title, event.time)


async def _calendar_updated(agg: Aggregates, event: CloudEvent) -> None:
    """A tenant's calendar year: stored unless a newer one is, then the working days of the
    finished cases it touches (the tenant's and those below it) are counted again."""
    try:
        tenant, year, days = parse_calendar(event)
    except BadCalendarEvent as exc:
        raise BadEvent(str(exc)) from None
    if not await CalendarProjection(agg.conn).replace_year(tenant, year, days, event.time):
        return
    tree = await TenantProjection(agg.conn).subtree(tenant) or [tenant]
    for case in await agg.finished_cases(tree, day_start(date(year, 1, 1)), day_start(date(year + 1, 1, 1))):
        await agg.set_working_days(case["id"], await working_days(agg.conn, case["tenant_id"], case["submitted_at"], case["finished_at"]))


_HANDLERS = {
    "workflow.application.submitted": _submitted,
    "workflow.application.transitioned": _transitioned,
    "workflow.application.completed": _completed,
    "workflow.application.rejected": _rejected,
    "workflow.sla.breached": _breached,
    "workflow.rating.received": _rated,
    "workflow.rectification.opened": _rectification_opened,
    "workflow.rectification.closed": _rectification_closed,
    "catalog.item.published": _item_published,
    "catalog.item.retired": _item_retired,
    "catalog.notice.published": _notice_published,
    "workflow.calendar.updated": _calendar_updated,
    "identity.system.registered": _system_registered,
    "identity.system.revoked": _system_revoked,
    "identity.user.signed_in": _signed_in,
    "identity.user.disabled": _disabled,
    "insight.usage.recorded": _usage,
}
