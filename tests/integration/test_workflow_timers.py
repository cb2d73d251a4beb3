"""SLA timers in PostgreSQL: fired exactly once by competing workers, time driven by a manual clock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from prometheus_client import REGISTRY

from services.workflow.service_layer import admin, applications, inbox
from services.workflow.service_layer.timers import TimerWorker
from tests.integration.test_workflow_handlers import act, submit
from tests import material_samples as samples
from tests.integration.workflow_harness import CITIZEN, HZ_ADMIN, HZ_CLERK, HZ_SUPERVISOR, Core, core

__all__ = ["core"]


async def sla_events(c: Core) -> list[tuple[str, str]]:
    return [(e["type"].split(".")[3], e["data"]["scope"]) for e in await c.outbox(".sla.")]


async def test_nothing_fires_before_its_time_and_the_warning_comes_at_80_percent(core: Core) -> None:
    await submit(core)  # Monday 10:00; "submitted" has a 1-working-day SLA: due Wednesday 00:00 (38 working hours)
    worker = TimerWorker(core.pool, core.clock)
    assert await worker.run_once() == 0
    core.clock.advance(hours=30)  # 30.4 h is 80 %
    assert await worker.run_once() == 0
    core.clock.advance(minutes=30)
    assert await worker.run_once() == 1
    assert await sla_events(core) == [("warning", "state")]
    event = (await core.outbox(".sla."))[0]
    assert event["nats_subject"] == "mgov.evt.hangzhou.workflow.sla.warning" and event["data"]["escalate_to_roles"] == []


async def test_a_breach_fires_exactly_once_with_two_workers_racing(core: Core) -> None:
    cases = [await submit(core) for _ in range(5)]
    warned, breached = (REGISTRY.get_sample_value(f"mgov_sla_{k}_total") for k in ("warnings", "breaches"))
    core.clock.advance(days=30)  # every state and case clock is long past due
    one, two = TimerWorker(core.pool, core.clock, worker_id="w1", batch=3), TimerWorker(core.pool, core.clock, worker_id="w2", batch=3)
    for _ in range(6):
        await asyncio.gather(one.run_once(), two.run_once(), one.run_once(), two.run_once())
    events = await core.outbox(".sla.")
    keys = [(e["data"]["application_id"], e["type"].split(".")[3], e["data"]["scope"]) for e in events]
    assert len(keys) == len(set(keys)) == 4 * len(cases)  # warning + breach, for the state and for the case
    assert one.fired + two.fired == 4 * len(cases) and one.fired > 0 and two.fired > 0
    # Counted once each, like the events: a warning and a breach per clock per case.
    assert REGISTRY.get_sample_value("mgov_sla_warnings_total") == warned + 2 * len(cases)  # type: ignore[operator]
    assert REGISTRY.get_sample_value("mgov_sla_breaches_total") == breached + 2 * len(cases)  # type: ignore[operator]
    breach = next(e for e in events if e["type"].endswith("sla.breached.v1"))
    assert breach["data"]["escalate_to_roles"] == ["supervisor"] and breach["data"]["eligible_roles"] == ["clerk"]
    assert await one.run_once() == 0 and await two.run_once() == 0
    # Escalation: the breached cases are in the supervisor's inbox.
    tasks, _ = await inbox.list_tasks(core.ctx, HZ_SUPERVISOR, tenant_id="", kind="", assignee="", size=50, token="")
    assert {t.id for t in tasks} == {c.app.id for c in cases} and all(t.escalated and t.overdue for t in tasks)


async def test_a_worker_that_dies_mid_transaction_leaves_its_timers_to_the_next(core: Core) -> None:
    await submit(core)
    core.clock.advance(days=30)
    async with core.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await conn.fetch("SELECT id FROM timers WHERE fired_at IS NULL FOR UPDATE")  # a worker holding them...
        survivor = TimerWorker(core.pool, core.clock, worker_id="survivor")
        assert await survivor.run_once() == 0  # ...is skipped, not waited for
        await tx.rollback()  # ...and dies before committing
    assert await survivor.run_once() == 4
    assert len(await sla_events(core)) == 4


async def test_sending_back_pauses_the_case_clock_until_resubmission(core: Core) -> None:
    case = await submit(core)  # promised limit 5 working days: due Tuesday 17th 00:00
    due = case.app.clocks.case_due_at
    core.clock.advance(hours=1)
    case = await act(core, HZ_CLERK, case, "return", "请补充营业场所证明")
    worker = TimerWorker(core.pool, core.clock)
    core.clock.advance(days=40)  # the citizen takes forty days: the case clock does not run
    assert await worker.run_once() == 0 and await sla_events(core) == []
    held = await applications.get(core.ctx, CITIZEN, str(case.app.id))
    assert held.app.clocks.paused and held.app.clocks.case_due_at is None
    from services.workflow.service_layer import materials

    m = await materials.add(core.ctx, CITIZEN, application_id=str(case.app.id), material_code="site", filename="site.pdf", content=samples.PDF, sha256="")
    resumed = await act(core, CITIZEN, held, "resubmit", material_ids=[str(m["id"])])
    new_due = resumed.app.clocks.case_due_at
    assert due is not None and new_due is not None and new_due - due > timedelta(days=40)  # one hour of the budget was used
    core.clock.set(new_due - timedelta(minutes=1))
    await worker.run_once()
    assert ("breached", "case") not in await sla_events(core)
    core.clock.set(new_due)
    await worker.run_once()
    assert ("breached", "case") in await sla_events(core)


async def test_a_breach_already_due_is_fired_by_the_next_action_before_it_replans_the_timers(core: Core) -> None:
    # No worker came by (or a demo clock jumped a day ahead): the clerk's action must not drop what already happened.
    case = await submit(core)  # Monday 10:00: the "submitted" state is due Wednesday 00:00
    breached = REGISTRY.get_sample_value("mgov_sla_breaches_total")
    core.clock.advance(days=2)  # Wednesday 10:00: the state's warning and breach are due, the case's not yet
    await act(core, HZ_CLERK, case, "accept", "材料齐全")
    events = await core.outbox(".sla.")
    assert [(e["type"].split(".")[3], e["data"]["scope"], e["data"]["state"]) for e in events] == [
        ("warning", "state", "submitted"), ("breached", "state", "submitted")]
    def when(e: dict) -> datetime:  # type: ignore[type-arg]
        return datetime.fromisoformat(e["time"].replace("Z", "+00:00"))

    # Dated when they became due, before the action (stamped by the service's clock, a demo clock too, not the system's).
    warning, breach = events
    assert when(warning) < when(breach) == datetime.fromisoformat(breach["data"]["due_at"].replace("Z", "+00:00"))
    assert [when(e) for e in await core.outbox(".transitioned.")] == [core.clock.now()]
    assert REGISTRY.get_sample_value("mgov_sla_breaches_total") == breached + 1  # type: ignore[operator]
    assert await TimerWorker(core.pool, core.clock).run_once() == 0  # nothing left behind, nothing fired twice
    assert len(await core.outbox(".sla.")) == 2


async def test_a_breach_already_due_is_fired_by_a_new_calendar_before_it_replans_the_timers(core: Core) -> None:
    # Not only case actions re-plan timers: a tenant admin's new holiday moves every running case's due times.
    case = await submit(core)  # Monday 10:00: the "submitted" state is due Wednesday 00:00
    breached = REGISTRY.get_sample_value("mgov_sla_breaches_total")
    core.clock.advance(days=2)  # Wednesday 10:00: the state's warning and breach are due; no worker came by
    await admin.set_calendar(core.ctx, HZ_ADMIN, "hangzhou", 2026, [("2026-03-10", False, "杭州市临时休息日")])
    events = await core.outbox(".sla.")
    assert [(e["type"].split(".")[3], e["data"]["scope"], e["data"]["state"]) for e in events] == [
        ("warning", "state", "submitted"), ("breached", "state", "submitted")]
    breach = events[1]
    wednesday = datetime.fromisoformat("2026-03-11T00:00:00+08:00")  # in Hangzhou: when it was due, before the change
    assert datetime.fromisoformat(breach["time"]) == datetime.fromisoformat(breach["data"]["due_at"]) == wednesday
    assert REGISTRY.get_sample_value("mgov_sla_breaches_total") == breached + 1  # type: ignore[operator]
    after = (await applications.get(core.ctx, CITIZEN, str(case.app.id))).app.clocks.case_due_at
    assert after and after > case.app.clocks.case_due_at  # type: ignore[operator]  # and the case still follows the new calendar
    assert await TimerWorker(core.pool, core.clock).run_once() == 0  # nothing fired twice
    assert len(await core.outbox(".sla.")) == 2
