"""Shared by the identity routers: the stub, JSON views of users and tenants, and
renaming the fields of a gRPC validation error to the HTTP body's names."""

from __future__ import annotations

from typing import Any

import grpc

from gateway import schemas
from gateway.backends import Backends
from gateway.grpc_errors import error_detail
from gateway.problems import Problem
from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.protojson import timestamp_to_json

SLUG = r"^[a-z][a-z0-9-]{1,30}$"
LEVELS = {identity_pb2.TENANT_LEVEL_PROVINCE: "province", identity_pb2.TENANT_LEVEL_CITY: "city",
          identity_pb2.TENANT_LEVEL_COUNTY: "county"}
LEVELS_PB = {v: k for k, v in LEVELS.items()}
STATUSES = {identity_pb2.TENANT_STATUS_ACTIVE: "active", identity_pb2.TENANT_STATUS_SUSPENDED: "suspended"}
STATUSES_PB = {v: k for k, v in STATUSES.items()}
USER_STATUSES = {identity_pb2.USER_STATUS_ACTIVE: "active", identity_pb2.USER_STATUS_LOCKED: "locked",
                 identity_pb2.USER_STATUS_DISABLED: "disabled"}
# Responses carrying tokens or unmasked personal data are never cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def identity(backends: Backends) -> identity_pb2_grpc.IdentityServiceStub:
    return backends.stub("identity", identity_pb2_grpc.IdentityServiceStub)  # type: ignore[no-any-return]


def tenant_json(t: identity_pb2.Tenant) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": {"zh": t.name.zh, "en": t.name.en or None},
        "division_code": t.division_code,
        "parent_id": t.parent_id or None,
        "level": LEVELS.get(t.level, "unspecified"),
        "status": STATUSES.get(t.status, "unspecified"),
        "create_time": timestamp_to_json(t.create_time),
        "update_time": timestamp_to_json(t.update_time),
    }


def user_json(u: identity_pb2.User) -> dict[str, Any]:
    """Phone and national ID as identity gave them: unmasked only for their owner."""
    return {
        "id": u.id,
        "user_id": u.id,
        "name": u.name,
        "phone": u.phone,
        "tenant_id": u.tenant_id,
        "roles": [{"tenant_id": r.tenant_id, "role": r.role} for r in u.roles],
        "identity_level": int(u.identity_level),
        "national_id": u.national_id or None,
        "status": USER_STATUSES.get(u.status, "unspecified"),
        "create_time": timestamp_to_json(u.create_time),
        "update_time": timestamp_to_json(u.update_time),
    }


def token_json(pair: identity_pb2.TokenPair) -> dict[str, Any]:
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "token_type": pair.token_type or "Bearer",
        "expires_in": pair.expires_in,
        "refresh_expires_in": pair.refresh_expires_in,
    }


def renamed(exc: grpc.aio.AioRpcError, names: dict[str, str]) -> Exception:
    """A validation error whose fields carry the HTTP body's names (e.g. phone -> username)."""
    if exc.code() != grpc.StatusCode.INVALID_ARGUMENT:
        return exc
    detail = error_detail(exc)
    errors = [{"field": names.get(v.field, v.field), "code": v.code, "message": v.description} for v in detail.field_violations]
    message = detail.message or exc.details() or "invalid input"
    for old, new in names.items():
        message = message.replace(old, new)
    return Problem(422, detail.code or "invalid_argument", message, errors=errors or None)


# The schemas of the views above (the OpenAPI document; tests/unit/test_api_conventions.py).
TENANT_SCHEMA = schemas.obj("Tenant", {
    "id": schemas.string(), "name": schemas.TEXT, "division_code": schemas.string(), "parent_id": schemas.string(nullable=True),
    "level": schemas.string(enum=[*LEVELS.values(), "unspecified"]), "status": schemas.string(enum=[*STATUSES.values(), "unspecified"]),
    "create_time": schemas.TIME, "update_time": schemas.TIME,
})
USER_SCHEMA = schemas.obj("User", {
    "id": schemas.string(), "user_id": schemas.string(), "name": schemas.string(), "phone": schemas.string(),
    "tenant_id": schemas.string(),
    "roles": {"type": "array", "items": schemas.obj("RoleBinding", {"tenant_id": schemas.string(), "role": schemas.string()})},
    "identity_level": schemas.INTEGER, "national_id": schemas.string(nullable=True),
    "status": schemas.string(enum=[*USER_STATUSES.values(), "unspecified"]), "create_time": schemas.TIME, "update_time": schemas.TIME,
})


def invitation_json(i: identity_pb2.StaffInvitation) -> dict[str, Any]:
    return {"id": i.id, "tenant_id": i.tenant_id, "roles": list(i.roles), "phone": i.phone, "status": i.status,
            "create_time": timestamp_to_json(i.create_time), "expire_time": timestamp_to_json(i.expire_time)}


INVITATION_SCHEMA = schemas.message(identity_pb2.StaffInvitation.DESCRIPTOR)
