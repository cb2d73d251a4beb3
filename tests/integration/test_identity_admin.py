"""Tenants, staff and roles: who may do what, events in the outbox, audit rows."""

import json

import asyncpg
import pytest

from mgov_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from mgov_common.events.envelope import CloudEvent
from mgov_common.principal import Principal
from services.identity.service_layer import commands
from services.identity.service_layer.handlers import Handlers
from tests.integration.identity_support import clock, demo, handlers, id_pool, id_schema, register, sign_in  # noqa: F401


async def outbox_events(pool: asyncpg.Pool) -> list[tuple[str, CloudEvent]]:
    rows = await pool.fetch("SELECT subject, payload FROM outbox ORDER BY seq")
    return [(r["subject"], CloudEvent.parse(r["payload"])) for r in rows]


async def test_the_demo_seed_is_idempotent_and_emits_one_created_event_per_tenant(demo: Handlers, id_pool: asyncpg.Pool) -> None:
    from services.identity.service_layer.seed import seed_demo

    again = await seed_demo(demo.ctx)
    assert (again.tenants_created, again.users_created, again.roles_added) == (0, 0, 0)
    events = await outbox_events(id_pool)
    assert [s for s, _ in events] == [f"mgov.evt.{t}.identity.tenant.created" for t in ("zhejiang", "hangzhou", "ningbo", "xihu", "yuhang", "haishu")]
    _, xihu = events[3]
    assert xihu.type == "mgov.identity.tenant.created.v1" and xihu.tenant == "xihu" and xihu.subject == "xihu"
    assert xihu.data == {"id": "xihu", "parent_id": "hangzhou", "division_code": "330106", "level": "county",
                         "name": {"zh": "西湖区", "en": "Xihu District"}, "status": "active"}


async def test_a_city_admin_creates_counties_under_its_own_city_only(demo: Handlers, id_pool: asyncpg.Pool) -> None:
    hz_admin = await sign_in(demo, "13900000010")
    gongshu = await demo.tenants.create(commands.CreateTenant("gongshu", "拱墅区", "330105", "hangzhou", "Gongshu"), hz_admin)
    assert (gongshu.level.value, gongshu.parent_id) == ("county", "hangzhou")
    subject, event = (await outbox_events(id_pool))[-1]
    assert subject == "mgov.evt.gongshu.identity.tenant.created" and event.data["name"] == {"zh": "拱墅区", "en": "Gongshu"}
    with pytest.raises(PermissionDenied):
        await demo.tenants.create(commands.CreateTenant("jiangbei", "江北区", "330205", "ningbo"), hz_admin)
    with pytest.raises(PermissionDenied):
        await demo.tenants.create(commands.CreateTenant("wenzhou", "温州市", "330300", "zhejiang"), hz_admin)
    refused = await id_pool.fetch("SELECT actor_id, tenant_id, subject FROM audit_log WHERE action = 'tenant.create' AND outcome = 'failure'")
    assert {(r["tenant_id"], r["subject"]) for r in refused} == {("ningbo", "jiangbei"), ("zhejiang", "wenzhou")}
    assert {r["actor_id"] for r in refused} == {hz_admin.subject}


async def test_the_province_admin_creates_cities_and_tree_rules_hold(demo: Handlers) -> None:
    admin = await sign_in(demo, "13900000000")
    wz = await demo.tenants.create(commands.CreateTenant("wenzhou", "温州市", "330300", "zhejiang", level="city"), admin)
    assert wz.level.value == "city"
    for cmd, err_type, field in (
        (commands.CreateTenant("wenzhou", "温州市", "330400", "zhejiang"), AlreadyExists, "id"),
        (commands.CreateTenant("wz2", "温州", "330300", "zhejiang"), AlreadyExists, "division_code"),
        (commands.CreateTenant("lucheng", "鹿城区", "330302", "wenzhou", level="city"), InvalidArgument, "level"),
        (commands.CreateTenant("lucheng", "鹿城区", "330402", "wenzhou"), InvalidArgument, "division_code"),
        (commands.CreateTenant("lucheng", "鹿城区", "330302", "atlantis"), InvalidArgument, "parent_id"),
        (commands.CreateTenant("lucheng", "鹿城区", "330302", ""), InvalidArgument, "parent_id"),
    ):
        with pytest.raises(err_type) as err:
            await demo.tenants.create(cmd, admin)
        assert err.value.field == field, cmd


