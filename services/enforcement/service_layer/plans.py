"""Inspection plans and their 双随机 draws.

A supervisor makes a plan (category, sample, date window, inspector pool) for their
tenant; it covers the subjects of the tenant and every tenant below it. Drawing takes a
seed from the CSPRNG, snapshots the inputs (the eligible subjects with their last
inspection, the pool with categories and conflicts), runs the pure draw, appends the
record to the tenant's hash-chained draw log and assigns the inspections — one
transaction. A redraw needs a supervisor and a reason; it cancels the previous draw's
inspections (none may have started) and both draws stay in the log.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from typing import Any

from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound
from mgov_common.events.domain import DomainEvent
from mgov_common.principal import Principal
from services.enforcement.adapters.registry import Plan
from services.enforcement.adapters.uow import UnitOfWork
from services.enforcement.domain import draw as d
from services.enforcement.domain.chain import link, verify_chain
from services.enforcement.domain.inspection import Inspection
from services.enforcement.domain.subjects import check_category
from services.enforcement.service_layer.context import Context, require_supervisor, scope, visible
from services.enforcement.service_layer.registry import effective_checklist, parse_id

MAX_POOL = 500


def plan_view(p: Plan, progress: dict[str, int] | None = None) -> dict[str, Any]:
    return {**asdict(p), "progress": progress or {}}


async def create_plan(ctx: Context, principal: Principal, tenant_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        name = str(raw.get("name") or "").strip()
        category = check_category(str(raw.get("category") or ""))
        ratio, count = int(raw.get("ratio_percent") or 0), int(raw.get("count") or 0)
        start, end = date.fromisoformat(str(raw.get("start_date"))), date.fromisoformat(str(raw.get("end_date")))
        exclude_days = int(raw.get("exclude_days", 90))
        publish_within = int(raw.get("publish_within_days") or ctx.publish_within_days)
        pool = [str(x) for x in raw.get("inspector_ids") or []]
    except (TypeError, ValueError):
        raise InvalidArgument("a plan needs name, category, ratio_percent or count, start_date and end_date (YYYY-MM-DD)",
                              field="plan", code="invalid_plan") from None
    if not 1 <= len(name) <= 200:
        raise InvalidArgument("a plan's name is 1 to 200 characters", field="name", code="invalid_plan")
    d.sample_size(1, ratio, count)  # exactly one of ratio and count, in range
    if count > 10_000 or end < start or (end - start).days > 366 or not 0 <= exclude_days <= 3650 or not 1 <= publish_within <= 60:
        raise InvalidArgument("a plan's window is at most a year, its end not before its start; exclude_days 0-3650; "
                              "publish_within_days 1-60", field="plan", code="invalid_plan")
    if len(pool) > MAX_POOL or len(set(pool)) != len(pool):
        raise InvalidArgument(f"the inspector pool is at most {MAX_POOL} distinct inspectors", field="inspector_ids", code="invalid_pool")
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await require_supervisor(uow, principal, tenant_id)
        if pool:
            known = {r["user_id"] for r in await uow.registry.inspectors(await uow.tenants.subtree(tenant_id), pool)}
            unknown = [p for p in pool if p not in known]
            if unknown:
                raise InvalidArgument(f"not inspectors of {tenant_id} or below it: {', '.join(unknown[:5])}", field="inspector_ids",
                                      code="unknown_inspector")
        plan = Plan(uuid.uuid4(), tenant_id, name, category, ratio, count, start, end, exclude_days, pool, publish_within, "draft",
                    None, None, principal.subject, now, 1)
        await uow.registry.add_plan(plan)
        await uow.commit()
    return plan_view(plan)


async def _plan(uow: UnitOfWork, principal: Principal, plan_id: str, *, for_update: bool = False) -> Plan:
    plan = await uow.registry.plan(parse_id(plan_id, "plan"), for_update=for_update)
    if plan is None:
        raise NotFound("no such plan", code="not_found")
    await visible(uow, principal, plan.tenant_id, "plan")
    return plan


async def get_plan(ctx: Context, principal: Principal, plan_id: str) -> dict[str, Any]:
    async with ctx.uow(begin=False) as uow:
        plan = await _plan(uow, principal, plan_id)
        progress: dict[str, int] = {}
        for insp in await uow.inspections.of_plan(plan.id):
            progress[insp.status] = progress.get(insp.status, 0) + 1
            if insp.status != "completed" and insp.due_date < ctx.today():
                progress["overdue"] = progress.get("overdue", 0) + 1
        return plan_view(plan, progress)


async def list_plans(ctx: Context, principal: Principal, tenant_id: str, page_size: int) -> list[dict[str, Any]]:
    async with ctx.uow(begin=False) as uow:
        tenants = await scope(uow, principal, tenant_id)
        return [plan_view(p) for p in await uow.registry.plans(tenants, page_size)]


async def _inputs(uow: UnitOfWork, plan: Plan, as_of: date) -> d.DrawInputs:
    tenants = await uow.tenants.subtree(plan.tenant_id) or [plan.tenant_id]
    subjects = tuple(d.Candidate(str(r["id"]), r["category"], r["last_inspected"]) for r in await uow.registry.candidates(tenants, plan.category))
    rows = await uow.registry.inspectors(tenants, plan.inspector_ids or None)
    officers = tuple(d.Officer(r["user_id"], r["certificate"], frozenset(r["categories"]), frozenset(r["conflicts"])) for r in rows)
    return d.DrawInputs(plan.category, as_of, plan.exclude_days, subjects, officers, plan.ratio_percent, plan.sample_count)


async def draw(ctx: Context, principal: Principal, plan_id: str, reason: str = "", *, seed: str | None = None) -> dict[str, Any]:
    """The plan's draw (or, with a reason, its redraw); `seed` only for tests' fixed vectors."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        plan = await _plan(uow, principal, plan_id, for_update=True)
        await require_supervisor(uow, principal, plan.tenant_id)
        previous = [r for r in await uow.registry.draws_of_plan(plan.id) if r["current"]]
        kind = "redraw" if previous else "draw"
        if kind == "redraw":
            if not 5 <= len(reason.strip()) <= 500:
                raise InvalidArgument("a redraw needs a reason (5 to 500 characters); both draws stay on record",
                                      field="reason", code="reason_required")
            if await uow.inspections.started_of_draw(previous[0]["id"]):
                raise FailedPrecondition("inspections of this draw have started: it can no longer be redrawn", code="draw_in_use")
            await uow.inspections.cancel_of_draw(previous[0]["id"])
        elif reason:
            raise InvalidArgument("the first draw of a plan takes no reason", field="reason", code="unexpected_reason")
        inputs = await _inputs(uow, plan, ctx.today())
        seed = seed or d.new_seed()
        result = d.run_draw(seed, inputs)
        if not result.picks:
            raise FailedPrecondition("no subject of the category can be drawn (none, or all inspected recently)", code="nothing_to_draw")
        count, head = await uow.registry.draw_head(plan.tenant_id)
        draw_id = uuid.uuid4()
        entry = link({"seq": count + 1, "draw_id": str(draw_id), "plan_id": str(plan.id), "tenant_id": plan.tenant_id, "kind": kind,
                      "seed": seed, "algorithm": d.ALGORITHM, "inputs": inputs.to_json(), "inputs_digest": inputs.digest(),
                      "result": result.to_json(), "result_digest": result.digest(), "reason": reason.strip(), "by": principal.subject,
                      "time": now.isoformat(timespec="milliseconds").replace("+00:00", "Z")}, head)
        await uow.registry.append_draw(plan.tenant_id, plan.id, entry)
        for pick in result.picks:
            subject = await uow.registry.subject(uuid.UUID(pick.subject_id))
            assert subject is not None
            _, version, items = await effective_checklist(uow, subject["tenant_id"], plan.category)
            insp = Inspection(uuid.uuid4(), subject["tenant_id"], plan.id, subject["id"], pick.inspector_ids, plan.category, items,
                              version, plan.end_date)
            insp.events.append(_assigned(insp))
            await uow.inspections.add(insp, now, draw_id)
        await uow.registry.set_plan_status(plan.id, "drawn")
        await uow.commit()
    return {"draw_id": str(draw_id), "kind": kind, "seq": entry["seq"], "seed": seed, "eligible": result.eligible,
            "picks": result.to_json()["picks"], "unstaffed": list(result.unstaffed), "hash": entry["hash"]}


