"""Supervised subjects (监管对象), inspectors and checklists of a tenant.

The caller's token is forwarded; the enforcement service decides: staff of another
city get 404 for everything of this tenant."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from gateway.auth import StaffDep
from gateway.deps import BackendsDep
from gateway.enforcement_json import PRIVATE, SUBJECT, stub, to_json
from gateway.paging import PageSize, PageToken
from gateway.schemas import page, ref, returns
from mgov.enforcement.v1 import enforcement_pb2 as pb

router = APIRouter(prefix="/v1", tags=["enforcement"])
Tenant = Annotated[str, Path(max_length=31)]
Category = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,39}$")]


class PositionIn(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(default=0, ge=0, le=100_000)


class SubjectIn(BaseModel):
    name: str = Field(max_length=200)
    credit_code: str = Field(max_length=18, description="统一社会信用代码 (18 characters, its check character is verified)")
    address: str = Field(default="", max_length=300)
    position: PositionIn | None = None
    category: str = Field(max_length=40, description="the inspection category, e.g. market_food")
    risk_level: str = Field(default="medium", max_length=10, description="low | medium | high")
    contact_phone: str = Field(default="", max_length=20, description="where orders to correct are sent")


class InspectorIn(BaseModel):
    certificate: str = Field(max_length=32, description="the enforcement certificate number")
    categories: list[str] = Field(max_length=50)


class ConflictIn(BaseModel):
    reason: str = Field(max_length=500)


class ItemIn(BaseModel):
    id: str = Field(max_length=40)
    text: str = Field(max_length=300)


class ChecklistIn(BaseModel):
    checks: list[ItemIn] = Field(max_length=100, description="what is checked, in order: each passed or failed on site")


@router.post("/tenants/{tenant_id}/subjects", responses=returns(SUBJECT, 201), status_code=201,
             summary="Register or update (by credit code) a supervised subject of the tenant")
async def upsert(tenant_id: Tenant, body: SubjectIn, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    subject = pb.Subject(name=body.name, credit_code=body.credit_code, address=body.address, category=body.category,
                         risk_level=body.risk_level, contact_phone=body.contact_phone,
                         position=pb.Position(**body.position.model_dump()) if body.position else None)
    return to_json(await stub(backends).UpsertSubject(pb.UpsertSubjectRequest(tenant_id=tenant_id, subject=subject), metadata=caller.metadata))


@router.get("/tenants/{tenant_id}/subjects", responses=returns(page(SUBJECT)),
            summary="Subjects of the tenant and the tenants below it, by name or credit code")
async def search(tenant_id: Tenant, caller: StaffDep, backends: BackendsDep, response: Response,
                 q: Annotated[str, Query(max_length=100)] = "", category: Annotated[str, Query(max_length=40)] = "",
                 page_size: PageSize = 0, page_token: PageToken = "") -> dict[str, Any]:
    resp = await stub(backends).SearchSubjects(pb.SearchSubjectsRequest(tenant_id=tenant_id, query=q, category=category,
                                                                        page_size=page_size, page_token=page_token), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [to_json(s) for s in resp.subjects], "next_page_token": resp.next_page_token}


@router.get("/subjects/{subject_id}", responses=returns(SUBJECT), summary="One supervised subject")
async def get(subject_id: Annotated[str, Path(max_length=64)], caller: StaffDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = PRIVATE
    return to_json(await stub(backends).GetSubject(pb.GetSubjectRequest(subject_id=subject_id), metadata=caller.metadata))


@router.post("/subjects/{subject_id}/conflicts", status_code=204,
             summary="Declare a conflict of interest with this subject (an inspector never drawn for it)")
async def declare_conflict(subject_id: Annotated[str, Path(max_length=64)], body: ConflictIn, caller: StaffDep,
                           backends: BackendsDep) -> Response:
    await stub(backends).DeclareConflict(pb.DeclareConflictRequest(subject_id=subject_id, reason=body.reason), metadata=caller.metadata)
    return Response(status_code=204)


@router.put("/tenants/{tenant_id}/inspectors/{user_id}", responses=returns(ref(pb.Inspector.DESCRIPTOR)),
            summary="Record an inspector's enforcement certificate and categories (supervisors)")
async def set_inspector(tenant_id: Tenant, user_id: Annotated[str, Path(max_length=64)], body: InspectorIn, caller: StaffDep,
                        backends: BackendsDep) -> dict[str, Any]:
    return to_json(await stub(backends).SetInspector(pb.SetInspectorRequest(
        tenant_id=tenant_id, user_id=user_id, certificate=body.certificate, categories=body.categories), metadata=caller.metadata))


@router.get("/tenants/{tenant_id}/inspectors", responses=returns(page(ref(pb.Inspector.DESCRIPTOR))),
            summary="The inspectors of the tenant and below it, with their categories and conflicts (supervisors)")
async def list_inspectors(tenant_id: Tenant, caller: StaffDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    resp = await stub(backends).ListInspectors(pb.ListInspectorsRequest(tenant_id=tenant_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [to_json(i) for i in resp.inspectors], "next_page_token": ""}


@router.post("/tenants/{tenant_id}/checklists/{category}", responses=returns(ref(pb.Checklist.DESCRIPTOR), 201), status_code=201,
             summary="Publish a new version of the category's checklist (versions are never changed)")
async def publish_checklist(tenant_id: Tenant, category: Category, body: ChecklistIn, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    checks = [pb.ChecklistItem(id=i.id, text=i.text) for i in body.checks]
    return to_json(await stub(backends).PublishChecklist(pb.PublishChecklistRequest(tenant_id=tenant_id, category=category, checks=checks),
                                                         metadata=caller.metadata))


@router.get("/tenants/{tenant_id}/checklists/{category}", responses=returns(ref(pb.Checklist.DESCRIPTOR)),
            summary="The checklist in force: the tenant's own, else the nearest one above it")
async def get_checklist(tenant_id: Tenant, category: Category, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    return to_json(await stub(backends).GetChecklist(pb.GetChecklistRequest(tenant_id=tenant_id, category=category), metadata=caller.metadata))
