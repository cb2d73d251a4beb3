"""SLA timers: rows in PostgreSQL, fired exactly once by whichever worker takes them.

Each worker (one per workflow process; any number of replicas) repeatedly takes due,
unfired timers with `SELECT … FOR UPDATE SKIP LOCKED`, and in that same transaction
marks them fired and writes their events to the outbox. Two workers never take the
same row (the lock), a committed row is never taken again (`fired_at`), and a worker
that dies before committing leaves its rows to the next one: exactly once, across
restarts and replicas. "Due" is decided by the injected clock, not the database's.
Breaches escalate: the event names the supervisor role, and the case appears in the
inbox of the tenant's supervisors.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime

import asyncpg

from services.workflow.adapters.uow import UnitOfWork
from mgov_common import metrics
from mgov_common.clock import Clock
from services.workflow.domain.events import sla_event
from services.workflow.domain.roles import ESCALATION_ROLES
from services.workflow.domain.sla import BREACHED, CASE, STATE

log = logging.getLogger(__name__)

_DUE = """
SELECT t.id, t.application_id, t.scope, t.kind, t.state, t.due_at, t.fire_at,
       a.case_number, a.tenant_id, a.status, a.terminal, a.paused_at, a.assignee_id, a.eligible, a.applicant_id, a.kind AS case_kind
  FROM timers t JOIN applications a ON a.id = t.application_id
 WHERE t.fired_at IS NULL AND t.fire_at <= $1 AND ($3::uuid IS NULL OR t.application_id = $3)
 ORDER BY t.fire_at
 LIMIT $2
   FOR UPDATE OF t SKIP LOCKED
"""


class TimerWorker:
    def __init__(self, pool: asyncpg.Pool, clock: Clock, *, worker_id: str | None = None, batch: int = 100, poll_s: float = 1.0) -> None:
        self.pool = pool
        self.clock = clock
        self.worker_id = worker_id or f"timer-{uuid.uuid4().hex[:8]}"
        self.batch = batch
        self.poll_s = poll_s
        self.fired = 0

    async def run_once(self) -> int:
        """Fire what is due now; return how many timers fired (obsolete ones are retired silently)."""
        async with UnitOfWork(self.pool, clock=self.clock) as uow:
            kinds, obsolete = await fire_due(uow, self.clock.now(), self.worker_id, limit=self.batch)
            if not kinds and not obsolete:
                return 0
            await uow.commit()
        self.fired += len(kinds)
        _count(kinds, self.worker_id)
        return len(kinds) + obsolete

    async def run(self) -> None:
        while True:
            try:
                n = await self.run_once()
            except Exception as exc:  # noqa: BLE001 - a lost connection must not end the timers
                log.warning("timer worker failed; retrying", extra={"error": repr(exc)})
                n = 0
            if n < self.batch:
                await asyncio.sleep(self.poll_s)


async def fire_due(uow: UnitOfWork, now: datetime, fired_by: str, *, limit: int = 100,
                   application_id: uuid.UUID | None = None) -> tuple[list[str], int]:
    """Inside `uow`'s transaction: mark the timers due at `now` (of one case, or any) fired
    and record their events; those of a case that left the timed state are retired. The
    kinds fired and how many were retired (counted by the caller once committed)."""
    rows = await uow.conn.fetch(_DUE, now, limit, application_id)
    fired, obsolete, kinds = [], [], []
    for r in rows:
        if r["terminal"] or (r["scope"] == STATE and r["status"] != r["state"]) or (r["scope"] == CASE and r["paused_at"] is not None):
            obsolete.append(r["id"])
            continue
        fired.append(r["id"])
        kinds.append(r["kind"])
        uow.record(sla_event(
            r["kind"], application_id=str(r["application_id"]), case_number=r["case_number"], tenant_id=r["tenant_id"],
            state=r["status"], due_at=r["due_at"], scope=r["scope"], assignee_id=r["assignee_id"],
            eligible_roles=sorted({k.split(":", 1)[1] for k in r["eligible"]}),
            escalate_to_roles=list(ESCALATION_ROLES) if r["kind"] == BREACHED else [], applicant_id=r["applicant_id"],
            case_kind=r["case_kind"], at=r["fire_at"],
        ))
    if fired:
        await uow.conn.execute("UPDATE timers SET fired_at = $2, fired_by = $3 WHERE id = ANY($1)", fired, now, fired_by)
    if obsolete:
        await uow.conn.execute("UPDATE timers SET fired_at = $2, fired_by = $3 WHERE id = ANY($1)", obsolete, now, "obsolete")
    return kinds, len(obsolete)


async def fire_overdue(uow: UnitOfWork, application_id: uuid.UUID, now: datetime) -> None:
    """Before a change re-plans a case's timers (an action, a move, a reopening, a new
    calendar; by a person, a tenant system or a payment): fire those already due, in the
    change's transaction and before the case row changes (a worker may not have come by
    yet, or a demo clock just jumped a day), so a breach that happened is never dropped
    by a change made after it. They are counted once the change commits."""
    kinds, _ = await fire_due(uow, now, "action", application_id=application_id)
    if kinds:
        uow.after_commit(lambda: _count(kinds, "action"))


def _count(kinds: list[str], by: str) -> None:
    breaches = kinds.count(BREACHED)
    metrics.SLA_BREACHES.inc(breaches)
    metrics.SLA_WARNINGS.inc(len(kinds) - breaches)
    if kinds:
        log.info("sla timers fired", extra={"count": len(kinds), "worker": by})