async def test_tenant_updates_emit_updated_events_and_respect_who_may_change_what(demo: Handlers, id_pool: asyncpg.Pool) -> None:
    hz_admin = await sign_in(demo, "13900000010")
    xihu = await demo.tenants.update(commands.UpdateTenant("xihu", name_en="West Lake District", set_en=True), hz_admin)
    assert xihu.name_en == "West Lake District"
    suspended = await demo.tenants.update(commands.UpdateTenant("yuhang", status="suspended"), hz_admin)
    assert suspended.status.value == "suspended"
    subjects = [(s, e.data["status"]) for s, e in await outbox_events(id_pool) if "updated" in s]
    assert subjects == [("mgov.evt.xihu.identity.tenant.updated", "active"), ("mgov.evt.yuhang.identity.tenant.updated", "suspended")]
    with pytest.raises(PermissionDenied):
        await demo.tenants.update(commands.UpdateTenant("hangzhou", status="suspended"), hz_admin)  # its own status: from above
    assert (await demo.tenants.update(commands.UpdateTenant("hangzhou", name_zh="杭州"), hz_admin)).name_zh == "杭州"
    with pytest.raises(PermissionDenied):
        await demo.tenants.update(commands.UpdateTenant("haishu", name_zh="海曙"), hz_admin)
    # Public listing hides the suspended county; admins may include it.
    public, _ = await demo.tenants.list(commands.ListTenants(), None)
    assert "yuhang" not in [t.id for t in public]
    with pytest.raises(PermissionDenied):
        await demo.tenants.list(commands.ListTenants(include_suspended=True), None)
    everything, _ = await demo.tenants.list(commands.ListTenants(include_suspended=True), hz_admin)
    assert "yuhang" in [t.id for t in everything]


async def test_tenant_listing_is_parents_first_filtered_and_paged(demo: Handlers) -> None:
    page, token = await demo.tenants.list(commands.ListTenants(page_size=4), None)
    assert [t.id for t in page] == ["zhejiang", "hangzhou", "ningbo", "xihu"] and token
    rest, end = await demo.tenants.list(commands.ListTenants(page_size=4, page_token=token), None)
    assert [t.id for t in rest] == ["yuhang", "haishu"] and end == ""
    with pytest.raises(InvalidArgument) as err:
        await demo.tenants.list(commands.ListTenants(page_token=token, parent_id="hangzhou"), None)
    assert err.value.field == "page_token"
    assert [t.id for t in (await demo.tenants.list(commands.ListTenants(parent_id="hangzhou"), None))[0]] == ["xihu", "yuhang"]
    assert [t.id for t in (await demo.tenants.list(commands.ListTenants(root_id="ningbo"), None))[0]] == ["ningbo", "haishu"]
    with pytest.raises(NotFound):
        await demo.tenants.list(commands.ListTenants(root_id="atlantis"), None)


async def invite_and_accept(h: Handlers, admin: Principal, tenant: str, phone: str, roles: tuple[str, ...], password: str = "") -> Principal:
    """The admin invites the phone's holder, who signs in and accepts; their principal after."""
    invitation = await h.staff.create_staff(commands.CreateStaff(tenant, phone, "受邀者", password, roles), admin)
    person = await sign_in(h, phone, password or "correct horse 9")
    await h.invitations.answer(str(invitation.id), True, person)
    return await sign_in(h, phone, password or "correct horse 9")


async def test_an_admin_of_one_tenant_cannot_grant_roles_in_another(demo: Handlers, id_pool: asyncpg.Pool) -> None:
    hz_admin = await sign_in(demo, "13900000010")
    await register(demo, "13812349001")
    citizen = (await invite_and_accept(demo, hz_admin, "xihu", "13812349001", ("clerk",))).subject
    for tenant in ("ningbo", "haishu", "zhejiang"):
        with pytest.raises(PermissionDenied):
            await demo.staff.change_role(commands.ChangeRole(citizen, tenant, "clerk"), hz_admin, grant=True)
    with pytest.raises(PermissionDenied):
        await demo.staff.change_role(commands.ChangeRole(citizen, "zhejiang", "province_admin"), hz_admin, grant=True)
    user = await demo.staff.change_role(commands.ChangeRole(citizen, "xihu", "approver"), hz_admin, grant=True)
    assert {b.encode() for b in user.roles} == {"hangzhou:citizen", "xihu:clerk", "xihu:approver"}
    refused = await id_pool.fetch("SELECT tenant_id, details FROM audit_log WHERE action = 'role.grant' AND outcome = 'failure' ORDER BY seq")
    assert [r["tenant_id"] for r in refused] == ["ningbo", "haishu", "zhejiang", "zhejiang"]
    assert json.loads(json.dumps(refused[0]["details"])) == {"role": "clerk", "reason": "forbidden"}
    nb_clerk = await sign_in(demo, "13900000021")
    with pytest.raises(PermissionDenied):
        await demo.staff.change_role(commands.ChangeRole(citizen, "ningbo", "approver"), nb_clerk, grant=True)


async def test_a_tenant_admin_cannot_put_roles_on_someone_who_is_not_their_staff(demo: Handlers) -> None:
    hz_admin = await sign_in(demo, "13900000010")
    nb_clerk = await sign_in(demo, "13900000021")
    citizen = await register(demo, "13812349005", tenant="ningbo")
    for someone in (nb_clerk.subject, citizen):
        with pytest.raises(NotFound) as err:
            await demo.staff.change_role(commands.ChangeRole(someone, "hangzhou", "clerk"), hz_admin, grant=True)
        assert err.value.code == "staff_not_found"
    assert {b.encode() for b in (await sign_in(demo, "13900000021")).roles} == {"ningbo:clerk"}


