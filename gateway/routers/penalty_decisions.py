"""行政处罚决定公示: a penalty case's decision facts (recorded by its approver or a
supervisor before the case is decided), and each tenant's public list of the decisions
published when their cases reached 决定. The enforcement service decides who may write."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from gateway.auth import CallerDep, StaffDep
from gateway.deps import BackendsDep
from gateway.enforcement_json import stub, to_json
from gateway.paging import PageSize, PageToken
from gateway.schemas import page, ref, returns
from mgov.enforcement.v1 import enforcement_pb2 as pb

router = APIRouter(prefix="/v1", tags=["enforcement"])
DECISION = ref(pb.PenaltyDecision.DESCRIPTOR)
PUBLIC_MAX_AGE_S = 60


class DecisionIn(BaseModel):
    decision_number: str = Field(default="", max_length=60, description="决定书文号")
    summary: str = Field(max_length=2000, description="what was found and decided, without personal names")
    legal_basis: str = Field(max_length=1000, description="法律依据")
    penalty: str = Field(max_length=500, description="处罚内容")


@router.put("/penalty-cases/{case_id}/decision", responses=returns(DECISION),
            summary="Record the facts of a penalty case's decision, published when the case is decided (approvers, supervisors)")
async def set_decision(case_id: Annotated[str, Path(max_length=64)], body: DecisionIn, caller: StaffDep, backends: BackendsDep,
                       response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = "private, no-store"
    return to_json(await stub(backends).SetPenaltyDecision(pb.SetPenaltyDecisionRequest(case_id=case_id, **body.model_dump()),
                                                           metadata=caller.metadata))


@router.get("/penalty-cases/{case_id}/decision", responses=returns(DECISION),
            summary="A penalty case's decision as recorded: draft, published or retracted (approvers, supervisors)")
async def get_decision(case_id: Annotated[str, Path(max_length=64)], caller: StaffDep, backends: BackendsDep,
                       response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = "private, no-store"
    return to_json(await stub(backends).GetPenaltyDecision(pb.GetPenaltyDecisionRequest(case_id=case_id), metadata=caller.metadata))


@router.get("/tenants/{tenant_id}/penalty-decisions", responses=returns(page(DECISION)),
            summary="Published penalty decisions of the tenant and the tenants below it, newest first (public)")
async def list_decisions(tenant_id: Annotated[str, Path(max_length=31)], caller: CallerDep, backends: BackendsDep, response: Response,
                         page_size: PageSize = 0, page_token: PageToken = "") -> dict[str, Any]:
    resp = await stub(backends).ListPenaltyDecisions(pb.ListPenaltyDecisionsRequest(tenant_id=tenant_id, page_size=page_size,
                                                                                    page_token=page_token), metadata=caller.metadata)
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE_S}"
    return {"items": [to_json(d) for d in resp.decisions], "next_page_token": resp.next_page_token}