async def list_draws(ctx: Context, principal: Principal, plan_id: str) -> list[dict[str, Any]]:
    """The plan's draws and redraws, oldest first, from the draw log: each pick with its
    subject's name and the inspectors' certificates recorded in the draw's inputs."""
    async with ctx.uow(begin=False) as uow:
        plan = await _plan(uow, principal, plan_id)
        rows = await uow.registry.draws_of_plan(plan.id)
        ids = {uuid.UUID(p["subject_id"]) for r in rows for p in r["entry"]["result"]["picks"]}
        names = await uow.registry.subject_names(sorted(ids))
    out = []
    for r in rows:
        e = r["entry"]
        certs = {o["id"]: o["certificate"] for o in e["inputs"]["officers"]}
        picks = [{**p, "subject_name": names.get(p["subject_id"], ""), "certificates": [certs.get(i, "") for i in p["inspector_ids"]]}
                 for p in e["result"]["picks"]]
        out.append({"draw_id": str(r["id"]), "kind": e["kind"], "seq": e["seq"], "seed": e["seed"], "eligible": e["result"]["eligible"],
                    "picks": picks, "unstaffed": e["result"]["unstaffed"], "hash": e["hash"], "current": r["current"],
                    "reason": e.get("reason", ""), "time": e["time"]})
    return out


