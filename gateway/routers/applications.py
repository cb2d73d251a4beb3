"""Cases (applications): apply, follow, act, upload materials, rate.

The caller's token is forwarded to the workflow service, which decides who may see and
do what (staff of another city get 404). Changes to a case need `If-Match` with the
case's ETag (its version): missing is 428, stale is 412.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from google.protobuf import struct_pb2
from pydantic import BaseModel, Field

from gateway.auth import CallerDep, PersonDep, SignedInDep, refuse_non_person
from mgov_common.auth import TokenInvalid
from gateway.deps import BackendsDep
from gateway.limits import INT32_MAX
from gateway.paging import PageSize, PageToken
from gateway.problems import Problem
from gateway.request_limits import DOCUMENT_MAX_BODY
from gateway.uploads import MAX_BODY_BYTES, one_file
from gateway.workflow_json import PRIVATE, application_json, case_response, expected_version, stub
from mgov.workflow.v1 import workflow_pb2 as pb
from mgov_common import protojson
from gateway.schemas import page, ref, returns
from gateway.workflow_json import APPLICATION_ROW_SCHEMA, APPLICATION_SCHEMA
from mgov.workflow.v1 import workflow_pb2 as _wpb

router = APIRouter(prefix="/v1", tags=["applications"])

IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", max_length=200)]


class ApplyBody(BaseModel):
    service_id: str = Field(min_length=1, max_length=64, description="A published item's id")
    service_version: int = Field(default=0, ge=0, le=INT32_MAX, description="The item version applied to; 0 = the current one")
    tenant_id: str = Field(default="", max_length=31, description="The handling tenant; empty = your own tenant if it offers the item")
    form: dict[str, Any] = Field(default_factory=dict, description="The application form, checked against the item's form_schema")
    material_ids: list[str] = Field(default_factory=list, max_length=50, description="Materials uploaded with POST /v1/materials")

    model_config = {"json_schema_extra": {"examples": [{"service_id": "6f1c…", "form": {"applicant_name": "张小明"}}]}}


class ActionBody(BaseModel):
    action: str = Field(min_length=1, max_length=40, description="accept, approve, reject, return, resubmit, …")
    comment: str = Field(default="", max_length=2000)
    material_ids: list[str] = Field(default_factory=list, max_length=50, description="Materials added for this action (补正)")
    form: dict[str, Any] | None = Field(default=None, description="The corrected form (补正): only the applicant, only with the action that resubmits a returned case")


class RatingBody(BaseModel):
    score: int = Field(ge=1, le=5, description="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")
    comment: str = Field(default="", max_length=2000)


@router.post("/applications", responses=returns(APPLICATION_SCHEMA, 201), status_code=201, summary="Apply for a service (a repeated Idempotency-Key returns the same case)", max_body_size=DOCUMENT_MAX_BODY)
async def apply(body: ApplyBody, caller: PersonDep, response: Response, backends: BackendsDep,
                idempotency_key: IdempotencyKey = "") -> dict[str, Any]:
    form = protojson.from_json(body.form, struct_pb2.Struct, path="form")
    app = await stub(backends).SubmitApplication(pb.SubmitApplicationRequest(
        service_id=body.service_id, service_version=body.service_version, tenant_id=body.tenant_id,
        form=form, material_ids=body.material_ids, request_id=idempotency_key), metadata=caller.metadata)
    response.headers["Location"] = f"/v1/applications/{app.id}"
    return case_response(response, app)


@router.get("/applications", responses=returns(page(APPLICATION_ROW_SCHEMA)), summary="Your own applications, newest first")
async def list_applications(
    caller: PersonDep, response: Response, backends: BackendsDep,
    status: Annotated[str, Query(max_length=40)] = "", service_id: Annotated[str, Query(max_length=64)] = "",
    page_size: PageSize = 0, page_token: PageToken = "",
) -> dict[str, Any]:
    resp = await stub(backends).ListApplications(pb.ListApplicationsRequest(
        status=status, service_id=service_id, page_size=page_size, page_token=page_token), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    items = []
    for a in resp.applications:
        item = application_json(a)
        for key in ("timeline", "materials", "available_actions", "form"):
            item.pop(key, None)
        items.append(item)
    return {"items": items, "next_page_token": resp.next_page_token}


@router.get("/applications/{application_id}", responses=returns(APPLICATION_SCHEMA), summary="One case with its timeline (ETag = version)", response_model=None)
async def get_application(application_id: str, caller: SignedInDep, response: Response, backends: BackendsDep,
                          if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None) -> dict[str, Any] | Response:
    app = await stub(backends).GetApplication(pb.GetApplicationRequest(application_id=application_id), metadata=caller.metadata)
    if if_none_match and any(t.strip().removeprefix("W/") == f'"{app.version}"' for t in if_none_match.split(",")):
        return Response(status_code=304, headers={"ETag": f'"{app.version}"', "Cache-Control": PRIVATE})
    return case_response(response, app)


@router.post("/applications/{application_id}/actions", responses=returns(APPLICATION_SCHEMA), summary="Act on a case (If-Match required: 428 if missing, 412 if stale)",
             max_body_size=DOCUMENT_MAX_BODY)
async def perform_action(application_id: str, body: ActionBody, caller: SignedInDep, response: Response, backends: BackendsDep,
                         if_match: Annotated[str | None, Header(alias="If-Match")] = None,
                         idempotency_key: IdempotencyKey = "") -> dict[str, Any]:
    form = protojson.from_json(body.form, struct_pb2.Struct, path="form") if body.form is not None else None
    app = await stub(backends).PerformAction(pb.PerformActionRequest(
        application_id=application_id, action=body.action, comment=body.comment, expected_version=expected_version(if_match),
        material_ids=body.material_ids, request_id=idempotency_key, form=form), metadata=caller.metadata)
    return case_response(response, app)


async def _upload(request: Request) -> tuple[bytes, str, str, str]:
    """(bytes, filename, material_code, sha256) of a multipart upload with one `file` part."""
    async with one_file(request, "a material", max_fields=10) as up:
        return up.content, up.filename, up.text("material_code"), up.text("sha256")


@router.post("/applications/{application_id}/materials", responses=returns(ref(_wpb.MaterialFile.DESCRIPTOR), 201), status_code=201,
             summary="Upload a material to a case (multipart 'file', at most 10 MB; PDF, OFD, JPEG or PNG by content, no active content)", max_body_size=MAX_BODY_BYTES)
async def add_material(application_id: str, request: Request, caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    content, filename, code, sha = await _upload(request)
    material = await stub(backends).AddMaterial(pb.AddMaterialRequest(
        application_id=application_id, material_code=code, filename=filename, sha256=sha, size_bytes=len(content), content=content),
        metadata=caller.metadata)
    return protojson.to_json(material)  # type: ignore[no-any-return]


@router.post("/materials", responses=returns(ref(_wpb.MaterialFile.DESCRIPTOR), 201), status_code=201, summary="Upload a material before applying; pass its id in material_ids", max_body_size=MAX_BODY_BYTES)
async def add_held_material(request: Request, caller: CallerDep, backends: BackendsDep,
                            phone_token: Annotated[str, Header(alias="Phone-Token", max_length=4096)] = "") -> dict[str, Any]:
    """Signed in, or a reporter without an account with the phone token of a verified phone (photos for a 随手拍 report)."""
    if caller.principal is None and not phone_token:
        raise TokenInvalid("sign in first: this needs an access token", code="unauthenticated")
    refuse_non_person(caller)
    content, filename, code, sha = await _upload(request)
    material = await stub(backends).AddMaterial(pb.AddMaterialRequest(
        material_code=code, filename=filename, sha256=sha, size_bytes=len(content), content=content,
        phone_token="" if caller.principal else phone_token), metadata=caller.metadata)
    return protojson.to_json(material)  # type: ignore[no-any-return]


@router.post("/applications/{application_id}/rating", responses=returns(ref(_wpb.Rating.DESCRIPTOR), 201), status_code=201,
             summary="Rate a closed case once (好差评); 1 or 2 opens a rectification task; a second rating is 409")
async def rate(application_id: str, body: RatingBody, caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    rating = await stub(backends).RateApplication(pb.RateApplicationRequest(
        application_id=application_id, score=body.score, comment=body.comment), metadata=caller.metadata)
    return protojson.to_json(rating)  # type: ignore[no-any-return]
