"""随手拍 citizen reports: report a problem at a place, follow it, act on it.

    POST /v1/reports                       a citizen reports (201; `linked` when it joined an open report nearby)
    GET  /v1/reports                       the caller's reports (made or joined), newest first
    GET  /v1/reports/{id}                  one report with its timeline (ETag = version)
    POST /v1/reports/{id}/actions          a workflow action (If-Match): accept, ask, supplement, resolve, ...
    POST /v1/reports/{id}/move             a dispatcher moves it to another department or tenant (If-Match)
    POST /v1/reports/{id}/reopen           a reporter reopens it within 7 days of its resolution (If-Match)
    POST /v1/reports/{id}/rating           a reporter rates it once
    (a reporter without an account reads, answers a question, reopens and rates with the header Report-Token)
    POST /v1/reports/{id}/photos           staff upload result photos (multipart, as materials)
    GET  /v1/reports/{id}/photos/{photo}   a photo's bytes, for those who may see the report
    PUT  /v1/reports/{id}/photos/{photo}/public   staff mark a result photo public (public map) or not
    GET  /v1/report-categories             the categories where a point lies (or of a tenant)

Photos are uploaded first with POST /v1/materials (checked by content, sha256) and
named in `photo_ids`. A point outside every city and county is 422 with the field
`location`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field

from gateway.auth import Caller, CallerDep, PersonDep, refuse_non_person
from mgov_common.auth import TokenInvalid
from gateway.deps import BackendsDep
from gateway.paging import PageSize, PageToken
from gateway.problems import Problem
from gateway.routers.applications import IdempotencyKey, _upload
from gateway.uploads import MAX_BODY_BYTES
from gateway.schemas import page, ref, returns
from gateway.workflow_json import PRIVATE, etag, expected_version, stub
from mgov.workflow.v1 import workflow_pb2 as pb
from mgov_common import protojson

router = APIRouter(prefix="/v1", tags=["reports"])
REPORT_SCHEMA = ref(pb.Report.DESCRIPTOR)
IfMatch = Annotated[str | None, Header(alias="If-Match")]
# A reporter without an account reads their report with the access_token its submission answered.
ReportToken = Annotated[str, Header(alias="Report-Token", max_length=200)]


def _signed_in_or(caller: Caller, token: str, name: str, *, person: bool = False) -> None:
    """Signed in (a person, with `person`), or (without an access token) the holder of `token`: not both, not neither."""
    if caller.principal is None and not token:
        raise TokenInvalid("sign in first: this needs an access token", code="unauthenticated")
    if caller.principal is not None and token:
        raise Problem(422, "validation_failed", f"{name} is for callers without an account; signed in, leave it out",
                      errors=[{"field": name, "code": "not_allowed", "message": "not with an access token"}])
    if person:
        refuse_non_person(caller)


class Point(BaseModel):
    lat: float = Field(ge=-90, le=90, description="WGS 84 latitude, as the phone gives it")
    lng: float = Field(ge=-180, le=180, description="WGS 84 longitude")


class ReportBody(BaseModel):
    category: str = Field(min_length=1, max_length=40, examples=["rubbish_overflow"])
    description: str = Field(min_length=1, max_length=1000, examples=["垃圾桶满了，垃圾散落一地"])
    location: Point
    address: str = Field(default="", max_length=200, description="Optional, typed or from the map")
    photo_ids: list[str] = Field(min_length=1, max_length=9, description="Photos uploaded with POST /v1/materials")
    anonymous: bool = Field(default=False, description="Where the category allows it: handlers do not learn who reported")
    phone_token: str = Field(default="", max_length=4096, description="Without an account: the phone token of "
                             "POST /v1/report-verifications/confirm (the report is then anonymous; answers access_token)")


class ActionBody(BaseModel):
    action: str = Field(min_length=1, max_length=40, description="accept, return_to_dispatcher, ask, supplement, resolve, dispatch, dismiss")
    comment: str = Field(default="", max_length=2000)
    material_ids: list[str] = Field(default_factory=list, max_length=9, description="Result photos (POST /v1/reports/{id}/photos)")
    result_public: bool | None = Field(default=None, description="With resolve: may the result photos appear on the public map")


class MoveBody(BaseModel):
    department: str = Field(min_length=1, max_length=100)
    tenant_id: str = Field(default="", max_length=31, description="Another city or county; empty = the same tenant")
    reason: str = Field(min_length=1, max_length=2000)


class PhotoPublicBody(BaseModel):
    public: bool = Field(description="Shown on the public map once the report is resolved")


class ReopenBody(BaseModel):
    comment: str = Field(min_length=1, max_length=2000, description="What is still wrong")


class RatingBody(BaseModel):
    score: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    comment: str = Field(default="", max_length=500)


def _answer(response: Response, report: pb.Report) -> dict[str, Any]:
    response.headers["ETag"] = etag(report.version)
    response.headers["Cache-Control"] = PRIVATE
    return protojson.to_json(report)  # type: ignore[no-any-return]


@router.post("/reports", responses=returns(REPORT_SCHEMA, 201), status_code=201, summary="Report a problem at a place (随手拍)")
async def submit(body: ReportBody, caller: CallerDep, response: Response, backends: BackendsDep,
                 idempotency_key: IdempotencyKey = "") -> dict[str, Any]:
    _signed_in_or(caller, body.phone_token, "phone_token", person=True)
    report = await stub(backends).SubmitReport(pb.SubmitReportRequest(
        category=body.category, description=body.description, location=pb.GeoPoint(lat=body.location.lat, lng=body.location.lng),
        address=body.address, photo_ids=body.photo_ids, anonymous=body.anonymous, request_id=idempotency_key,
        phone_token=body.phone_token), metadata=caller.metadata)
    response.headers["Location"] = f"/v1/reports/{report.id}"
    return _answer(response, report)


@router.get("/reports", responses=returns(page(REPORT_SCHEMA)), summary="Your reports (made or joined), newest first")
async def list_mine(caller: PersonDep, response: Response, backends: BackendsDep, page_size: PageSize = 0,
                    page_token: PageToken = "") -> dict[str, Any]:
    resp = await stub(backends).ListMyReports(pb.ListMyReportsRequest(page_size=page_size, page_token=page_token), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [protojson.to_json(r) for r in resp.reports], "next_page_token": resp.next_page_token}


@router.get("/report-categories", responses=returns(ref(pb.ListReportCategoriesResponse.DESCRIPTOR)),
            summary="Report categories where a point lies (lat, lng) or of a tenant")
async def categories(caller: CallerDep, backends: BackendsDep, tenant_id: Annotated[str, Query(max_length=31)] = "",
                     lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
                     lng: Annotated[float | None, Query(ge=-180, le=180)] = None) -> dict[str, Any]:
    if (lat is None) != (lng is None) or (lat is None and not tenant_id):
        raise Problem(422, "validation_failed", "give lat and lng, or tenant_id",
                      errors=[{"field": "lat", "code": "required", "message": "lat and lng together, or tenant_id"}])
    req = pb.ListReportCategoriesRequest(tenant_id=tenant_id)
    if lat is not None and lng is not None:
        req.location.CopyFrom(pb.GeoPoint(lat=lat, lng=lng))
    return protojson.to_json(await stub(backends).ListReportCategories(req, metadata=caller.metadata))  # type: ignore[no-any-return]


@router.get("/reports/{report_id}", responses=returns(REPORT_SCHEMA), summary="One report with its timeline (ETag = version)")
async def get(report_id: str, caller: CallerDep, response: Response, backends: BackendsDep,
              report_token: ReportToken = "") -> dict[str, Any]:
    _signed_in_or(caller, report_token, "Report-Token")
    return _answer(response, await stub(backends).GetReport(pb.GetReportRequest(report_id=report_id, access_token=report_token),
                                                            metadata=caller.metadata))


@router.post("/reports/{report_id}/actions", responses=returns(REPORT_SCHEMA), summary="Act on a report (If-Match required)")
async def act(report_id: str, body: ActionBody, caller: CallerDep, response: Response, backends: BackendsDep, if_match: IfMatch = None,
              idempotency_key: IdempotencyKey = "", report_token: ReportToken = "") -> dict[str, Any]:
    _signed_in_or(caller, report_token, "Report-Token")
    req = pb.ActOnReportRequest(report_id=report_id, action=body.action, comment=body.comment, expected_version=expected_version(if_match),
                                material_ids=body.material_ids, request_id=idempotency_key, access_token=report_token)
    if body.result_public is not None:
        req.result_public = body.result_public
    return _answer(response, await stub(backends).ActOnReport(req, metadata=caller.metadata))


@router.post("/reports/{report_id}/move", responses=returns(REPORT_SCHEMA), summary="A dispatcher moves a report, with a reason (If-Match)")
async def move(report_id: str, body: MoveBody, caller: PersonDep, response: Response, backends: BackendsDep,
               if_match: IfMatch = None) -> dict[str, Any]:
    return _answer(response, await stub(backends).MoveReport(pb.MoveReportRequest(
        report_id=report_id, tenant_id=body.tenant_id, department=body.department, reason=body.reason,
        expected_version=expected_version(if_match)), metadata=caller.metadata))


@router.post("/reports/{report_id}/reopen", responses=returns(REPORT_SCHEMA), summary="Reopen a resolved report within 7 days (If-Match)")
async def reopen(report_id: str, body: ReopenBody, caller: CallerDep, response: Response, backends: BackendsDep,
                 if_match: IfMatch = None, report_token: ReportToken = "") -> dict[str, Any]:
    _signed_in_or(caller, report_token, "Report-Token", person=True)
    return _answer(response, await stub(backends).ReopenReport(pb.ReopenReportRequest(
        report_id=report_id, comment=body.comment, expected_version=expected_version(if_match), access_token=report_token),
        metadata=caller.metadata))


@router.post("/reports/{report_id}/rating", responses=returns(REPORT_SCHEMA), summary="Rate a resolved report once")
async def rate(report_id: str, body: RatingBody, caller: CallerDep, response: Response, backends: BackendsDep,
               report_token: ReportToken = "") -> dict[str, Any]:
    _signed_in_or(caller, report_token, "Report-Token", person=True)
    return _answer(response, await stub(backends).RateReport(pb.RateReportRequest(
        report_id=report_id, score=body.score, comment=body.comment, access_token=report_token), metadata=caller.metadata))


@router.post("/reports/{report_id}/photos", responses=returns(ref(pb.MaterialFile.DESCRIPTOR), 201), status_code=201,
             summary="Upload a result photo to a report (multipart 'file', JPEG or PNG by content)", max_body_size=MAX_BODY_BYTES)
async def add_photo(report_id: str, request: Request, caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    content, filename, _, sha = await _upload(request)
    material = await stub(backends).AddMaterial(pb.AddMaterialRequest(
        application_id=report_id, material_code="photo", filename=filename, sha256=sha, size_bytes=len(content), content=content),
        metadata=caller.metadata)
    return protojson.to_json(material)  # type: ignore[no-any-return]


def photo_response(photo: pb.ReportPhoto, cache: str) -> Response:
    """The bytes as the type they were checked to be at upload; never sniffed as anything else."""
    return Response(photo.content, media_type=photo.content_type, headers={
        "Cache-Control": cache, "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox",
        "ETag": f'"{photo.sha256}"'})


@router.get("/reports/{report_id}/photos/{photo_id}", response_class=Response, summary="A photo of a report (JPEG or PNG)",
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}}, "description": "the photo"}})
async def get_photo(report_id: str, photo_id: str, caller: CallerDep, backends: BackendsDep, report_token: ReportToken = "") -> Response:
    _signed_in_or(caller, report_token, "Report-Token")
    photo = await stub(backends).GetReportPhoto(pb.GetReportPhotoRequest(report_id=report_id, photo_id=photo_id, access_token=report_token),
                                                metadata=caller.metadata)
    return photo_response(photo, PRIVATE)


@router.put("/reports/{report_id}/photos/{photo_id}/public", responses=returns(REPORT_SCHEMA),
            summary="Mark a result photo public (the public map) or take it back")
async def set_photo_public(report_id: str, photo_id: str, body: PhotoPublicBody, caller: PersonDep, response: Response,
                           backends: BackendsDep) -> dict[str, Any]:
    return _answer(response, await stub(backends).SetReportPhotoPublic(pb.SetReportPhotoPublicRequest(
        report_id=report_id, photo_id=photo_id, public=body.public), metadata=caller.metadata))
