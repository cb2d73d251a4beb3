"""A person's invitations to be staff: listed, accepted or declined by the holder of the
invited phone number only. Accepting grants the roles (audited as grants by the admin
who invited, accepted by the person); an expired invitation can only be sent again."""

from __future__ import annotations

import uuid

from mgov_common.errors import FailedPrecondition, NotFound
from mgov_common.principal import Principal, RoleBinding
from services.identity.adapters.invitation_repository import Invitation
from services.identity.service_layer.access import actor, parse_user_id, signed_in_person
from services.identity.service_layer.context import Context


def _invitation_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("no such invitation", field="invitation_id", code="invitation_not_found") from None


class Invitations:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def mine(self, principal: Principal | None) -> list[Invitation]:
        p = signed_in_person(principal)
        async with self.ctx.uow() as uow:
            user = await uow.users.get(parse_user_id(p.subject))
            if user is None:
                return []
            return await uow.invitations.pending_for(uow.users.lookup.phone(user.phone), self.ctx.clock())

    async def answer(self, invitation_id: str, accept: bool, principal: Principal | None) -> Invitation:
        p = signed_in_person(principal)
        iid = _invitation_id(invitation_id)
        now = self.ctx.clock()
        async with self.ctx.uow() as uow:
            user = await uow.users.get(parse_user_id(p.subject), for_update=True)
            repo = uow.invitations
            inv = await repo.get_for(iid, uow.users.lookup.phone(user.phone)) if user else None
            if user is None or inv is None or inv.status != "pending":
                raise NotFound("no such invitation", field="invitation_id", code="invitation_not_found")
            if inv.expires_at <= now:
                raise FailedPrecondition("the invitation has expired; ask the admin to send it again", code="invitation_expired")
            inv.status = "accepted" if accept else "declined"
            await repo.answer(iid, inv.status, user.id, now)
            if accept:
                granted = [r for r in inv.roles if user.grant(RoleBinding(inv.tenant_id, r), now)]
                await uow.users.save(user, granted_by=inv.invited_by)
                for role in granted:
                    uow.audit(actor(p, action="role.grant", tenant_id=inv.tenant_id, subject=str(user.id),
                                    details={"role": role, "invitation": str(iid), "invited_by": inv.invited_by}))
            uow.audit(actor(p, action=f"staff.invitation.{inv.status}", tenant_id=inv.tenant_id, subject=str(user.id),
                            details={"invitation": str(iid)}))
            await uow.commit()
        return inv
