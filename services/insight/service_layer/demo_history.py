"""`mgov insight seed --days N`: a month of back-dated demo activity, written as insight's
own demo events through its outbox (domain/demo_history.py says why and what). Demo mode
only: a production platform never gets a synthetic event."""

from __future__ import annotations

from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound
from mgov_common.events import outbox
from mgov_common.events.envelope import CloudEvent
from services.insight.domain.demo_history import DemoItem, History, history
from services.insight.service_layer.context import Context

MAX_DAYS = 90


async def record(ctx: Context, *, demo: bool, tenant_id: str, days: int, seed: int) -> History:
    """The history of the published items of `tenant_id`'s subtree, in one transaction."""
    if not demo:
        raise FailedPrecondition("back-dated demo activity is written on demo platforms only (MGOV_DEMO=1)", code="not_demo")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidArgument(f"days is 1 to {MAX_DAYS}", field="days", code="invalid_days")
    async with ctx.uow() as uow:
        tenants = await uow.tenants.subtree(tenant_id)
        if not tenants:
            raise NotFound(f"no tenant {tenant_id!r}", code="tenant_not_found")
        rows = await uow.conn.fetch("SELECT id, tenant_id, department, name FROM items WHERE status = 'published' "
                                    "AND tenant_id = ANY($1::text[]) ORDER BY tenant_id, id", tenants)
        made = history([DemoItem(r["id"], r["tenant_id"], r["department"], dict(r["name"])) for r in rows], days, seed, ctx.clock.now())
        # Written before and still in the outbox: not again (once published, the consumer's event ids stop a repeat).
        waiting = {r["id"] for r in await uow.conn.fetch("SELECT id FROM outbox WHERE id = ANY($1::uuid[])", [e.id for e in made.events])}
        await outbox.record(uow.conn, *(CloudEvent.new(service="insight", entity=e.entity, verb=e.verb, tenant=e.tenant_id, subject=e.subject,
                                                       data=e.data, event_id=e.id, time=e.time) for e in made.events if e.id not in waiting))
        await uow.commit()
    return made