async def test_inviting_an_existing_user_reveals_nothing_and_grants_nothing_until_they_accept(demo: Handlers) -> None:
    hz_admin = await sign_in(demo, "13900000010")
    await register(demo, "13812349006", tenant="ningbo")
    known = await demo.staff.create_staff(commands.CreateStaff("hangzhou", "13812349006", "猜的名字", "", ("supervisor",)), hz_admin)
    unknown = await demo.staff.create_staff(commands.CreateStaff("hangzhou", "13812349007", "猜的名字", "", ("supervisor",)), hz_admin)
    shown = lambda i: (i.tenant_id, i.roles, i.status, i.expires_at - i.created_at)  # noqa: E731
    assert shown(known) == shown(unknown) and known.phone_masked == "138****9006"
    person = await sign_in(demo, "13812349006", "correct horse 9")
    assert person.roles_in("hangzhou") == set()  # nothing granted yet
    [mine] = await demo.invitations.mine(person)
    assert mine.id == known.id
    with pytest.raises(NotFound):  # only the invited phone's holder answers
        await demo.invitations.answer(str(known.id), True, hz_admin)
    await demo.invitations.answer(str(known.id), False, person)
    assert (await sign_in(demo, "13812349006", "correct horse 9")).roles_in("hangzhou") == set()
    with pytest.raises(NotFound):  # answered already
        await demo.invitations.answer(str(known.id), True, person)


async def test_an_expired_invitation_cannot_be_accepted(demo: Handlers, clock) -> None:  # type: ignore[no-untyped-def]
    hz_admin = await sign_in(demo, "13900000010")
    await register(demo, "13812349008")
    invitation = await demo.staff.create_staff(commands.CreateStaff("hangzhou", "13812349008", "x", "", ("clerk",)), hz_admin)
    person = await sign_in(demo, "13812349008", "correct horse 9")
    clock.advance(8 * 24 * 3600)
    assert await demo.invitations.mine(person) == []
    with pytest.raises(FailedPrecondition) as err:
        await demo.invitations.answer(str(invitation.id), True, person)
    assert err.value.code == "invitation_expired"


async def test_staff_creation_grants_and_removals(demo: Handlers) -> None:
    hz_admin = await sign_in(demo, "13900000010")
    p = await invite_and_accept(demo, hz_admin, "xihu", "13812349002", ("clerk", "approver"), password="xihu clerk pass")
    assert {b.encode() for b in p.roles} == {"xihu:approver", "xihu:clerk"}
    # An existing citizen becomes staff once they accept; their password is theirs.
    again = await invite_and_accept(demo, hz_admin, "hangzhou", "13900000100", ("supervisor",), password="mgov-demo-2026")
    assert {b.encode() for b in again.roles} == {"hangzhou:citizen", "hangzhou:supervisor"}
    listed, _ = await demo.staff.list_staff(commands.ListStaff("hangzhou"), hz_admin)
    assert {u.phone_for(hz_admin.subject) for u in listed} >= {"13900000010", "139****0011", "139****0012", "139****0100"}
    with pytest.raises(PermissionDenied):
        await demo.staff.list_staff(commands.ListStaff("ningbo"), hz_admin)
    for bad, field in ((("cook",), "roles[0]"), (("citizen",), "roles[0]"), ((), "roles")):
        with pytest.raises(InvalidArgument) as err:
            await demo.staff.create_staff(commands.CreateStaff("xihu", "13812349003", "x", "xihu clerk pass", bad), hz_admin)
        assert err.value.field == field
    removed = await demo.staff.change_role(commands.ChangeRole(p.subject, "xihu", "approver"), hz_admin, grant=False)
    assert {b.encode() for b in removed.roles} == {"xihu:clerk"}


async def test_the_last_province_admin_cannot_be_removed(demo: Handlers) -> None:
    admin = await sign_in(demo, "13900000000")
    with pytest.raises(FailedPrecondition) as err:
        await demo.staff.change_role(commands.ChangeRole(admin.subject, "zhejiang", "province_admin"), admin, grant=False)
    assert err.value.code == "last_province_admin"
    await register(demo, "13812349004")
    await invite_and_accept(demo, admin, "zhejiang", "13812349004", ("province_admin",))
    after = await demo.staff.change_role(commands.ChangeRole(admin.subject, "zhejiang", "province_admin"), admin, grant=False)
    assert not after.roles


async def test_nothing_is_seeded_outside_demo_mode(handlers: Handlers, id_pool: asyncpg.Pool) -> None:
    assert await id_pool.fetchval("SELECT count(*) FROM tenants") == 0
    assert await id_pool.fetchval("SELECT count(*) FROM users") == 0
    assert await id_pool.fetchval("SELECT count(*) FROM signing_keys") == 1  # but a signing key exists
