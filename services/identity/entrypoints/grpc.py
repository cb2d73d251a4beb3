"""The gRPC servicer: proto in, command to a handler, proto out. Nothing else.

The caller is `current_principal()`, bound by `mgov_common.grpc_server` from the
verified bearer token; errors are domain errors, mapped by the same interceptor.
Tenant back-office systems are at the end (docs/tenant-systems.md).
"""

from __future__ import annotations

from typing import Any

from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.errors import InvalidArgument
from mgov_common.principal import current_principal
from mgov_common.protojson import datetime_to_timestamp
from services.identity.entrypoints.convert import LEVEL_FROM_PB, STATUS_FROM_PB, invitation_pb, tenant_pb, token_pair, user_pb
from services.identity.service_layer import commands
from services.identity.service_layer.handlers import Handlers

pb = identity_pb2
_MASK_PATHS = {"name", "name.zh", "name.en", "status"}


def _viewer() -> str | None:
    p = current_principal()
    return p.subject if p else None


def _peer(context: Any) -> str:
    try:
        return str(context.peer() or "")[:200]
    except Exception:  # noqa: BLE001 - the peer is only for the audit row
        return ""


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, handlers: Handlers) -> None:
        self.h = handlers

    async def Register(self, r: pb.RegisterRequest, context: Any) -> pb.RegisterResponse:
        started = await self.h.registration.start(commands.Register(r.tenant_id, r.phone, r.password, r.name, r.source_address))
        return pb.RegisterResponse(registration_id=started.registration_id, expires_in_seconds=started.expires_in_s)

    async def ConfirmRegistration(self, r: pb.ConfirmRegistrationRequest, context: Any) -> pb.AuthenticateResponse:
        result = await self.h.registration.confirm(commands.ConfirmRegistration(r.registration_id, r.code, r.source_address,
                                                                                r.user_agent))
        return pb.AuthenticateResponse(tokens=token_pair(result), user_id=result.user_id)

    async def StartPhoneVerification(self, r: pb.StartPhoneVerificationRequest, context: Any) -> pb.StartPhoneVerificationResponse:
        started = await self.h.phone.start(r.tenant_id, r.phone, r.source_address)
        return pb.StartPhoneVerificationResponse(verification_id=started.registration_id, expires_in_seconds=started.expires_in_s)

    async def ConfirmPhoneVerification(self, r: pb.ConfirmPhoneVerificationRequest, context: Any) -> pb.ConfirmPhoneVerificationResponse:
        proof = await self.h.phone.confirm(r.verification_id, r.code, r.source_address)
        return pb.ConfirmPhoneVerificationResponse(phone_token=proof.token, expires_in_seconds=proof.expires_in_s,
                                                   phone_masked=proof.phone_masked)

    async def Authenticate(self, r: pb.AuthenticateRequest, context: Any) -> pb.AuthenticateResponse:
        if r.audience and r.audience != self.h.ctx.issuer.audience:
            raise InvalidArgument("unknown audience", field="audience", code="invalid_audience")
        result = await self.h.sign_in.authenticate(commands.Authenticate(r.phone, r.password, r.source_address, r.user_agent))
        return pb.AuthenticateResponse(tokens=token_pair(result), user_id=result.user_id)

    async def Refresh(self, r: pb.RefreshRequest, context: Any) -> pb.RefreshResponse:
        return pb.RefreshResponse(tokens=token_pair(await self.h.sign_in.refresh(commands.Refresh(r.refresh_token, r.source_address))))

    async def Revoke(self, r: pb.RevokeRequest, context: Any) -> pb.RevokeResponse:
        await self.h.sign_in.revoke(commands.Revoke(r.refresh_token, r.all_sessions, r.source_address), current_principal())
        return pb.RevokeResponse()

    async def GetUser(self, r: pb.GetUserRequest, context: Any) -> pb.User:
        return user_pb(await self.h.accounts.get_user(r.user_id, current_principal()), _viewer())

    async def SetNationalId(self, r: pb.SetNationalIdRequest, context: Any) -> pb.User:
        user = await self.h.accounts.set_national_id(commands.SetNationalId(r.national_id, r.real_name, r.user_id), current_principal())
        return user_pb(user, _viewer())

    async def CreateStaff(self, r: pb.CreateStaffRequest, context: Any) -> pb.StaffInvitation:
        cmd = commands.CreateStaff(r.tenant_id, r.phone, r.name, r.password, tuple(r.roles))
        return invitation_pb(await self.h.staff.create_staff(cmd, current_principal()))

    async def ListMyInvitations(self, r: pb.ListMyInvitationsRequest, context: Any) -> pb.ListMyInvitationsResponse:
        return pb.ListMyInvitationsResponse(invitations=[invitation_pb(i) for i in await self.h.invitations.mine(current_principal())])

    async def AnswerInvitation(self, r: pb.AnswerInvitationRequest, context: Any) -> pb.StaffInvitation:
        return invitation_pb(await self.h.invitations.answer(r.invitation_id, r.accept, current_principal()))

    async def AssignRole(self, r: pb.AssignRoleRequest, context: Any) -> pb.User:
        cmd = commands.ChangeRole(r.user_id, r.tenant_id, r.role)
        return user_pb(await self.h.staff.change_role(cmd, current_principal(), grant=True), _viewer())

    async def RemoveRole(self, r: pb.RemoveRoleRequest, context: Any) -> pb.User:
        cmd = commands.ChangeRole(r.user_id, r.tenant_id, r.role)
        return user_pb(await self.h.staff.change_role(cmd, current_principal(), grant=False), _viewer())

    async def DisableStaff(self, r: pb.DisableStaffRequest, context: Any) -> pb.User:
        cmd = commands.DisableStaff(r.user_id, r.tenant_id, r.reason[:500])
        return user_pb(await self.h.staff.disable(cmd, current_principal()), _viewer())

    async def ListStaff(self, r: pb.ListStaffRequest, context: Any) -> pb.ListStaffResponse:
        users, token = await self.h.staff.list_staff(commands.ListStaff(r.tenant_id, r.page_size, r.page_token), current_principal())
        viewer, last = _viewer(), await self.h.staff.last_sign_ins(users)
        out = [user_pb(u, viewer) for u in users]
        for u, msg in zip(users, out, strict=True):
            if u.id in last:
                msg.last_sign_in_time.FromDatetime(last[u.id])
        return pb.ListStaffResponse(users=out, next_page_token=token)

    async def ListTenants(self, r: pb.ListTenantsRequest, context: Any) -> pb.ListTenantsResponse:
        cmd = commands.ListTenants(r.root_id, r.parent_id, r.include_suspended, r.page_size, r.page_token)
        tenants, token = await self.h.tenants.list(cmd, current_principal())
        return pb.ListTenantsResponse(tenants=[tenant_pb(t) for t in tenants], next_page_token=token)

    async def GetTenant(self, r: pb.GetTenantRequest, context: Any) -> pb.Tenant:
        return tenant_pb(await self.h.tenants.get(r.tenant_id))

    async def CreateTenant(self, r: pb.CreateTenantRequest, context: Any) -> pb.Tenant:
        cmd = commands.CreateTenant(r.id, r.name.zh, r.division_code, r.parent_id, r.name.en or None, LEVEL_FROM_PB.get(r.level))
        return tenant_pb(await self.h.tenants.create(cmd, current_principal()))

    async def UpdateTenant(self, r: pb.UpdateTenantRequest, context: Any) -> pb.Tenant:
        paths = set(r.update_mask.paths)
        if not paths:
            raise InvalidArgument("update_mask names the fields to change", field="update_mask", code="required")
        if unknown := sorted(paths - _MASK_PATHS):
            raise InvalidArgument(f"cannot update {', '.join(unknown)}", field="update_mask", code="immutable_field")
        status = None
        if "status" in paths:
            status = STATUS_FROM_PB.get(r.tenant.status)
            if status is None:
                raise InvalidArgument("status is ACTIVE or SUSPENDED", field="tenant.status", code="invalid_status")
        whole = "name" in paths
        cmd = commands.UpdateTenant(
            r.tenant_id, name_zh=r.tenant.name.zh if whole or "name.zh" in paths else None,
            name_en=r.tenant.name.en, set_en=whole or "name.en" in paths, status=status,
        )
        return tenant_pb(await self.h.tenants.update(cmd, current_principal()))

    async def GetJwks(self, r: pb.GetJwksRequest, context: Any) -> pb.GetJwksResponse:
        jwks = await self.h.ctx.keyring.jwks()
        return pb.GetJwksResponse(keys=[pb.Jwk(**k) for k in jwks["keys"]], max_age_seconds=300)

    async def RotateSigningKey(self, r: pb.RotateSigningKeyRequest, context: Any) -> pb.RotateSigningKeyResponse:
        rotation = await self.h.keys.rotate(current_principal())
        return pb.RotateSigningKeyResponse(kid=rotation.kid, published_kids=rotation.published,
                                           activate_time=datetime_to_timestamp(rotation.activates_at))

    async def IssuePlatformToken(self, r: pb.IssuePlatformTokenRequest, context: Any) -> pb.IssuePlatformTokenResponse:
        token = await self.h.platform.issue_token(r.service, r.client_secret, _peer(context))
        return pb.IssuePlatformTokenResponse(access_token=token.token, token_type="Bearer", expires_in=token.expires_in)

    async def GetContacts(self, r: pb.GetContactsRequest, context: Any) -> pb.GetContactsResponse:
        contacts = await self.h.platform.contacts(list(r.user_ids), current_principal())
        return pb.GetContactsResponse(contacts=[pb.Contact(user_id=c.user_id, name=c.name, phone=c.phone, tenant_id=c.tenant_id,
                                                           active=c.active) for c in contacts])

    async def VerifyAuditChain(self, r: pb.VerifyAuditChainRequest, context: Any) -> pb.VerifyAuditChainResponse:
        report = await self.h.keys.verify_audit(current_principal())
        return pb.VerifyAuditChainResponse(ok=report.ok, rows_checked=report.rows_checked,
                                           first_broken_seq=report.first_broken_seq, reason=report.reason)

    # --- Tenant back-office systems (docs/tenant-systems.md) --------------

    def _system_pb(self, s: Any) -> pb.System:
        m = pb.System(id=str(s.id), tenant_id=s.tenant_id, name=s.name, event_types=list(s.event_types), client_id=s.client_id,
                      nats_user=s.nats_user, webhook_url=s.webhook_url or "",
                      status=pb.SYSTEM_STATUS_ACTIVE if s.active else pb.SYSTEM_STATUS_REVOKED,
                      credentials_version=s.credentials_version, create_time=datetime_to_timestamp(s.created_at))
        if s.rotated_at:
            m.rotate_time.CopyFrom(datetime_to_timestamp(s.rotated_at))
        if s.revoked_at:
            m.revoke_time.CopyFrom(datetime_to_timestamp(s.revoked_at))
        return m

    def _with_credentials(self, s: Any, c: Any) -> pb.RegisterSystemResponse:
        return pb.RegisterSystemResponse(system=self._system_pb(s), credentials=pb.SystemCredentials(
            client_id=c.client_id, client_secret=c.client_secret, nats_url=self.nats_public_url, nats_user=c.nats_user,
            nats_password=c.nats_password, webhook_secret=c.webhook_secret, nats_inbox_prefix=c.inbox_prefix))

    nats_public_url = ""

    async def RegisterSystem(self, r: pb.RegisterSystemRequest, context: Any) -> pb.RegisterSystemResponse:
        s, c = await self.h.systems.register(r.tenant_id, r.name, list(r.event_types), r.webhook_url, current_principal())
        return self._with_credentials(s, c)

    async def RotateSystemCredentials(self, r: pb.RotateSystemCredentialsRequest, context: Any) -> pb.RegisterSystemResponse:
        s, c = await self.h.systems.rotate(r.tenant_id, r.system_id, current_principal())
        return self._with_credentials(s, c)

    async def RevokeSystem(self, r: pb.RevokeSystemRequest, context: Any) -> pb.System:
        return self._system_pb(await self.h.systems.revoke(r.tenant_id, r.system_id, current_principal()))

    async def ListSystems(self, r: pb.ListSystemsRequest, context: Any) -> pb.ListSystemsResponse:
        rows, token = await self.h.systems.list(r.tenant_id, r.include_revoked, r.page_size, r.page_token, current_principal())
        return pb.ListSystemsResponse(systems=[self._system_pb(s) for s in rows], next_page_token=token)

    async def IssueSystemToken(self, r: pb.IssueSystemTokenRequest, context: Any) -> pb.IssueSystemTokenResponse:
        t = await self.h.systems.issue_token(r.grant_type, r.client_id, r.client_secret, r.scope, r.source_address or _peer(context))
        return pb.IssueSystemTokenResponse(access_token=t.token.token, token_type="Bearer", expires_in=t.token.expires_in,
                                           scope="ingest", system_id=str(t.system.id), tenant_id=t.system.tenant_id)

    async def ListWebhookDeliveries(self, r: pb.ListWebhookDeliveriesRequest, context: Any) -> pb.ListWebhookDeliveriesResponse:
        if self.webhooks is None:
            return pb.ListWebhookDeliveriesResponse()
        rows, token = await self.webhooks.list(r.tenant_id, r.system_id, r.page_size, r.page_token, current_principal())
        out = []
        for d in rows:
            m = pb.WebhookDelivery(id=str(d["id"]), system_id=str(d["system_id"]), tenant_id=d["tenant_id"], event_id=str(d["event_id"]),
                                   event_type=d["event_type"], status=d["status"], attempts=d["attempts"],
                                   last_status_code=d["last_status_code"] or 0, last_error=d["last_error"] or "",
                                   create_time=datetime_to_timestamp(d["created_at"]))
            if d["next_attempt_at"]:
                m.next_attempt_time.CopyFrom(datetime_to_timestamp(d["next_attempt_at"]))
            if d["delivered_at"]:
                m.deliver_time.CopyFrom(datetime_to_timestamp(d["delivered_at"]))
            out.append(m)
        return pb.ListWebhookDeliveriesResponse(deliveries=out, next_page_token=token)

    webhooks: Any = None
