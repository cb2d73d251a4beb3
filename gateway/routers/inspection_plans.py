"""Inspection plans (双随机、一公开): make one, draw it (or redraw with a reason), verify
its draws from their recorded seeds and inputs, follow its progress."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from gateway.auth import StaffDep
from gateway.deps import BackendsDep
from gateway.enforcement_json import PLAN, PRIVATE, stub, to_json
from gateway.paging import PageSize
from gateway.schemas import page, ref, returns
from mgov.enforcement.v1 import enforcement_pb2 as pb

router = APIRouter(prefix="/v1", tags=["enforcement"])
Tenant = Annotated[str, Path(max_length=31)]
PlanId = Annotated[str, Path(max_length=64)]


class PlanIn(BaseModel):
    name: str = Field(max_length=200)
    category: str = Field(max_length=40)
    ratio_percent: int = Field(default=0, ge=0, le=100, description="the share of eligible subjects to draw (or count)")
    count: int = Field(default=0, ge=0, le=10_000, description="how many subjects to draw (or ratio_percent)")
    start_date: str = Field(max_length=10, description="YYYY-MM-DD")
    end_date: str = Field(max_length=10, description="YYYY-MM-DD: the inspections are due by then")
    exclude_days: int = Field(default=90, ge=0, le=3650, description="leave out subjects inspected in the last N days")
    publish_within_days: int = Field(default=0, ge=0, le=60, description="一公开 within N working days (0: the default, 20)")
    inspector_ids: list[str] = Field(default_factory=list, max_length=500, description="the pool; empty: every inspector of the scope")


class DrawIn(BaseModel):
    reason: str = Field(default="", max_length=500, description="required for a redraw; both draws stay on record")


@router.post("/tenants/{tenant_id}/plans", responses=returns(PLAN, 201), status_code=201,
             summary="Make an inspection plan covering the tenant and the tenants below it (supervisors)")
async def create(tenant_id: Tenant, body: PlanIn, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    plan = pb.Plan(**body.model_dump())
    return to_json(await stub(backends).CreatePlan(pb.CreatePlanRequest(tenant_id=tenant_id, plan=plan), metadata=caller.metadata))


@router.get("/tenants/{tenant_id}/plans", responses=returns(page(PLAN)), summary="Plans of the tenant and below it, newest first")
async def list_plans(tenant_id: Tenant, caller: StaffDep, backends: BackendsDep, response: Response, page_size: PageSize = 0) -> dict[str, Any]:
    resp = await stub(backends).ListPlans(pb.ListPlansRequest(tenant_id=tenant_id, page_size=page_size), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [to_json(p) for p in resp.plans], "next_page_token": ""}


@router.get("/plans/{plan_id}", responses=returns(PLAN), summary="A plan with its progress (inspections by status, overdue)")
async def get(plan_id: PlanId, caller: StaffDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = PRIVATE
    return to_json(await stub(backends).GetPlan(pb.GetPlanRequest(plan_id=plan_id), metadata=caller.metadata))


@router.post("/plans/{plan_id}/draws", responses=returns(ref(pb.Draw.DESCRIPTOR), 201), status_code=201,
             summary="Draw the plan's subjects and inspector pairs (a second draw is a redraw and needs a reason)")
async def draw(plan_id: PlanId, body: DrawIn, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    return to_json(await stub(backends).DrawPlan(pb.DrawPlanRequest(plan_id=plan_id, reason=body.reason), metadata=caller.metadata))


@router.get("/plans/{plan_id}/draws", responses=returns(page(ref(pb.Draw.DESCRIPTOR))),
            summary="The plan's draws and redraws, oldest first: picks with subject names and certificates, a redraw's reason")
async def list_draws(plan_id: PlanId, caller: StaffDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    resp = await stub(backends).ListDraws(pb.ListDrawsRequest(plan_id=plan_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [to_json(d) for d in resp.draws], "next_page_token": ""}


@router.get("/plans/{plan_id}/verification", responses=returns(ref(pb.PlanVerification.DESCRIPTOR)),
            summary="Re-run the plan's draws from their recorded seeds and inputs, and check the draw log")
async def verify(plan_id: PlanId, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    return to_json(await stub(backends).VerifyPlan(pb.VerifyPlanRequest(plan_id=plan_id), metadata=caller.metadata))
