"""随手拍 without an account: prove a phone by SMS code, then report with the phone token.

    POST /v1/report-verifications           anyone: a code goes to the phone (registration's rules and rate limits)
    POST /v1/report-verifications/confirm   the code -> a phone token (30 min) and the masked phone
    GET  /v1/report-map                     the map tiles the app's report form shows (deployment settings)

With the phone token a person without an account uploads photos (`POST /v1/materials`,
header `Phone-Token`) and reports (`POST /v1/reports`, body `phone_token`) in a category
that takes anonymous reports; the answer's `access_token` reads that report later
(`GET /v1/reports/{id}` and its photos, header `Report-Token`). Neither token is an
access token: `Authorization` never carries them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.deps import BackendsDep
from gateway.identity_views import NO_STORE, SLUG, identity
from mgov.identity.v1 import identity_pb2

router = APIRouter(prefix="/v1", tags=["reports"])


class VerificationBody(BaseModel):
    tenant_id: str = Field(pattern=SLUG, description="the city or county of the report (GET /v1/report-categories)", examples=["xihu"])
    phone: str = Field(min_length=1, max_length=20, description="mainland mobile number", examples=["13812345678"])


class VerificationStarted(BaseModel):
    verification_id: str = Field(description="name it with the code in POST /v1/report-verifications/confirm")
    status: str = "code_sent"
    expires_in: int = Field(description="seconds the code is valid")


class ConfirmBody(BaseModel):
    verification_id: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=12, description="the six digits sent by SMS")


class PhoneToken(BaseModel):
    phone_token: str = Field(description="for POST /v1/materials (header Phone-Token) and POST /v1/reports (phone_token)")
    expires_in: int
    phone_masked: str = Field(description="what handlers will see, e.g. 138****5678")


@router.post("/report-verifications", status_code=202, response_model=VerificationStarted,
             summary="Report without an account: send a code to the phone by SMS")
async def start(body: VerificationBody, caller: CallerDep, backends: BackendsDep) -> dict[str, Any]:
    resp = await identity(backends).StartPhoneVerification(identity_pb2.StartPhoneVerificationRequest(
        tenant_id=body.tenant_id, phone=body.phone, source_address=caller.source_address))
    return {"verification_id": resp.verification_id, "status": "code_sent", "expires_in": resp.expires_in_seconds}


@router.post("/report-verifications/confirm", response_model=PhoneToken, summary="The SMS code for a phone token")
async def confirm(body: ConfirmBody, response: Response, caller: CallerDep, backends: BackendsDep) -> dict[str, Any]:
    resp = await identity(backends).ConfirmPhoneVerification(identity_pb2.ConfirmPhoneVerificationRequest(
        verification_id=body.verification_id, code=body.code, source_address=caller.source_address))
    response.headers.update(NO_STORE)
    return {"phone_token": resp.phone_token, "expires_in": resp.expires_in_seconds, "phone_masked": resp.phone_masked}


class MapSettings(BaseModel):
    tile_url: str = Field(description="XYZ tile URL template; empty = no map (typed address and the phone's location)")
    attribution: str


@router.get("/report-map", response_model=MapSettings, summary="The map tiles of the report form (empty tile_url: no map)")
async def report_map(request: Request, response: Response) -> dict[str, Any]:
    settings = request.app.state.settings
    response.headers["Cache-Control"] = "public, max-age=300"
    return {"tile_url": settings.map_tile_url, "attribution": settings.map_attribution}
