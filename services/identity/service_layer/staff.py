"""Staff accounts and role bindings, administered per tenant (rules: domain.policy).

Every grant and removal is audited, refused attempts too: an admin reaching into
another tenant is exactly what the audit log is for.
"""

from __future__ import annotations

from mgov_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from mgov_common.principal import Principal, RoleBinding
from services.identity.domain import policy
from services.identity.domain.passwords import check_password
from services.identity.domain.phone import normalize_phone
from services.identity.domain.roles import PROVINCE_ADMIN, STAFF_ROLES, check_staff_role
from services.identity.domain.tenants import Tenant
from services.identity.domain.users import User, check_name
from services.identity.service_layer import commands, paging
from services.identity.service_layer.access import actor, parse_user_id, signed_in
from services.identity.service_layer.accounts import Validation
from services.identity.service_layer.context import Context
from services.identity.service_layer.unit_of_work import UnitOfWork


async def _tenant_path(uow: UnitOfWork, tenant_id: str) -> list[Tenant]:
    path = await uow.tenants.path(tenant_id) if tenant_id else []
    if not path:
        raise NotFound(f"no tenant {tenant_id!r}", field="tenant_id", code="tenant_not_found")
    return path


class Staff:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def create_staff(self, cmd: commands.CreateStaff, principal: Principal | None) -> User:
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
            wanted = {RoleBinding(cmd.tenant_id, r) for r in roles if r}
            denied = sorted(b.role for b in wanted if not policy.may_grant(p, path, b.role))
            if denied:
                uow.audit(actor(p, action="staff.create", outcome="failure", tenant_id=cmd.tenant_id,
                                details={"roles": denied, "reason": "forbidden"}))
                await uow.commit()
                raise PermissionDenied(f"you may not grant {', '.join(denied)} in {cmd.tenant_id}", code="forbidden")
            user = await uow.users.get_by_phone(phone, for_update=True)
            if user is None:
                if password_hash is None:
                    raise InvalidArgument("a new staff account needs an initial password", field="password", code="required")
                user = User.new(tenant_id=cmd.tenant_id, name=name, phone=phone, password_hash=password_hash, now=now, roles=wanted)
                await uow.users.add(user, granted_by=p.subject)
                added = wanted
            else:
                added = {b for b in wanted if user.grant(b, now)}
                if not added:
                    raise AlreadyExists("this person already holds these roles", field="phone", code="already_staff")
                await uow.users.save(user, granted_by=p.subject)
            for b in sorted(added, key=lambda b: b.role):
                uow.audit(actor(p, action="role.grant", tenant_id=b.tenant, subject=str(user.id), details={"role": b.role}))
            await uow.commit()
        return user

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
            if user is None:
                raise NotFound("no such user", field="user_id", code="user_not_found")
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

    async def list_staff(self, cmd: commands.ListStaff, principal: Principal | None) -> tuple[list[User], str]:
        p = signed_in(principal)
        size = paging.page_size(cmd.page_size)
        position = paging.decode(f"staff:{cmd.tenant_id}", cmd.page_token)
        async with self.ctx.uow() as uow:
            path = await _tenant_path(uow, cmd.tenant_id)
            # Platform services too: notify tells a tenant's eligible staff about their tasks.
            if not (policy.administers(p, path) or policy.is_platform_service(p)):
                raise PermissionDenied(f"you may not list the staff of {cmd.tenant_id}", code="forbidden")
            after = (str(position[0]), parse_user_id(str(position[1]), "page_token")) if position else None
            users = await uow.users.list_staff(cmd.tenant_id, sorted(STAFF_ROLES), after=after, limit=size + 1)
        more = len(users) > size
        users = users[:size]
        token = paging.encode(f"staff:{cmd.tenant_id}", [users[-1].name, str(users[-1].id)]) if more else ""
        return users, token