def _assigned(insp: Inspection) -> DomainEvent:
    # The pair's 待办: notify and the app read who has a new inspection from this event.
    return DomainEvent("inspection", "assigned", insp.tenant_id, str(insp.id),
                       {"inspection_id": str(insp.id), "inspector_ids": list(insp.inspector_ids), "due_date": insp.due_date.isoformat(),
                        "category": insp.category})


async def verify(ctx: Context, principal: Principal | None, plan_id: str) -> dict[str, Any]:
    """Re-run every draw of the plan from its recorded seed and inputs, and walk the
    tenant's draw log. `principal` None: the operator's CLI on the database itself."""
    async with ctx.uow(begin=False) as uow:
        if principal is None:
            plan = await uow.registry.plan(parse_id(plan_id, "plan"))
            if plan is None:
                raise NotFound("no such plan", code="not_found")
        else:
            plan = await _plan(uow, principal, plan_id)
        draws = await uow.registry.draws_of_plan(plan.id)
        entries, head_count, head_hash = await uow.registry.draw_chain(plan.tenant_id)
    results = []
    for r in draws:
        e = r["entry"]
        try:
            v = d.verify_draw(e["seed"], e["inputs"], e["inputs_digest"], e["result"])
            ok, why = v.ok, v.reason
        except (InvalidArgument, FailedPrecondition, KeyError, ValueError) as exc:
            ok, why = False, f"the recorded draw cannot be re-run: {exc}"
        results.append({"draw_id": str(r["id"]), "seq": e.get("seq"), "kind": e.get("kind"), "current": r["current"], "ok": ok, "reason": why})
    breaks = [str(b) for b in verify_chain(entries, head_count, head_hash)]
    ok = bool(results) and all(x["ok"] for x in results) and not breaks
    return {"plan_id": str(plan.id), "ok": ok, "draws": results, "log_breaks": breaks}
