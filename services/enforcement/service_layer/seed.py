"""The demo's field inspections (demo mode only), idempotently, from `seed/demo.json`:
Xihu's food businesses (24 subjects, four of them individual businesses), a food
checklist of Xihu's own (the tenant tree may not be projected yet at start), Xihu's inspectors (the staff identity says hold `inspector` there, each
given a certificate number) and a random-inspection plan drawn at once, so each demo
inspector has tasks in the app after `make run`.

Under an advisory lock, and skipped when the demo plan exists: a second start or a
second replica adds nothing. An inspector already registered (by an administrator) is
left as it is. Identity may still be starting: its staff list is asked again for a while.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc

from mgov_common.errors import AlreadyExists
from mgov_common.principal import Principal, RoleBinding
from services.enforcement.adapters.staff import Staff
from services.enforcement.service_layer import plans, registry
from services.enforcement.service_layer.context import Context

log = logging.getLogger(__name__)
SEED = Path(__file__).resolve().parent.parent / "seed" / "demo.json"
ACTOR = "demo-seed"


def _as(tenant_id: str, role: str) -> Principal:
    return Principal(subject=ACTOR, tenant=tenant_id, roles=frozenset({RoleBinding(tenant_id, role)}))


async def _staff(staff: Staff, tenant_id: str, attempts: int, wait_s: float) -> list[tuple[str, str]]:
    for n in range(attempts):
        try:
            return await staff.inspectors(tenant_id)
        except grpc.aio.AioRpcError as exc:
            if n == attempts - 1:
                raise
            log.info("identity not ready for the demo seed; asking again", extra={"code": exc.code().name})
            await asyncio.sleep(wait_s)
    return []


async def seed_demo(ctx: Context, staff: Staff, *, attempts: int = 60, wait_s: float = 1.0) -> dict[str, Any]:
    """What was added: subjects, inspectors, the plan's picks (nothing on a second run)."""
    raw = json.loads(SEED.read_text(encoding="utf-8"))
    async with ctx.pool.acquire() as conn:  # a session lock: the seed's own units of work run under it
        await conn.execute("SELECT pg_advisory_lock(hashtext('mgov-enforcement:seed'))")
        try:
            return await _seed(ctx, staff, raw, attempts, wait_s)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext('mgov-enforcement:seed'))")


async def _seed(ctx: Context, staff: Staff, raw: dict[str, Any], attempts: int, wait_s: float) -> dict[str, Any]:
    tenant, category = raw["tenant_id"], raw["category"]
    supervisor = _as(tenant, "supervisor")
    async with ctx.uow(begin=False) as uow:
        plan = next((p for p in await uow.registry.plans([tenant], 500) if p.name == raw["plan"]["name"]), None)
    if plan is not None and plan.status != "draft":
        return {"subjects": 0, "inspectors": 0, "picks": 0}
    people = await _staff(staff, tenant, attempts, wait_s)
    for spec in raw["subjects"]:
        await registry.save_subject(ctx, supervisor, tenant, spec)
    checklist = raw["checklist"]
    async with ctx.uow(begin=False) as uow:
        has_checklist = await uow.registry.checklist([checklist["tenant_id"]], category) is not None
    if not has_checklist:
        await registry.publish_checklist(ctx, _as(checklist["tenant_id"], "supervisor"), checklist["tenant_id"], category,
                                         checklist["checks"])
    async with ctx.uow(begin=False) as uow:
        known = {r["user_id"] for r in await uow.registry.inspectors([tenant])}
    added = 0
    for n, (user_id, _) in enumerate(people, start=1):
        if user_id not in known:
            try:
                await registry.set_inspector(ctx, supervisor, tenant, user_id, f"ZJ33010609{n:02d}", [category])
                added += 1
            except AlreadyExists:  # an administrator gave that number to someone else
                log.warning("demo inspector not registered: certificate taken", extra={"user_id": user_id})
    today = ctx.today()
    spec = raw["plan"]
    if plan is None:  # else a start that failed before drawing left it
        plan_id = str((await plans.create_plan(ctx, supervisor, tenant, {
            "name": spec["name"], "category": category, "ratio_percent": spec["ratio_percent"], "exclude_days": spec["exclude_days"],
            "start_date": today.isoformat(), "end_date": (today + timedelta(days=spec["window_days"])).isoformat()}))["id"])
    else:
        plan_id = str(plan.id)
    drawn = await plans.draw(ctx, supervisor, plan_id)
    out = {"subjects": len(raw["subjects"]), "inspectors": added, "picks": len(drawn["picks"])}
    log.info("demo field inspections seeded", extra=out)
    return out
