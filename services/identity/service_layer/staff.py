"""Staff accounts and role bindings, administered per tenant (rules: domain.policy).

Every grant and removal is audited, refused attempts too: an admin reaching into
another tenant is exactly what the audit log is for.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from mgov_common import paging
from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from mgov_common.principal import Principal, RoleBinding
from services.identity.adapters.invitation_repository import Invitation
from services.identity.domain import policy
from services.identity.domain.passwords import check_password
from mgov_common.phone import mask_phone, normalize_phone
from services.identity.domain.roles import PROVINCE_ADMIN, STAFF_ROLES, check_staff_role
from services.identity.domain.tenants import Tenant
from services.identity.domain.events import user_disabled
from services.identity.domain.users import User, UserStatus, check_name
from services.identity.service_layer import commands
from services.identity.service_layer.access import actor, parse_user_id, signed_in
from services.identity.service_layer.accounts import Validation
from services.identity.service_layer.context import Context
from services.identity.service_layer.unit_of_work import UnitOfWork


# How long an invitation to be staff can be accepted.
INVITATION_TTL = timedelta(days=7)


async def _tenant_path(uow: UnitOfWork, tenant_id: str) -> list[Tenant]:
    path = await uow.tenants.path(tenant_id) if tenant_id else []
    if not path:
        raise NotFound(f"no tenant {tenant_id!r}", field="tenant_id", code="tenant_not_found")
    return path


async def _staff_in_scope(uow: UnitOfWork, p: Principal, user: User) -> bool:
    """Does `user` hold a staff role in a tenant that `p` administers?"""
    for tenant in sorted({b.tenant for b in user.roles if b.role in STAFF_ROLES}):
        if policy.administers(p, await uow.tenants.path(tenant)):
            return True
    return False


class Staff:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def create_staff(self, cmd: commands.CreateStaff, principal: Principal | None) -> Invitation:
        """Invite the holder of `cmd.phone` to be staff of the tenant with `cmd.roles`.

        Nothing about an existing account is revealed or changed before its holder
        accepts: the answer is the same invitation whether or not the phone is
        registered. A phone without an account gets one when a password is given (no
        role until the invitation is accepted); otherwise the invitation waits for
        whoever registers the number before it expires."""
        p = signed_in(principal)
        v = Validation()
        roles = [v.check(lambda i=i, r=r: check_staff_role(r, f"roles[{i}]")) for i, r in enumerate(cmd.roles)]
        if not cmd.roles:
            v.violations.append(InvalidArgument("give at least one role", field="roles", code="required").violations[0])
        phone = v.check(lambda: normalize_phone(cmd.phone))
        name = v.check(lambda: check_name(cmd.name))
        if cmd.password:
            v.check(lambda: check_password(cmd.password, phone=phone))
        v.raise_if_any()
        assert phone is not None and name is not None
        password_hash = await self.ctx.passwords.hash(cmd.password) if cmd.password else None
        now = self.ctx.clock()
        async with self.ctx.uow() as uow:
            path = await _tenant_path(uow, cmd.tenant_id)
            wanted = sorted({r for r in roles if r})
            denied = [r for r in wanted if not policy.may_grant(p, path, r)]
            if denied:
                uow.audit(actor(p, action="staff.create", outcome="failure", tenant_id=cmd.tenant_id,
                                details={"roles": denied, "reason": "forbidden"}))
                await uow.commit()
                raise PermissionDenied(f"you may not grant {', '.join(denied)} in {cmd.tenant_id}", code="forbidden")
            user = await uow.users.get_by_phone(phone, for_update=True)
            if user is None and password_hash is not None:
                user = User.new(tenant_id=cmd.tenant_id, name=name, phone=phone, password_hash=password_hash, now=now)
                await uow.users.add(user, granted_by=p.subject)
            invitation = Invitation(uuid.uuid4(), cmd.tenant_id, mask_phone(phone), tuple(wanted), p.subject, "pending", now,
                                    now + INVITATION_TTL)
            await uow.invitations.add(invitation, uow.users.lookup.phone(phone))
            uow.audit(actor(p, action="staff.invite", tenant_id=cmd.tenant_id, details={"invitation": str(invitation.id), "roles": wanted}))
            await uow.commit()
        return invitation

    async def change_role(self, cmd: commands.ChangeRole, principal: Principal | None, *, grant: bool) -> User:
        p = signed_in(principal)
        role = check_staff_role(cmd.role)
        uid = parse_user_id(cmd.user_id)
        action = "role.grant" if grant else "role.remove"
        now = self.ctx.clock()
        async with self.ctx.uow() as uow:
            path = await _tenant_path(uow, cmd.tenant_id)
            if not policy.may_grant(p, path, role):
                uow.audit(actor(p, action=action, outcome="failure", tenant_id=cmd.tenant_id, subject=str(uid),
                                details={"role": role, "reason": "forbidden"}))
                await uow.commit()
                raise PermissionDenied(f"you may not {'grant' if grant else 'remove'} {role} in {cmd.tenant_id}", code="forbidden")
            user = await uow.users.get(uid, for_update=True)
            if user is None or not await _staff_in_scope(uow, p, user):
                # Roles go only to people who are staff where the caller administers; anyone
                # else becomes staff by accepting an invitation. Not found either way.
                raise NotFound("no staff member with this id in a tenant you administer", field="user_id", code="staff_not_found")
            binding = RoleBinding(cmd.tenant_id, role)
            if not grant and role == PROVINCE_ADMIN and binding in user.roles \
                    and await uow.users.count_with_role(cmd.tenant_id, PROVINCE_ADMIN) <= 1:
                raise FailedPrecondition("the last province admin cannot be removed", field="role", code="last_province_admin")
            changed = user.grant(binding, now) if grant else user.revoke(binding, now)
            if changed:
                await uow.users.save(user, granted_by=p.subject)
                uow.audit(actor(p, action=action, tenant_id=cmd.tenant_id, subject=str(uid), details={"role": role}))
            await uow.commit()
        return user

    async def disable(self, cmd: commands.DisableStaff, principal: Principal | None) -> User:
        """The account can no longer sign in, and every session of it ends."""
        p = signed_in(principal)
        uid = parse_user_id(cmd.user_id)
        now = self.ctx.clock()
        async with self.ctx.uow() as uow:
            path = await _tenant_path(uow, cmd.tenant_id)
            user = await uow.users.get(uid, for_update=True)
            if not policy.administers(p, path):
                uow.audit(actor(p, action="account.disable", outcome="failure", tenant_id=cmd.tenant_id, subject=str(uid),
                                details={"reason": "forbidden"}))
                await uow.commit()
                raise PermissionDenied(f"you may not disable accounts in {cmd.tenant_id}", code="forbidden")
            if user is None or not await _staff_in_scope(uow, p, user):
                raise NotFound("no staff member with this id in a tenant you administer", field="user_id", code="staff_not_found")
            if user.active:
                user.status = UserStatus.DISABLED
                await uow.users.save(user)
                ended = await uow.sessions.revoke_user(user.id, now, "disabled")
                uow.audit(actor(p, action="account.disable", tenant_id=cmd.tenant_id, subject=str(uid),
                                details={"reason": cmd.reason[:200], "sessions_ended": ended}))
                uow.record(user_disabled(user.tenant_id, str(user.id)))
            await uow.commit()
        return user

    async def last_sign_ins(self, users: list[User]) -> dict[uuid.UUID, datetime]:
        """When the listed staff last signed in (for whoever may list them: `list_staff` first)."""
        if not users:
            return {}
        async with self.ctx.uow() as uow:
            return await uow.sessions.last_sign_ins([u.id for u in users])

    async def list_staff(self, cmd: commands.ListStaff, principal: Principal | None) -> tuple[list[User], str]:
        p = signed_in(principal)
        size = paging.page_size(cmd.page_size)
        query = paging.fingerprint("staff", cmd.tenant_id)
        position = self.ctx.pages.decode(query, cmd.page_token, (paging.text, uuid.UUID))
        async with self.ctx.uow() as uow:
            path = await _tenant_path(uow, cmd.tenant_id)
            # Platform services too: notify tells a tenant's eligible staff about their tasks.
            if not (policy.administers(p, path) or policy.is_platform_service(p)):
                raise PermissionDenied(f"you may not list the staff of {cmd.tenant_id}", code="forbidden")
            after = position
            users = await uow.users.list_staff(cmd.tenant_id, sorted(STAFF_ROLES), after=after, limit=size + 1)
        more = len(users) > size
        users = users[:size]
        token = self.ctx.pages.encode(query, [users[-1].name, str(users[-1].id)]) if more else ""
        return users, token
