"""The signed-in user: their account (unmasked to them), adding a national ID, and
their invitations to be staff of a tenant (accept or decline)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from gateway.auth import PersonDep
from gateway.deps import BackendsDep
from gateway.identity_views import INVITATION_SCHEMA, NO_STORE, USER_SCHEMA, identity, invitation_json, user_json
from mgov.identity.v1 import identity_pb2
from gateway.schemas import page, returns

router = APIRouter(prefix="/v1", tags=["me"])


class NationalIdBody(BaseModel):
    national_id: str = Field(min_length=1, max_length=32, description="18-character resident ID number (GB 11643)")
    real_name: str = Field(min_length=1, max_length=64, description="name as on the ID card")


@router.get("/me", responses=returns(USER_SCHEMA), summary="The signed-in user, with roles per tenant")
async def me(caller: PersonDep, response: Response, backends: BackendsDep) -> dict[str, Any]:
    user = await identity(backends).GetUser(identity_pb2.GetUserRequest(), metadata=caller.metadata)
    response.headers.update(NO_STORE)
    return user_json(user)


@router.post("/me/national-id", responses=returns(USER_SCHEMA), summary="Add a national ID number: identity level becomes real-name (2)")
async def national_id(body: NationalIdBody, caller: PersonDep, response: Response, backends: BackendsDep) -> dict[str, Any]:
    user = await identity(backends).SetNationalId(
        identity_pb2.SetNationalIdRequest(national_id=body.national_id, real_name=body.real_name), metadata=caller.metadata)
    response.headers.update(NO_STORE)
    return user_json(user)


@router.get("/me/invitations", responses=returns(page(INVITATION_SCHEMA)), summary="Your pending invitations to be staff of a tenant")
async def invitations(caller: PersonDep, response: Response, backends: BackendsDep) -> dict[str, Any]:
    resp = await identity(backends).ListMyInvitations(identity_pb2.ListMyInvitationsRequest(), metadata=caller.metadata)
    response.headers.update(NO_STORE)
    return {"items": [invitation_json(i) for i in resp.invitations], "next_page_token": ""}


async def _answer(caller: Any, backends: Any, invitation_id: str, accept: bool) -> dict[str, Any]:
    inv = await identity(backends).AnswerInvitation(identity_pb2.AnswerInvitationRequest(invitation_id=invitation_id, accept=accept),
                                                    metadata=caller.metadata)
    return invitation_json(inv)


@router.post("/me/invitations/{invitation_id}/accept", responses=returns(INVITATION_SCHEMA), summary="Accept: the roles are yours (sign in again or refresh to use them)")
async def accept(invitation_id: Annotated[str, Path(max_length=64)], caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    return await _answer(caller, backends, invitation_id, True)


@router.post("/me/invitations/{invitation_id}/decline", responses=returns(INVITATION_SCHEMA), summary="Decline an invitation")
async def decline(invitation_id: Annotated[str, Path(max_length=64)], caller: PersonDep, backends: BackendsDep) -> dict[str, Any]:
    return await _answer(caller, backends, invitation_id, False)
