"""The demo tree and accounts (demo mode only) and the first province of a
real deployment (`mgov identity bootstrap`). Idempotent: what exists is left alone
(missing roles are added), and new tenants emit their events through the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from mgov_common.errors import FailedPrecondition
from mgov_common.principal import RoleBinding
from services.identity.domain.passwords import check_password
from services.identity.domain.tenants import Tenant
from services.identity.domain.users import User
from services.identity.service_layer.access import actor
from services.identity.service_layer.commands import DemoAccount
from services.identity.service_layer.context import Context

DEMO_PASSWORD = "mgov-demo-2026"


@dataclass(frozen=True)
class TenantSeed:
    id: str
    parent_id: str | None
    division_code: str
    name_zh: str
    name_en: str


DEMO_TENANTS = (
    TenantSeed("zhejiang", None, "330000", "浙江省", "Zhejiang Province"),
    TenantSeed("hangzhou", "zhejiang", "330100", "杭州市", "Hangzhou"),
    TenantSeed("ningbo", "zhejiang", "330200", "宁波市", "Ningbo"),
    TenantSeed("xihu", "hangzhou", "330106", "西湖区", "Xihu District"),
    TenantSeed("yuhang", "hangzhou", "330110", "余杭区", "Yuhang District"),
    TenantSeed("haishu", "ningbo", "330203", "海曙区", "Haishu District"),
)
DEMO_ACCOUNTS = (
    DemoAccount("13900000000", "浙江省管理员", "zhejiang", ("province_admin",)),
    DemoAccount("13900000010", "杭州市管理员", "hangzhou", ("tenant_admin",)),
    DemoAccount("13900000011", "杭州市受理员", "hangzhou", ("clerk",)),
    DemoAccount("13900000012", "杭州市审批员", "hangzhou", ("approver",)),
    # Finance staff: each city's payments (reconciliation findings, refunds).
    DemoAccount("13900000013", "杭州市财务", "hangzhou", ("finance",)),
    DemoAccount("13900000021", "宁波市受理员", "ningbo", ("clerk",)),
    DemoAccount("13900000023", "宁波市财务", "ningbo", ("finance",)),
    # 随手拍 in the demo counties: a handler of the sanitation department, a dispatcher, a supervisor.
    DemoAccount("13900000031", "西湖区环卫受理员", "xihu", ("clerk",)),
    DemoAccount("13900000032", "西湖区调度员", "xihu", ("dispatcher",)),
    DemoAccount("13900000033", "西湖区监督员", "xihu", ("supervisor",)),
    # Decides Xihu's cases, the penalty cases of its inspections among them (行政处罚决定).
    DemoAccount("13900000034", "西湖区审批员", "xihu", ("approver",)),
    DemoAccount("13900000041", "余杭区受理员", "yuhang", ("clerk",)),
    # 移动执法监管: inspectors of Xihu (four, so draws have pairs to choose from) and of Ningbo.
    DemoAccount("13900000051", "西湖区执法员甲", "xihu", ("inspector",)),
    DemoAccount("13900000052", "西湖区执法员乙", "xihu", ("inspector",)),
    DemoAccount("13900000053", "西湖区执法员丙", "xihu", ("inspector",)),
    DemoAccount("13900000054", "西湖区执法员丁", "xihu", ("inspector",)),
    DemoAccount("13900000055", "宁波市执法员", "ningbo", ("inspector",)),
    DemoAccount("13900000100", "张小明", "hangzhou", ("citizen",)),
)


@dataclass
class SeedResult:
    tenants_created: int = 0
    users_created: int = 0
    roles_added: int = 0


async def ensure(ctx: Context, tenants: tuple[TenantSeed, ...], accounts: tuple[DemoAccount, ...], password: str,
                 *, by: str = "seed") -> SeedResult:
    result = SeedResult()
    now = ctx.clock()
    async with ctx.uow() as uow:
        await uow.conn.execute("SELECT pg_advisory_xact_lock(hashtext('mgov-identity:seed'))")
        for seed in tenants:
            if await uow.tenants.get(seed.id) is not None:
                continue
            parent = await uow.tenants.get(seed.parent_id) if seed.parent_id else None
            if seed.parent_id is None and (existing := await uow.tenants.province()) is not None:
                raise FailedPrecondition(f"the platform already has a province ({existing.id})", field="id", code="province_exists")
            tenant = Tenant.create(id=seed.id, name_zh=seed.name_zh, name_en=seed.name_en, division_code=seed.division_code,
                                   parent=parent, level=None, now=now)
            await uow.tenants.add(tenant)
            uow.audit(actor(None, actor_kind="platform", actor_id=by, action="tenant.create", tenant_id=tenant.id, subject=tenant.id))
            result.tenants_created += 1
        for account in accounts:
            wanted = {RoleBinding(account.tenant_id, r) for r in account.roles}
            user = await uow.users.get_by_phone(account.phone, for_update=True)
            if user is None:
                check_password(password, phone=account.phone)
                user = User.new(tenant_id=account.tenant_id, name=account.name, phone=account.phone,
                                password_hash=await ctx.passwords.hash(password), now=now, roles=wanted)
                await uow.users.add(user, granted_by=by)
                result.users_created += 1
                added = wanted
            else:
                added = {b for b in wanted if user.grant(b, now)}
                if added:
                    await uow.users.save(user, granted_by=by)
            for b in sorted(added, key=lambda b: (b.tenant, b.role)):
                uow.audit(actor(None, actor_kind="platform", actor_id=by, action="role.grant", tenant_id=b.tenant, subject=str(user.id), details={"role": b.role}))
            result.roles_added += len(added)
        await uow.commit()
    return result


async def seed_demo(ctx: Context) -> SeedResult:
    return await ensure(ctx, DEMO_TENANTS, DEMO_ACCOUNTS, DEMO_PASSWORD)

