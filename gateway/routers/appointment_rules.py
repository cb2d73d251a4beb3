"""A tenant's no-show rules for appointments: read by anyone signed in, set by its admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from gateway.appointment_json import stub, to_json
from gateway.auth import PersonDep, SignedInDep
from gateway.deps import BackendsDep
from gateway.schemas import ref, returns
from mgov.appointment.v1 import appointment_pb2 as pb

router = APIRouter(prefix="/v1", tags=["appointment rules"])


class RulesIn(BaseModel):
    no_show_limit: int = Field(default=0, ge=0, le=100, description="no-shows that block; 0 inherits")
    window_days: int = Field(default=0, ge=0, le=366, description="counted over this many days; 0 inherits")
    block_days: int = Field(default=0, ge=0, le=366, description="blocked for this many days; 0 inherits")


@router.get("/tenants/{tenant_id}/appointment-rules", responses=returns(ref(pb.AppointmentRules.DESCRIPTOR)),
            summary="The tenant's no-show rules: its own (0 = inherited) and those in force")
async def get_rules(tenant_id: str, caller: SignedInDep, backends: BackendsDep) -> dict[str, Any]:
    return to_json(await stub(backends).GetAppointmentRules(pb.GetAppointmentRulesRequest(tenant_id=tenant_id), metadata=caller.metadata))


@router.put("/tenants/{tenant_id}/appointment-rules", responses=returns(ref(pb.AppointmentRules.DESCRIPTOR)),
            summary="Set the tenant's own no-show rules (its admins; 0 inherits)")
async def put_rules(tenant_id: str, body: Annotated[RulesIn, Body()], caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    rules = pb.AppointmentRules(tenant_id=tenant_id, **body.model_dump())
    return to_json(await stub(backends).SetAppointmentRules(pb.SetAppointmentRulesRequest(rules=rules), metadata=caller.metadata))
