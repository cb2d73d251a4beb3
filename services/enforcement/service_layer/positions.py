"""Supervisors' view of the teams on duty: where each pair under way last said it was.

The inspector's app reports the phone's position while an inspection is under way, and
only when the inspector agreed to share it; each report replaces that officer's previous
one for the inspection. Supervisors and administrators of the tenant or above see the
teams under way in it and below with those positions; anyone else gets NOT_FOUND (another
city, a clerk) or PERMISSION_DENIED (an inspector of the tenant)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mgov_common.principal import Principal
from services.enforcement.domain.evidence import Position
from services.enforcement.service_layer.context import Context, require_supervisor
from services.enforcement.service_layer.inspections import load, view

MAX_TEAMS = 200


async def report(ctx: Context, principal: Principal, inspection_id: str, at: Position) -> datetime:
    """Store the caller's position for the inspection; the server's receipt time."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        insp = await load(uow, principal, inspection_id)
        insp.reports_position(principal.subject)
        await uow.positions.put(insp.id, principal.subject, at, now)
        await uow.commit()
    return now


async def teams(ctx: Context, principal: Principal, tenant_id: str, page_size: int) -> list[dict[str, Any]]:
    """The teams under way in the tenant and below, each with its officers' last positions."""
    async with ctx.uow(begin=False) as uow:
        await require_supervisor(uow, principal, tenant_id)
        tenants = await uow.tenants.subtree(tenant_id) or [tenant_id]
        ids = await uow.positions.under_way(tenants, min(page_size, MAX_TEAMS))
        where: dict[Any, list[dict[str, Any]]] = {}
        for r in await uow.positions.of(ids):
            where.setdefault(r["inspection_id"], []).append(dict(r))
        out = []
        for inspection_id in ids:
            v = await view(uow, await load(uow, None, str(inspection_id)))
            certs = dict(zip(v["inspection"].inspector_ids, v["certificates"]))
            officers = [{**p, "certificate": certs.get(p["inspector_id"], "")} for p in where.get(inspection_id, [])]
            out.append({**v, "officers": officers})
        return out
