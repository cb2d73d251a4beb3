"""立案 from a field inspection opens a penalty case on the workflow service: the
enforcement service's `inspection.case_opened` event, through the consumer's handler,
opens the case once on the `penalty` definition; handlers take it through 立案 → 调查取证 →
告知 → 决定 → 送达 → 执行 → 结案, each state due after its legal time limit in working days."""

from __future__ import annotations

import uuid

import pytest

from mgov_common.errors import NotFound
from mgov_common.events.envelope import CloudEvent
from services.workflow.entrypoints import penalties
from services.workflow.service_layer import applications
from services.workflow.service_layer.context import calendar_for, tree_of
from tests.integration.workflow_harness import HZ_APPROVER, HZ_CLERK, NB_CLERK, Core, core  # noqa: F401

pytestmark = pytest.mark.asyncio
STEPS = [("investigate", HZ_CLERK, "investigating", 30), ("notify", HZ_CLERK, "notified", 5), ("decide", HZ_APPROVER, "decided", 5),
         ("serve", HZ_CLERK, "served", 10), ("enforce", HZ_CLERK, "enforcing", 15), ("close", HZ_CLERK, "closed", 0)]


async def test_a_case_opened_by_an_inspection_runs_through_its_states_with_their_time_limits(core: Core) -> None:
    case_id = uuid.uuid4()
    event = CloudEvent.new(service="enforcement", entity="inspection", verb="case_opened", tenant="hangzhou", subject=str(uuid.uuid4()),
                           data={"case_id": str(case_id), "inspection_id": str(uuid.uuid4()), "subject_name": "杭州某食品店",
                                 "credit_code": "91350100M000100Y43", "category": "market_food",
                                 "findings": ["冷藏冷冻设施温度：12℃"], "certificates": ["ZJ-000001", "ZJ-000002"]})
    for _ in range(2):  # a redelivered event opens nothing more
        async with core.pool.acquire() as conn, conn.transaction():
            await penalties.handler(core.ctx)(conn, event)
    assert await core.pool.fetchval("SELECT count(*) FROM applications WHERE id = $1", case_id) == 1
    async with core.ctx.uow() as uow:
        cal = await calendar_for(uow, await tree_of(core.ctx, uow), "hangzhou", core.ctx)
    case = await applications.get(core.ctx, HZ_CLERK, str(case_id))
    assert case.app.status == "filed" and case.app.form["subject_name"] == "杭州某食品店"
    assert case.app.clocks.state_due_at == cal.due_after(core.clock.now(), 3)
    with pytest.raises(NotFound):
        await applications.get(core.ctx, NB_CLERK, str(case_id))
    for action, who, state, days in STEPS:
        core.clock.advance(days=1)
        done = await applications.perform(core.ctx, who, application_id=str(case_id), action=action, comment=f"{action} 说明",
                                          expected_version=None, material_ids=[], request_id="")
        assert done.app.status == state
        if days:
            assert done.app.clocks.state_due_at == cal.due_after(core.clock.now(), days), action
    assert done.app.terminal
