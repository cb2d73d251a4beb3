"""A tenant's 随手拍 reports as a whole: the public map, figures, categories, boundary.

    GET /v1/tenants/{t}/reports/public            anyone: handled and resolved reports, no personal data, ~100 m
    GET /v1/tenants/{t}/reports/public/{id}/photos/{photo}   anyone: a result photo the department made public
    GET /v1/tenants/{t}/report-stats              supervisors: per department and category
    PUT /v1/tenants/{t}/report-categories/{code}  tenant admins: define a category (inherited below)
    PUT /v1/tenants/{t}/boundary                  tenant admins: the tenant's GeoJSON boundary
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from google.protobuf import struct_pb2
from pydantic import BaseModel, Field

from gateway.auth import CallerDep, SignedInDep
from gateway.deps import BackendsDep
from gateway.paging import PageSize, PageToken
from gateway.problems import Problem
from gateway.routers.reports import photo_response
from gateway.schemas import page, ref, returns
from gateway.workflow_json import PRIVATE, stub
from mgov.common.v1 import common_pb2
from mgov.workflow.v1 import workflow_pb2 as pb
from mgov_common import protojson

router = APIRouter(prefix="/v1/tenants/{tenant_id}", tags=["reports"])
Code = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,39}$")]


class CategoryName(BaseModel):
    zh: str = Field(min_length=1, max_length=50)
    en: str = Field(default="", max_length=100)


class CategoryBody(BaseModel):
    name: CategoryName
    department: str = Field(min_length=1, max_length=100)
    time_limit_days: int = Field(default=5, ge=1, le=60)
    merge_radius_m: int = Field(default=50, ge=0, le=1000)
    merge_window_h: int = Field(default=24, ge=0, le=168)
    anonymous_allowed: bool = False
    public_results: bool = True


class BoundaryBody(BaseModel):
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon, [longitude, latitude]")


@router.get("/reports/public", responses=returns(page(ref(pb.PublicReport.DESCRIPTOR))),
            summary="The public map: reports being handled or resolved, without personal data, places rounded to ~100 m")
async def public(tenant_id: str, caller: CallerDep, response: Response, backends: BackendsDep, page_size: PageSize = 0,
                 page_token: PageToken = "") -> dict[str, Any]:
    resp = await stub(backends).ListPublicReports(pb.ListPublicReportsRequest(tenant_id=tenant_id, page_size=page_size,
                                                                              page_token=page_token), metadata=caller.metadata)
    response.headers["Cache-Control"] = "public, max-age=30"
    return {"items": [protojson.to_json(r) for r in resp.reports], "next_page_token": resp.next_page_token}


@router.get("/reports/public/{report_id}/photos/{photo_id}", response_class=Response, summary="A public result photo of a resolved report",
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}}, "description": "the photo"}})
async def public_photo(tenant_id: str, report_id: str, photo_id: str, caller: CallerDep, backends: BackendsDep) -> Response:
    photo = await stub(backends).GetReportPhoto(pb.GetReportPhotoRequest(report_id=report_id, photo_id=photo_id, public_tenant_id=tenant_id),
                                                metadata=caller.metadata)
    return photo_response(photo, "public, max-age=300")


@router.get("/report-stats", responses=returns(page(ref(pb.ReportStats.DESCRIPTOR))), summary="随手拍 figures per department and category")
async def stats(tenant_id: str, caller: SignedInDep, response: Response, backends: BackendsDep, include_subtree: bool = False,
                start_time: datetime | None = None, end_time: datetime | None = None) -> dict[str, Any]:
    req = pb.GetReportStatsRequest(tenant_id=tenant_id, include_subtree=include_subtree)
    for field, value in (("start_time", start_time), ("end_time", end_time)):
        if value is not None:
            if value.tzinfo is None:
                raise Problem(422, "validation_failed", f"{field} needs a UTC offset", errors=[{"field": field, "code": "format", "message": "RFC 3339"}])
            getattr(req, field).CopyFrom(protojson.datetime_to_timestamp(value, field=field))
    resp = await stub(backends).GetReportStats(req, metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [protojson.to_json(s) for s in resp.stats], "next_page_token": ""}


@router.put("/report-categories/{code}", responses=returns(ref(pb.ReportCategory.DESCRIPTOR)), summary="Define a report category")
async def put_category(tenant_id: str, code: Code, body: CategoryBody, caller: SignedInDep, backends: BackendsDep) -> dict[str, Any]:
    cat = pb.ReportCategory(code=code, name=common_pb2.LocalizedText(zh=body.name.zh, en=body.name.en), department=body.department,
                            time_limit_days=body.time_limit_days, merge_radius_m=body.merge_radius_m, merge_window_h=body.merge_window_h,
                            anonymous_allowed=body.anonymous_allowed, public_results=body.public_results)
    saved = await stub(backends).SaveReportCategory(pb.SaveReportCategoryRequest(tenant_id=tenant_id, category=cat), metadata=caller.metadata)
    return protojson.to_json(saved)  # type: ignore[no-any-return]


@router.put("/boundary", responses=returns(ref(pb.TenantBoundary.DESCRIPTOR)), summary="Replace the tenant's boundary (GeoJSON)")
async def put_boundary(tenant_id: str, body: BoundaryBody, caller: SignedInDep, backends: BackendsDep) -> dict[str, Any]:
    req = pb.SetTenantBoundaryRequest(tenant_id=tenant_id, geometry=protojson.from_json(body.geometry, struct_pb2.Struct, path="geometry"))
    saved = await stub(backends).SetTenantBoundary(req, metadata=caller.metadata)
    return protojson.to_json(saved)  # type: ignore[no-any-return]
