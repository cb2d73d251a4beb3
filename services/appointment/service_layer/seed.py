"""Demo halls (demo mode only), idempotently: 西湖区政务服务中心 and 杭州市民中心, from
`seed/halls.json`. Keyed by (tenant, Chinese name) under an advisory lock, so a second
start or a second replica adds nothing. Tenants need not be projected yet: the seed
knows its tenants."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

from services.appointment.domain.halls import validate_hall
from services.appointment.service_layer.context import Context

log = logging.getLogger(__name__)
SEED = Path(__file__).resolve().parent.parent / "seed" / "halls.json"
_NS = uuid.UUID("3c1f6a0e-9b7d-4d52-8e61-5f0a2b9c7d13")


def demo_hall_id(tenant_id: str, zh: str) -> uuid.UUID:
    return uuid.uuid5(_NS, f"{tenant_id}/{zh}")


async def seed_demo(ctx: Context) -> int:
    raw = json.loads(SEED.read_text(encoding="utf-8"))
    added = 0
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        await uow.lock("mgov-appointment:seed")
        for spec in raw["halls"]:
            if await uow.halls.exists_named(spec["tenant_id"], spec["name"]["zh"]):
                continue
            hall = validate_hall(spec, hall_id=demo_hall_id(spec["tenant_id"], spec["name"]["zh"]), tenant_id=spec["tenant_id"], now=now)
            await uow.halls.add(hall)
            added += 1
        await uow.commit()
    if added:
        log.info("demo halls seeded", extra={"halls": added})
    return added
