"""The signed-in user: their account (unmasked to them) and adding a national ID."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from gateway.auth import SignedInDep
from gateway.deps import BackendsDep
from gateway.identity_views import NO_STORE, identity, user_json
from mgov.identity.v1 import identity_pb2
from gateway.identity_views import USER_SCHEMA
from gateway.schemas import returns

router = APIRouter(prefix="/v1", tags=["me"])


class NationalIdBody(BaseModel):
    national_id: str = Field(min_length=1, max_length=32, description="18-character resident ID number (GB 11643)")
    real_name: str = Field(min_length=1, max_length=64, description="name as on the ID card")


@router.get("/me", responses=returns(USER_SCHEMA), summary="The signed-in user, with roles per tenant")
async def me(caller: SignedInDep, response: Response, backends: BackendsDep) -> dict[str, Any]:
    user = await identity(backends).GetUser(identity_pb2.GetUserRequest(), metadata=caller.metadata)
    response.headers.update(NO_STORE)
    return user_json(user)


@router.post("/me/national-id", responses=returns(USER_SCHEMA), summary="Add a national ID number: identity level becomes real-name (2)")
async def national_id(body: NationalIdBody, caller: SignedInDep, response: Response, backends: BackendsDep) -> dict[str, Any]:
    user = await identity(backends).SetNationalId(
        identity_pb2.SetNationalIdRequest(national_id=body.national_id, real_name=body.real_name), metadata=caller.metadata)
    response.headers.update(NO_STORE)
    return user_json(user)
