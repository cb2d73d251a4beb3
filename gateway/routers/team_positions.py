"""Teams on duty (执法队伍): an inspector's app reports the phone's position while their
inspection is under way (only when the inspector agreed to share it); supervisors and
administrators of the tenant or above see the teams under way with their last positions.
Another city's staff get 404, the tenant's own inspectors 403."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from gateway.auth import StaffDep
from gateway.deps import BackendsDep
from gateway.enforcement_json import PRIVATE, stub, to_json
from gateway.paging import PageSize
from gateway.routers.subjects import PositionIn
from gateway.schemas import page, ref, returns
from mgov.enforcement.v1 import enforcement_pb2 as pb

router = APIRouter(prefix="/v1", tags=["enforcement"])
Tenant = Annotated[str, Path(max_length=31)]
InspectionId = Annotated[str, Path(max_length=64)]


@router.post("/inspections/{inspection_id}/positions", responses=returns(ref(pb.ReportPositionResponse.DESCRIPTOR)),
             summary="Report where I am while this inspection is under way (one of its pair; replaces my last report)")
async def report(inspection_id: InspectionId, body: PositionIn, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    resp = await stub(backends).ReportPosition(pb.ReportPositionRequest(
        inspection_id=inspection_id, position=pb.Position(**body.model_dump())), metadata=caller.metadata)
    return to_json(resp)


@router.get("/tenants/{tenant_id}/team-positions", responses=returns(page(ref(pb.TeamPosition.DESCRIPTOR))),
            summary="Teams under way in the tenant and below with their officers' last positions (supervisors)")
async def teams(tenant_id: Tenant, caller: StaffDep, backends: BackendsDep, response: Response, page_size: PageSize = 0) -> dict[str, Any]:
    resp = await stub(backends).ListTeamPositions(pb.ListTeamPositionsRequest(tenant_id=tenant_id, page_size=page_size),
                                                  metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [to_json(t) for t in resp.teams], "next_page_token": ""}
