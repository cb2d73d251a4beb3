"""The tenant tree: public listing, and creation and updates by the admins above.

Every change is audited and emits `mgov.evt.<tenant>.identity.tenant.created|updated`
through the outbox (the unit of work collects the entity's events on commit).
"""

from __future__ import annotations

from mgov_common import paging
from mgov_common.errors import InvalidArgument, NotFound, PermissionDenied
from mgov_common.principal import Principal
from services.identity.adapters.tenant_repository import level_rank
from services.identity.domain import policy
from services.identity.domain.roles import ADMIN_ROLES
from services.identity.domain.tenants import Level, Status, Tenant
from services.identity.service_layer import commands
from services.identity.service_layer.access import actor, signed_in
from services.identity.service_layer.context import Context


def _level(value: str | None) -> Level | None:
    if not value:
        return None
    try:
        return Level(value)
    except ValueError:
        raise InvalidArgument("level is province, city or county", field="level", code="invalid_level") from None


def _status(value: str | None) -> Status | None:
    if value is None:
        return None
    try:
        return Status(value)
    except ValueError:
        raise InvalidArgument("status is active or suspended", field="status", code="invalid_status") from None


class Tenants:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def list(self, cmd: commands.ListTenants, principal: Principal | None) -> tuple[list[Tenant], str]:
        if cmd.include_suspended and not (principal and principal.tenants_with(*ADMIN_ROLES)):
            raise PermissionDenied("only admins list suspended tenants", field="include_suspended", code="forbidden")
        size = paging.page_size(cmd.page_size)
        kind = paging.fingerprint("tenants", cmd.root_id, cmd.parent_id, cmd.include_suspended)
        position = self.ctx.pages.decode(kind, cmd.page_token, (paging.integer, paging.text))
        async with self.ctx.uow() as uow:
            for field, value in (("root_id", cmd.root_id), ("parent_id", cmd.parent_id)):
                if value and await uow.tenants.get(value) is None:
                    raise NotFound(f"no tenant {value!r}", field=field, code="tenant_not_found")
            after = position
            tenants = await uow.tenants.list(root_id=cmd.root_id or None, parent_id=cmd.parent_id or None,
                                             include_suspended=cmd.include_suspended, after=after, limit=size + 1)
        more = len(tenants) > size
        tenants = tenants[:size]
        token = self.ctx.pages.encode(kind, [level_rank(tenants[-1].level), tenants[-1].division_code]) if more else ""
        return tenants, token

    async def get(self, tenant_id: str) -> Tenant:
        async with self.ctx.uow() as uow:
            tenant = await uow.tenants.get(tenant_id)
        if tenant is None:
            raise NotFound(f"no tenant {tenant_id!r}", field="tenant_id", code="tenant_not_found")
        return tenant

    async def create(self, cmd: commands.CreateTenant, principal: Principal | None) -> Tenant:
        p = signed_in(principal)
        if not cmd.parent_id:
            raise InvalidArgument("a city or county needs its parent_id (the province is created by `mgov identity bootstrap`)",
                                  field="parent_id", code="required")
        level = _level(cmd.level)
        async with self.ctx.uow() as uow:
            parent_path = await uow.tenants.path(cmd.parent_id)
            if not parent_path:
                raise InvalidArgument(f"no tenant {cmd.parent_id!r}", field="parent_id", code="unknown_parent")
            if not policy.may_create_child(p, parent_path):
                uow.audit(actor(p, action="tenant.create", outcome="failure", tenant_id=cmd.parent_id, subject=cmd.id,
                                details={"reason": "forbidden"}))
                await uow.commit()
                raise PermissionDenied(f"you may not create tenants under {cmd.parent_id}", code="forbidden")
            tenant = Tenant.create(id=cmd.id, name_zh=cmd.name_zh, name_en=cmd.name_en, division_code=cmd.division_code,
                                   parent=parent_path[-1], level=level, now=self.ctx.clock())
            await uow.tenants.add(tenant)
            uow.audit(actor(p, action="tenant.create", tenant_id=tenant.id, subject=tenant.id,
                            details={"parent_id": tenant.parent_id, "division_code": tenant.division_code}))
            await uow.commit()
        return tenant

    async def update(self, cmd: commands.UpdateTenant, principal: Principal | None) -> Tenant:
        p = signed_in(principal)
        status = _status(cmd.status)
        async with self.ctx.uow() as uow:
            path = await uow.tenants.path(cmd.tenant_id)
            if not path:
                raise NotFound(f"no tenant {cmd.tenant_id!r}", field="tenant_id", code="tenant_not_found")
            if not policy.may_update(p, path, status_change=status is not None):
                uow.audit(actor(p, action="tenant.update", outcome="failure", tenant_id=cmd.tenant_id, subject=cmd.tenant_id,
                                details={"reason": "forbidden"}))
                await uow.commit()
                raise PermissionDenied(f"you may not change tenant {cmd.tenant_id}" + (" (its status)" if status else ""),
                                       code="forbidden")
            tenant = await uow.tenants.get(cmd.tenant_id, for_update=True)
            assert tenant is not None
            changed = tenant.update(name_zh=cmd.name_zh, name_en=cmd.name_en, set_en=cmd.set_en, status=status,
                                    now=self.ctx.clock())
            if changed:
                await uow.tenants.save(tenant)
                uow.audit(actor(p, action="tenant.update", tenant_id=tenant.id, subject=tenant.id, details={"changed": changed}))
            await uow.commit()
        return tenant
