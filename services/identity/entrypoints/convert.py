"""Domain objects to proto messages and back (masking decided by the domain)."""

from __future__ import annotations



from mgov.common.v1 import common_pb2
from mgov.identity.v1 import identity_pb2
from mgov_common.protojson import datetime_to_timestamp
from services.identity.adapters.invitation_repository import Invitation
from services.identity.domain.tenants import Level, Status, Tenant
from services.identity.domain.users import User, UserStatus
from services.identity.service_layer.sign_in import TokenResult

LEVEL_TO_PB = {Level.PROVINCE: identity_pb2.TENANT_LEVEL_PROVINCE, Level.CITY: identity_pb2.TENANT_LEVEL_CITY,
               Level.COUNTY: identity_pb2.TENANT_LEVEL_COUNTY}
LEVEL_FROM_PB = {v: k.value for k, v in LEVEL_TO_PB.items()}
STATUS_TO_PB = {Status.ACTIVE: identity_pb2.TENANT_STATUS_ACTIVE, Status.SUSPENDED: identity_pb2.TENANT_STATUS_SUSPENDED}
STATUS_FROM_PB = {v: k.value for k, v in STATUS_TO_PB.items()}
USER_STATUS_TO_PB = {UserStatus.ACTIVE: identity_pb2.USER_STATUS_ACTIVE, UserStatus.DISABLED: identity_pb2.USER_STATUS_DISABLED}


def tenant_pb(t: Tenant) -> identity_pb2.Tenant:
    return identity_pb2.Tenant(
        id=t.id, name=common_pb2.LocalizedText(zh=t.name_zh, en=t.name_en or ""), division_code=t.division_code,
        parent_id=t.parent_id or "", level=LEVEL_TO_PB[t.level], status=STATUS_TO_PB[t.status],
        create_time=datetime_to_timestamp(t.created_at), update_time=datetime_to_timestamp(t.updated_at),
    )


def user_pb(u: User, viewer_id: str | None) -> identity_pb2.User:
    """The user as `viewer_id` may see them: phone and ID number masked for anyone else."""
    return identity_pb2.User(
        id=str(u.id), name=u.name, phone=u.phone_for(viewer_id), tenant_id=u.tenant_id,
        roles=[common_pb2.RoleBinding(tenant_id=b.tenant, role=b.role) for b in sorted(u.roles, key=lambda b: (b.tenant, b.role))],
        identity_level=u.identity_level, national_id=u.national_id_for(viewer_id), status=USER_STATUS_TO_PB[u.status],
        create_time=datetime_to_timestamp(u.created_at), update_time=datetime_to_timestamp(u.updated_at),
    )


def token_pair(r: TokenResult) -> identity_pb2.TokenPair:
    return identity_pb2.TokenPair(access_token=r.access.token, refresh_token=r.refresh_token, token_type="Bearer",
                                  expires_in=r.access.expires_in, refresh_expires_in=r.refresh_expires_in)


def invitation_pb(i: Invitation) -> identity_pb2.StaffInvitation:
    return identity_pb2.StaffInvitation(id=str(i.id), tenant_id=i.tenant_id, roles=list(i.roles), phone=i.phone_masked, status=i.status,
                                        create_time=datetime_to_timestamp(i.created_at), expire_time=datetime_to_timestamp(i.expires_at))
