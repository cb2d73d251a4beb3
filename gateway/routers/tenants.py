"""The tenant tree (public) and its administration: tenants, staff and their roles.

    GET    /v1/tenants                                      anyone: the tree, parents first
    GET    /v1/tenants/{tenant_id}                          anyone
    POST   /v1/tenants                                      province admin; a city's admin for its counties
    PATCH  /v1/tenants/{tenant_id}                          admins above; its own admin (names only)
    GET    /v1/tenants/{tenant_id}/staff                    the tenant's admins
    POST   /v1/tenants/{tenant_id}/staff                    create a staff account with roles
    PUT    /v1/tenants/{tenant_id}/staff/{user_id}/roles/{role}   grant (idempotent)
    DELETE /v1/tenants/{tenant_id}/staff/{user_id}/roles/{role}   remove (idempotent)
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Response
from google.protobuf.field_mask_pb2 import FieldMask
from pydantic import BaseModel, ConfigDict, Field

from gateway.auth import CallerDep, SignedInDep
from gateway.deps import BackendsDep
from gateway.identity_views import (
    INVITATION_SCHEMA, LEVELS_PB, SLUG, STATUSES_PB, TENANT_SCHEMA, USER_SCHEMA, identity, invitation_json, tenant_json, user_json,
)
from gateway.paging import PageSize, PageToken
from gateway.problems import Problem
from mgov.common.v1 import common_pb2
from mgov.identity.v1 import identity_pb2
from gateway.schemas import page, returns

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])
TenantId = Path(pattern=SLUG, description="tenant slug, e.g. hangzhou")
Role = Path(pattern=r"^[a-z_]{1,32}$", description="clerk, approver, supervisor, dispatcher, finance, tenant_admin or province_admin")


class Name(BaseModel):
    zh: str = Field(min_length=1, max_length=100, examples=["拱墅区"])
    en: str | None = Field(default=None, max_length=100, examples=["Gongshu District"])


class NamePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str | None = Field(default=None, min_length=1, max_length=100)
    en: str | None = Field(default=None, max_length=100)


class TenantCreate(BaseModel):
    id: str = Field(pattern=SLUG, examples=["gongshu"])
    name: Name
    division_code: str = Field(pattern=r"^[0-9]{6}$", examples=["330105"])
    parent_id: str = Field(pattern=SLUG, examples=["hangzhou"])
    level: Literal["city", "county"] | None = Field(default=None, description="optional: always one below the parent")


class TenantPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: NamePatch | None = None
    status: Literal["active", "suspended"] | None = None


class StaffCreate(BaseModel):
    phone: str = Field(min_length=1, max_length=20, examples=["13900000013"])
    name: str = Field(min_length=1, max_length=64)
    password: str | None = Field(default=None, min_length=1, max_length=128,
                                 description="initial password; omit when the phone already has an account")
    roles: list[str] = Field(min_length=1, max_length=6, examples=[["clerk"]])


def _list(items: list[dict[str, Any]], token: str) -> dict[str, Any]:
    return {"items": items, "next_page_token": token}


@router.get("", responses=returns(page(TENANT_SCHEMA)), summary="The tenant tree: province, cities, counties (parents first)")
async def list_tenants(
    caller: CallerDep, backends: BackendsDep,
    parent_id: str | None = Query(default=None, pattern=SLUG), root_id: str | None = Query(default=None, pattern=SLUG),
    include_suspended: bool = False, page_size: PageSize = 0, page_token: PageToken = "",
) -> dict[str, Any]:
    resp = await identity(backends).ListTenants(identity_pb2.ListTenantsRequest(
        root_id=root_id or "", parent_id=parent_id or "", include_suspended=include_suspended,
        page_size=page_size, page_token=page_token), metadata=caller.metadata)
    return _list([tenant_json(t) for t in resp.tenants], resp.next_page_token)


@router.get("/{tenant_id}", responses=returns(TENANT_SCHEMA), summary="One tenant")
async def get_tenant(backends: BackendsDep, tenant_id: str = TenantId) -> dict[str, Any]:
    return tenant_json(await identity(backends).GetTenant(identity_pb2.GetTenantRequest(tenant_id=tenant_id)))


@router.post("", responses=returns(TENANT_SCHEMA, 201), status_code=201, summary="Create a city or county")
async def create_tenant(body: TenantCreate, caller: SignedInDep, response: Response, backends: BackendsDep) -> dict[str, Any]:
    tenant = await identity(backends).CreateTenant(identity_pb2.CreateTenantRequest(
        id=body.id, name=common_pb2.LocalizedText(zh=body.name.zh, en=body.name.en or ""), division_code=body.division_code,
        parent_id=body.parent_id, level=LEVELS_PB.get(body.level or "", 0)), metadata=caller.metadata)
    response.headers["Location"] = f"/v1/tenants/{tenant.id}"
    return tenant_json(tenant)


@router.patch("/{tenant_id}", responses=returns(TENANT_SCHEMA), summary="Change a tenant's names or status")
async def update_tenant(body: TenantPatch, caller: SignedInDep, backends: BackendsDep, tenant_id: str = TenantId) -> dict[str, Any]:
    paths = []
    name = common_pb2.LocalizedText()
    if body.name is not None:
        for part in sorted(body.name.model_fields_set):
            paths.append(f"name.{part}")
            setattr(name, part, getattr(body.name, part) or "")
    if "status" in body.model_fields_set:
        if body.status is None:
            raise Problem(422, "validation_failed", "status cannot be null", errors=[{"field": "status", "code": "required", "message": "active or suspended"}])
        paths.append("status")
    if not paths:
        raise Problem(422, "validation_failed", "nothing to change: give name.zh, name.en or status",
                      errors=[{"field": "body", "code": "empty_update", "message": "no field to change"}])
    tenant = identity_pb2.Tenant(name=name, status=STATUSES_PB.get(body.status or "", 0))
    resp = await identity(backends).UpdateTenant(identity_pb2.UpdateTenantRequest(
        tenant_id=tenant_id, tenant=tenant, update_mask=FieldMask(paths=paths)), metadata=caller.metadata)
    return tenant_json(resp)


@router.get("/{tenant_id}/staff", responses=returns(page(USER_SCHEMA)), summary="Staff of a tenant with their roles (phones masked)")
async def list_staff(caller: SignedInDep, backends: BackendsDep, tenant_id: str = TenantId,
                     page_size: PageSize = 0, page_token: PageToken = "") -> dict[str, Any]:
    resp = await identity(backends).ListStaff(identity_pb2.ListStaffRequest(
        tenant_id=tenant_id, page_size=page_size, page_token=page_token), metadata=caller.metadata)
    return _list([user_json(u) for u in resp.users], resp.next_page_token)


@router.post("/{tenant_id}/staff", responses=returns(INVITATION_SCHEMA, 202), status_code=202,
             summary="Invite a phone's holder to be staff here (they accept in the app; the answer never says who holds it)")
async def create_staff(body: StaffCreate, caller: SignedInDep, backends: BackendsDep, tenant_id: str = TenantId) -> dict[str, Any]:
    invitation = await identity(backends).CreateStaff(identity_pb2.CreateStaffRequest(
        tenant_id=tenant_id, phone=body.phone, name=body.name, password=body.password or "", roles=body.roles),
        metadata=caller.metadata)
    return invitation_json(invitation)


@router.put("/{tenant_id}/staff/{user_id}/roles/{role}", responses=returns(USER_SCHEMA), summary="Grant a role in this tenant")
async def grant_role(caller: SignedInDep, backends: BackendsDep, user_id: str, tenant_id: str = TenantId, role: str = Role) -> dict[str, Any]:
    user = await identity(backends).AssignRole(identity_pb2.AssignRoleRequest(user_id=user_id, tenant_id=tenant_id, role=role),
                                               metadata=caller.metadata)
    return user_json(user)


@router.delete("/{tenant_id}/staff/{user_id}/roles/{role}", responses=returns(USER_SCHEMA), summary="Remove a role in this tenant")
async def remove_role(caller: SignedInDep, backends: BackendsDep, user_id: str, tenant_id: str = TenantId, role: str = Role) -> dict[str, Any]:
    user = await identity(backends).RemoveRole(identity_pb2.RemoveRoleRequest(user_id=user_id, tenant_id=tenant_id, role=role),
                                               metadata=caller.metadata)
    return user_json(user)
