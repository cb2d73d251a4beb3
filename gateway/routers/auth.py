"""Sign-up (registration confirmed by an SMS code), sign-in, token refresh, logout and the JWKS (docs/identity.md).

Token responses are `Cache-Control: no-store` (RFC 6749 §5.1). The client's address
(`Caller.source_address`: the TCP peer, or X-Forwarded-For only when the peer is one of
the proxies in `MGOV_GATEWAY_FORWARDED_ALLOW_IPS`) goes to identity for sign-in
throttling, the registration rate limits and the audit log.
"""

from __future__ import annotations

from typing import Any

import grpc
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from gateway.auth import CallerDep, refuse_non_person
from gateway.deps import BackendsDep
from gateway.identity_views import NO_STORE, SLUG, identity, renamed, token_json
from mgov.identity.v1 import identity_pb2
from gateway.schemas import obj, returns, string

router = APIRouter(prefix="/v1", tags=["auth"])


class RegisterBody(BaseModel):
    tenant_id: str = Field(pattern=SLUG, description="tenant of residence", examples=["hangzhou"])
    phone: str = Field(min_length=1, max_length=20, description="mainland mobile number", examples=["13900000100"])
    password: str = Field(min_length=1, max_length=128, description="8+ characters, not common, not the phone")
    name: str = Field(min_length=1, max_length=64, examples=["张小明"])


class RegisterResult(BaseModel):
    registration_id: str = Field(description="name it with the code in POST /v1/auth/register/confirm")
    status: str = Field(default="code_sent", description="always code_sent: the answer is the same for a registered phone")
    expires_in: int = Field(description="seconds the code is valid")


class ConfirmBody(BaseModel):
    registration_id: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=12, description="the six digits sent by SMS", examples=["428913"])


class TokenBody(BaseModel):
    username: str = Field(min_length=1, max_length=20, description="the phone number", examples=["13900000100"])
    password: str = Field(min_length=1, max_length=128)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_expires_in: int


class Registered(TokenPair):
    user_id: str = Field(description="the new account's id")


class RefreshBody(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutBody(BaseModel):
    refresh_token: str | None = Field(default=None, min_length=1, max_length=200)
    all_sessions: bool = Field(default=False, description="end every session of the signed-in caller")


@router.post("/auth/register", status_code=202, response_model=RegisterResult,
             summary="Start a citizen's registration: a code is sent by SMS (confirm it to create the account)")
async def register(body: RegisterBody, caller: CallerDep, backends: BackendsDep) -> dict[str, Any]:
    resp = await identity(backends).Register(identity_pb2.RegisterRequest(
        tenant_id=body.tenant_id, phone=body.phone, password=body.password, name=body.name,
        source_address=caller.source_address))
    return {"registration_id": resp.registration_id, "status": "code_sent", "expires_in": resp.expires_in_seconds}


@router.post("/auth/register/confirm", response_model=Registered,
             summary="Confirm a registration with the SMS code: the account is created and signed in")
async def confirm_registration(body: ConfirmBody, request: Request, response: Response, caller: CallerDep,
                               backends: BackendsDep) -> dict[str, Any]:
    resp = await identity(backends).ConfirmRegistration(identity_pb2.ConfirmRegistrationRequest(
        registration_id=body.registration_id, code=body.code, source_address=caller.source_address,
        user_agent=request.headers.get("user-agent", "")[:200]))
    response.headers.update(NO_STORE)
    return {**token_json(resp.tokens), "user_id": resp.user_id}


@router.post("/auth/token", response_model=TokenPair, summary="Sign in with phone and password")
async def token(body: TokenBody, request: Request, response: Response, caller: CallerDep, backends: BackendsDep) -> dict[str, Any]:
    try:
        resp = await identity(backends).Authenticate(identity_pb2.AuthenticateRequest(
            phone=body.username, password=body.password, source_address=caller.source_address,
            user_agent=request.headers.get("user-agent", "")[:200]))
    except grpc.aio.AioRpcError as exc:
        raise renamed(exc, {"phone": "username"}) from None
    response.headers.update(NO_STORE)
    return token_json(resp.tokens)


@router.post("/auth/refresh", response_model=TokenPair, summary="Exchange a refresh token for a new pair")
async def refresh(body: RefreshBody, response: Response, caller: CallerDep, backends: BackendsDep) -> dict[str, Any]:
    resp = await identity(backends).Refresh(identity_pb2.RefreshRequest(
        refresh_token=body.refresh_token, source_address=caller.source_address))
    response.headers.update(NO_STORE)
    return token_json(resp.tokens)


@router.post("/auth/logout", status_code=204, summary="Revoke a refresh token's session (or all of the caller's)")
async def logout(body: LogoutBody, caller: CallerDep, backends: BackendsDep) -> Response:
    if body.all_sessions:
        refuse_non_person(caller)  # a system has no sessions; its token is not a person's
    await identity(backends).Revoke(identity_pb2.RevokeRequest(
        refresh_token=body.refresh_token or "", all_sessions=body.all_sessions, source_address=caller.source_address),
        metadata=caller.metadata)
    return Response(status_code=204)


@router.get("/.well-known/jwks.json", responses=returns(obj("JsonWebKeySet", {"keys": {"type": "array", "items": obj("JsonWebKey", {k: string() for k in ("kty", "crv", "x", "kid", "alg", "use")})}})), summary="Public keys verifying access tokens (RFC 7517)")
async def jwks(response: Response, backends: BackendsDep) -> dict[str, Any]:
    resp = await identity(backends).GetJwks(identity_pb2.GetJwksRequest())
    response.headers["Cache-Control"] = f"public, max-age={resp.max_age_seconds or 300}"
    return {"keys": [{"kty": k.kty, "crv": k.crv, "x": k.x, "kid": k.kid, "alg": k.alg, "use": k.use} for k in resp.keys]}
