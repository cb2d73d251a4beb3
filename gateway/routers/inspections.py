"""Inspections on the phone: the inspector's tasks (待办), starting, evidence (multipart,
checked by content like case materials), the record, both officers' confirmations, and
the evidence chain's verification.

Evidence carries the device's capture time and position apart from the server's receipt
time, and an `Idempotency-Key`: an upload repeated after a lost answer is answered with
the entry already stored (200) instead of a second one (201)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response
from pydantic import BaseModel, Field

from gateway.auth import StaffDep
from gateway.deps import BackendsDep
from gateway.enforcement_json import ENTRY, INSPECTION, PRIVATE, stub, to_json
from gateway.paging import PageSize
from gateway.problems import Problem
from gateway.schemas import page, ref, returns
from gateway.uploads import MAX_BODY_BYTES, Upload, one_file
from mgov.enforcement.v1 import enforcement_pb2 as pb
from mgov_common.protojson import datetime_to_timestamp

router = APIRouter(prefix="/v1", tags=["enforcement"])
InspectionId = Annotated[str, Path(max_length=64)]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", max_length=200)]
EVIDENCE_TYPES = ("image/jpeg", "image/png", "application/pdf", "application/ofd", "video/mp4", "video/webm", "audio/mp4", "audio/ogg",
                  "audio/wav", "audio/mpeg")


class AnswerIn(BaseModel):
    result: str = Field(max_length=4, description="pass | fail")
    note: str = Field(default="", max_length=1000)


class RecordIn(BaseModel):
    answers: dict[str, AnswerIn] = Field(max_length=100)
    outcome: str = Field(max_length=10, description="pass (合格) | rectify (责令限期整改) | case (立案)")
    rectify_due_date: str = Field(default="", max_length=10, description="YYYY-MM-DD, for rectify")
    note: str = Field(default="", max_length=2000)


class ConfirmIn(BaseModel):
    signature_sha256: str = Field(default="", max_length=64, description="the subject's representative's on-screen signature, if any")


@router.get("/inspections", responses=returns(page(INSPECTION)), summary="Your inspections (待办): open ones by due date")
async def mine(caller: StaffDep, backends: BackendsDep, response: Response, open_only: bool = True, page_size: PageSize = 0) -> dict[str, Any]:
    resp = await stub(backends).ListMyInspections(pb.ListMyInspectionsRequest(open_only=open_only, page_size=page_size),
                                                  metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [to_json(i) for i in resp.inspections], "next_page_token": ""}


@router.get("/inspections/{inspection_id}", responses=returns(INSPECTION), summary="One inspection: subject, checklist, record")
async def get(inspection_id: InspectionId, caller: StaffDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = PRIVATE
    return to_json(await stub(backends).GetInspection(pb.GetInspectionRequest(inspection_id=inspection_id), metadata=caller.metadata))


@router.post("/inspections/{inspection_id}/start", responses=returns(INSPECTION), summary="Start the inspection (开始检查)")
async def start(inspection_id: InspectionId, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    return to_json(await stub(backends).StartInspection(pb.StartInspectionRequest(inspection_id=inspection_id), metadata=caller.metadata))


def _float(up: Upload, name: str) -> float:
    try:
        return float(up.text(name, 40) or 0)
    except ValueError:
        raise Problem(422, "validation_failed", f"{name} is a number", errors=[{"field": name, "code": "invalid", "message": "not a number"}]) from None


@router.post("/inspections/{inspection_id}/evidence", responses={**returns(ENTRY, 201), **returns(ENTRY, 200, "already stored")},
             status_code=201, max_body_size=MAX_BODY_BYTES,
             summary="Add evidence (拍照取证): multipart 'file', kind, device_time, latitude/longitude/accuracy_m, note, sha256")
async def add_evidence(inspection_id: InspectionId, request: Request, caller: StaffDep, backends: BackendsDep, response: Response,
                       idempotency_key: IdempotencyKey = "") -> dict[str, Any]:
    if not idempotency_key:
        raise Problem(428, "idempotency_key_required", "evidence needs an Idempotency-Key header (the app's key for this capture)")
    async with one_file(request, "evidence", max_fields=12) as up:
        try:
            device_time = datetime.fromisoformat(up.text("device_time", 40).replace("Z", "+00:00"))
        except ValueError:
            raise Problem(422, "validation_failed", "device_time is an RFC 3339 time",
                          errors=[{"field": "device_time", "code": "invalid", "message": "not a time"}]) from None
        has_position = bool(up.text("latitude", 40))
        req = pb.AddEvidenceRequest(
            inspection_id=inspection_id, kind=up.text("kind", 10), content=up.content, sha256=up.text("sha256", 64),
            device_time=datetime_to_timestamp(device_time if device_time.tzinfo else device_time.replace(tzinfo=UTC), field="device_time"),
            position=pb.Position(latitude=_float(up, "latitude"), longitude=_float(up, "longitude"),
                                 accuracy_m=_float(up, "accuracy_m")) if has_position else None,
            note=up.text("note", 500), request_id=idempotency_key)
    resp = await stub(backends).AddEvidence(req, metadata=caller.metadata)
    response.status_code = 201 if resp.created else 200
    return to_json(resp.entry)


@router.get("/inspections/{inspection_id}/evidence", responses=returns(page(ENTRY)), summary="The inspection's evidence chain, in order")
async def list_evidence(inspection_id: InspectionId, caller: StaffDep, backends: BackendsDep, response: Response) -> dict[str, Any]:
    resp = await stub(backends).ListEvidence(pb.ListEvidenceRequest(inspection_id=inspection_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = PRIVATE
    return {"items": [to_json(e) for e in resp.entries], "next_page_token": ""}


@router.get("/inspections/{inspection_id}/evidence/{seq}/file", response_class=Response, summary="The stored file of one evidence entry",
            responses={200: {"content": {t: {} for t in EVIDENCE_TYPES}, "description": "the file, as stored"}})
async def evidence_file(inspection_id: InspectionId, seq: Annotated[int, Path(ge=1, le=100_000)], caller: StaffDep,
                        backends: BackendsDep) -> Response:
    f = await stub(backends).GetEvidenceFile(pb.GetEvidenceFileRequest(inspection_id=inspection_id, seq=seq), metadata=caller.metadata)
    return Response(f.content, media_type=f.entry.content_type, headers={"Cache-Control": PRIVATE, "X-Content-Type-Options": "nosniff",
                                                                          "Content-Disposition": "attachment"})


@router.get("/inspections/{inspection_id}/evidence/verification", responses=returns(ref(pb.EvidenceVerification.DESCRIPTOR)),
            summary="Walk the evidence chain and hash every stored file again: any change, removal or reordering is named")
async def verify(inspection_id: InspectionId, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    return to_json(await stub(backends).VerifyEvidence(pb.VerifyEvidenceRequest(inspection_id=inspection_id), metadata=caller.metadata))


@router.post("/inspections/{inspection_id}/record", responses=returns(INSPECTION),
             summary="Submit the record (提交检查结果): every item passed or failed, and the outcome (a repeated Idempotency-Key answers the same)")
async def submit(inspection_id: InspectionId, body: RecordIn, caller: StaffDep, backends: BackendsDep,
                 idempotency_key: IdempotencyKey = "") -> dict[str, Any]:
    req = pb.SubmitInspectionRequest(inspection_id=inspection_id, outcome=body.outcome, rectify_due_date=body.rectify_due_date,
                                     note=body.note, request_id=idempotency_key,
                                     answers={k: pb.ChecklistAnswer(result=a.result, note=a.note) for k, a in body.answers.items()})
    return to_json(await stub(backends).SubmitInspection(req, metadata=caller.metadata))


@router.post("/inspections/{inspection_id}/confirmations", responses=returns(INSPECTION),
             summary="Confirm the record as one of the two inspectors; the second confirmation completes it")
async def confirm(inspection_id: InspectionId, body: ConfirmIn, caller: StaffDep, backends: BackendsDep) -> dict[str, Any]:
    return to_json(await stub(backends).ConfirmInspection(pb.ConfirmInspectionRequest(
        inspection_id=inspection_id, signature_sha256=body.signature_sha256), metadata=caller.metadata))


