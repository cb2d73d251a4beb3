"""Tenant back-office systems (docs/tenant-systems.md).

    POST   /v1/tenants/{t}/systems                      tenant admin: register; secrets shown once
    GET    /v1/tenants/{t}/systems                      tenant admin: list (never secrets)
    POST   /v1/tenants/{t}/systems/{id}/rotate          tenant admin: new secrets; the old ones stop within seconds
    DELETE /v1/tenants/{t}/systems/{id}                 tenant admin: revoke (idempotent)
    GET    /v1/tenants/{t}/webhook-deliveries           tenant admin: the outbound delivery log
    GET    /v1/tenants/{t}/rejected-events              tenant admin: refused ingest events, with reasons (oldest first)
    POST   /v1/oauth/token                              a system: client-credentials grant (RFC 6749 §4.4)
    POST   /v1/tenants/{t}/events                       a system of t: one CloudEvent → 202, refused → 4xx
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qs, unquote

import grpc
import nats.errors
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.auth import SignedInDep
from gateway.deps import BackendsDep
from gateway.identity_views import SLUG, identity
from gateway.paging import PageSize, PageToken
from gateway.problems import Problem
from gateway.request_limits import EVENT_MAX_BODY
from mgov.identity.v1 import identity_pb2
from mgov_common import ingest, safejson
from mgov_common.events.streams import REJECTED_STREAM
from mgov_common.principal import SYSTEM
from mgov_common.protojson import timestamp_to_json
from gateway.schemas import BOOLEAN, INTEGER, TIME, obj, page, returns, string

router = APIRouter(tags=["systems"])
TenantId = Path(pattern=SLUG, description="tenant slug, e.g. hangzhou")
SystemId = Path(pattern=r"^[0-9a-f-]{36}$", description="system id (UUID)")


class SystemCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["杭州市不动产登记系统"])
    event_types: list[str] = Field(min_length=1, max_length=10, examples=[[ingest.CASE_STATUS_CHANGED]])
    webhook_url: str | None = Field(default=None, max_length=2000, examples=["https://bdc.hangzhou.gov.cn/mgov/events"])


def system_json(s: identity_pb2.System) -> dict[str, Any]:
    return {
        "id": s.id, "tenant_id": s.tenant_id, "name": s.name, "event_types": list(s.event_types), "client_id": s.client_id,
        "nats_user": s.nats_user, "webhook_url": s.webhook_url or None,
        "status": "active" if s.status == identity_pb2.SYSTEM_STATUS_ACTIVE else "revoked",
        "credentials_version": s.credentials_version, "create_time": timestamp_to_json(s.create_time),
        "rotate_time": timestamp_to_json(s.rotate_time), "revoke_time": timestamp_to_json(s.revoke_time),
        "publish_subjects": [f"mgov.ingest.{s.tenant_id}.{s.id}.>"], "subscribe_subjects": [f"mgov.evt.{s.tenant_id}.>"],
    }


def credentials_json(resp: identity_pb2.RegisterSystemResponse) -> dict[str, Any]:
    c = resp.credentials
    body = {
        "system_id": resp.system.id, "client_id": c.client_id, "client_secret": c.client_secret,
        "token_endpoint": "/v1/oauth/token",
        "nats": {"url": c.nats_url, "user": c.nats_user, "password": c.nats_password, "inbox_prefix": c.nats_inbox_prefix},
        "system": system_json(resp.system),
    }
    if c.webhook_secret:
        body["webhook_secret"] = c.webhook_secret
    return body


# The schemas of the views above (the OpenAPI document).
_S, _TIME, _INT = string(), TIME, INTEGER
SYSTEM_SCHEMA = obj("System", {
    "id": _S, "tenant_id": _S, "name": _S, "event_types": {"type": "array", "items": _S}, "client_id": _S, "nats_user": _S,
    "webhook_url": string(nullable=True), "status": string(enum=["active", "revoked"]), "credentials_version": _INT,
    "create_time": _TIME, "rotate_time": _TIME, "revoke_time": _TIME,
    "publish_subjects": {"type": "array", "items": _S}, "subscribe_subjects": {"type": "array", "items": _S},
})
CREDENTIALS_SCHEMA = obj("SystemCredentials", {
    "system_id": _S, "client_id": _S, "client_secret": _S, "token_endpoint": _S,
    "nats": obj("NatsCredentials", {"url": _S, "user": _S, "password": _S, "inbox_prefix": _S}),
    "system": SYSTEM_SCHEMA, "webhook_secret": _S,
}, optional=("webhook_secret",))
WEBHOOK_DELIVERY_SCHEMA = obj("WebhookDelivery", {
    "id": _S, "system_id": _S, "event_id": _S, "event_type": _S, "status": _S, "attempts": _INT,
    "last_status_code": {"type": ["integer", "null"]}, "last_error": string(nullable=True),
    "create_time": _TIME, "next_attempt_time": _TIME, "deliver_time": _TIME,
})
REJECTED_EVENT_SCHEMA = obj("RejectedEvent", {
    "sequence": _INT, "system_id": string(nullable=True), "event_id": string(nullable=True), "code": string(nullable=True),
    "reason": string(nullable=True), "subject": string(nullable=True),
    "event": {"description": "the event as sent: JSON when it parses, else its first 2000 characters as text"},
})
_OAUTH_ERROR = {"content": {"application/json": {"schema": obj("OAuthError", {"error": _S, "error_description": _S})}}}


@router.post("/v1/tenants/{tenant_id}/systems", responses=returns(CREDENTIALS_SCHEMA, 201), status_code=201, summary="Register a back-office system (secrets shown once)")
async def register_system(body: SystemCreate, caller: SignedInDep, backends: BackendsDep, response: Response,
                          tenant_id: str = TenantId) -> dict[str, Any]:
    resp = await identity(backends).RegisterSystem(identity_pb2.RegisterSystemRequest(
        tenant_id=tenant_id, name=body.name, event_types=body.event_types, webhook_url=body.webhook_url or ""),
        metadata=caller.metadata)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Location"] = f"/v1/tenants/{tenant_id}/systems/{resp.system.id}"
    return credentials_json(resp)


@router.get("/v1/tenants/{tenant_id}/systems", responses=returns(page(SYSTEM_SCHEMA)), summary="The tenant's systems (never their secrets)")
async def list_systems(caller: SignedInDep, backends: BackendsDep, tenant_id: str = TenantId, include_revoked: bool = False,
                       page_size: PageSize = 0, page_token: PageToken = "") -> dict[str, Any]:
    resp = await identity(backends).ListSystems(identity_pb2.ListSystemsRequest(
        tenant_id=tenant_id, include_revoked=include_revoked, page_size=page_size, page_token=page_token), metadata=caller.metadata)
    return {"items": [system_json(s) for s in resp.systems], "next_page_token": resp.next_page_token}


@router.post("/v1/tenants/{tenant_id}/systems/{system_id}/rotate", responses=returns(CREDENTIALS_SCHEMA), summary="New credentials; the old ones stop working within seconds")
async def rotate_system(caller: SignedInDep, backends: BackendsDep, response: Response, tenant_id: str = TenantId,
                        system_id: str = SystemId) -> dict[str, Any]:
    resp = await identity(backends).RotateSystemCredentials(identity_pb2.RotateSystemCredentialsRequest(
        tenant_id=tenant_id, system_id=system_id), metadata=caller.metadata)
    response.headers["Cache-Control"] = "no-store"
    return credentials_json(resp)


@router.delete("/v1/tenants/{tenant_id}/systems/{system_id}", responses=returns(SYSTEM_SCHEMA), summary="Revoke a system: its credentials stop working within seconds")
async def revoke_system(caller: SignedInDep, backends: BackendsDep, tenant_id: str = TenantId, system_id: str = SystemId) -> dict[str, Any]:
    s = await identity(backends).RevokeSystem(identity_pb2.RevokeSystemRequest(tenant_id=tenant_id, system_id=system_id),
                                              metadata=caller.metadata)
    return system_json(s)


@router.get("/v1/tenants/{tenant_id}/webhook-deliveries", responses=returns(page(WEBHOOK_DELIVERY_SCHEMA)), summary="The delivery log of the tenant's webhooks, newest first")
async def list_deliveries(caller: SignedInDep, backends: BackendsDep, tenant_id: str = TenantId,
                          system_id: str = Query(default="", max_length=36), page_size: PageSize = 0,
                          page_token: PageToken = "") -> dict[str, Any]:
    resp = await identity(backends).ListWebhookDeliveries(identity_pb2.ListWebhookDeliveriesRequest(
        tenant_id=tenant_id, system_id=system_id, page_size=page_size, page_token=page_token), metadata=caller.metadata)
    items = [{"id": d.id, "system_id": d.system_id, "event_id": d.event_id, "event_type": d.event_type, "status": d.status,
              "attempts": d.attempts, "last_status_code": d.last_status_code or None, "last_error": d.last_error or None,
              "create_time": timestamp_to_json(d.create_time), "next_attempt_time": timestamp_to_json(d.next_attempt_time), "deliver_time": timestamp_to_json(d.deliver_time)}
             for d in resp.deliveries]
    return {"items": items, "next_page_token": resp.next_page_token}


def _admin_of(caller: Any, tenant_id: str) -> None:
    p = caller.principal
    if p.kind != "user" or not ({"tenant_admin", "province_admin"} & p.roles_in(tenant_id) or p.tenants_with("province_admin")):
        raise Problem(403, "forbidden", f"only admins of {tenant_id} read its rejected events")


def _js(request: Request) -> Any:
    live = getattr(request.app.state, "live", None)
    if live is None or not live.connected:
        raise Problem(503, "bus_unavailable", "the event bus is not reachable; try again", headers={"Retry-After": "2"})
    return live.nc.jetstream()


@router.get("/v1/tenants/{tenant_id}/rejected-events", responses=returns(page(REJECTED_EVENT_SCHEMA)), summary="Refused events of the tenant's systems, oldest first, with the reason")
async def rejected_events(request: Request, caller: SignedInDep, tenant_id: str = TenantId,
                          page_size: int = Query(default=50, ge=1, le=500),
                          page_token: str = Query(default="", pattern=r"^[0-9]{0,20}$", description="the stream sequence to go on from")) -> dict[str, Any]:
    _admin_of(caller, tenant_id)
    js = _js(request)
    subject = f"{ingest.REJECTED_PREFIX}.{tenant_id}.>"
    items: list[dict[str, Any]] = []
    seq = int(page_token or 1)
    next_token = ""
    # The stream is shared by all tenants; the server filters by the tenant's subjects (next_by_subj).
    while True:
        try:
            msg = await js.get_msg(REJECTED_STREAM, seq=seq, subject=subject, next=True)
        except Exception:  # noqa: BLE001 - no further message of the tenant
            break
        if len(items) == page_size:
            next_token = str(msg.seq)
            break
        h = msg.headers or {}
        # A refused event may be anything a system sent (too deep, too large, not JSON): shown as text then.
        event: Any = safejson.try_loads(msg.data or b"", max_bytes=ingest.MAX_EVENT_BYTES)
        if event is None:
            event = (msg.data or b"")[:2000].decode(errors="replace")
        items.append({"sequence": msg.seq, "system_id": h.get("Mgov-System"), "event_id": h.get("Mgov-Event-Id") or None,
                      "code": h.get("Mgov-Error-Code"), "reason": h.get("Mgov-Error"), "subject": h.get("Mgov-Original-Subject"),
                      "event": event})
        seq = (msg.seq or seq) + 1
    return {"items": items, "next_page_token": next_token}


def _oauth_error(status: int, error: str, description: str, basic: bool = False) -> JSONResponse:
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="mgov"' if basic else 'Bearer realm="mgov"'
    return JSONResponse({"error": error, "error_description": description}, status_code=status, headers=headers)


@router.post("/v1/oauth/token", summary="OAuth2 client-credentials grant for tenant systems (form-encoded, RFC 6749 §4.4)",
             responses={**returns(obj("AccessToken", {"access_token": _S, "token_type": string(enum=["Bearer"]), "expires_in": _INT,
                                                      "scope": _S})),
                        400: {"description": "RFC 6749 §5.2 error", **_OAUTH_ERROR},
                        401: {"description": "invalid_client", **_OAUTH_ERROR}})
async def oauth_token(request: Request, backends: BackendsDep) -> Response:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return _oauth_error(400, "invalid_request", "send application/x-www-form-urlencoded (RFC 6749 §4.4.2)")
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode(errors="replace"), keep_blank_values=True).items()}
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    basic = False
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        basic = True
        try:
            raw = base64.b64decode(header[6:].strip(), validate=True).decode()
            user, _, password = raw.partition(":")
            client_id, client_secret = unquote(user), unquote(password)
        except (binascii.Error, UnicodeDecodeError):
            return _oauth_error(401, "invalid_client", "malformed Basic credentials", basic=True)
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type" if form.get("grant_type") else "invalid_request",
                            "grant_type must be client_credentials")
    if not client_id or not client_secret:
        return _oauth_error(401, "invalid_client", "client authentication failed", basic)
    try:
        resp = await identity(backends).IssueSystemToken(identity_pb2.IssueSystemTokenRequest(
            grant_type="client_credentials", client_id=client_id, client_secret=client_secret, scope=form.get("scope", ""),
            source_address=request.client.host if request.client else ""))
    except grpc.aio.AioRpcError as err:
        if err.code() == grpc.StatusCode.UNAUTHENTICATED:
            return _oauth_error(401, "invalid_client", "client authentication failed", basic)
        if err.code() == grpc.StatusCode.INVALID_ARGUMENT:
            return _oauth_error(400, "invalid_scope" if "scope" in (err.details() or "") else "invalid_request", err.details() or "")
        raise
    return JSONResponse({"access_token": resp.access_token, "token_type": "Bearer", "expires_in": resp.expires_in, "scope": resp.scope},
                        headers={"Cache-Control": "no-store", "Pragma": "no-cache"})




@router.post("/v1/tenants/{tenant_id}/events", status_code=202, summary="Ingest one CloudEvent from a system of the tenant",
             responses={**returns(obj("Accepted", {"id": _S, "status": string(enum=["accepted"]), "duplicate": BOOLEAN}), 202),
                        403: {"description": "not a system of this tenant, or a body claiming another tenant"}}, max_body_size=EVENT_MAX_BODY)
async def ingest_event(request: Request, caller: SignedInDep, backends: BackendsDep, tenant_id: str = TenantId) -> Response:
    p = caller.principal
    if p.kind != SYSTEM:
        raise Problem(403, "system_only", "only a tenant system publishes events (client-credentials token from /v1/oauth/token)")
    if p.tenant != tenant_id:
        raise Problem(403, "tenant_mismatch", f"this system belongs to {p.tenant}; it may not publish events of {tenant_id}")
    allowed = caller.system_event_types
    assert allowed is not None  # a revoked or unknown system was refused by gateway.auth
    raw = await request.body()  # bounded by the route's max_body_size (413 before it is read)
    try:
        accepted = ingest.check(raw, tenant=p.tenant, system_id=p.subject, allowed_types=allowed)
    except ingest.Refused as exc:
        raise Problem(exc.status, exc.code, str(exc)) from None
    event = accepted.event
    # Through admission, like a system's own NATS publish: one set of quotas for both paths.
    reply = await _admit(request, ingest.ingest_subject(p.tenant, p.subject, event.type), event.to_json().encode(),
                         {"Nats-Msg-Id": str(event.id)})
    return JSONResponse({"id": str(event.id), "status": "accepted", "duplicate": bool(reply.get("duplicate"))}, status_code=202)


async def _admit(request: Request, subject: str, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """Admission's answer (mgov_common.ingest_admission); its refusals as problems."""
    live = getattr(request.app.state, "live", None)
    if live is None or not live.connected:
        raise Problem(503, "bus_unavailable", "the event bus is not reachable; try again", headers={"Retry-After": "2"})
    try:
        msg = await live.nc.request(subject, data, timeout=10, headers=headers)
    except (nats.errors.NoRespondersError, nats.errors.TimeoutError, TimeoutError):
        raise Problem(503, "ingest_unavailable", "events cannot be accepted now; try again", headers={"Retry-After": "2"}) from None
    reply = safejson.try_loads(msg.data or b"")
    if not isinstance(reply, dict):
        raise Problem(503, "ingest_unavailable", "events cannot be accepted now; try again", headers={"Retry-After": "2"})
    err, ours = reply.get("error"), reply.get("mgov")
    if isinstance(err, dict):
        ours = ours if isinstance(ours, dict) else {}
        status = int(err.get("code") or 503)
        retry = ours.get("retry_after_s") or (2 if status == 503 else None)
        raise Problem(status, str(ours.get("code") or "refused"), str(err.get("description") or ""),
                      headers={"Retry-After": str(int(retry))} if retry else None)
    return reply
