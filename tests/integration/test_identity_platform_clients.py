"""Platform services as identity's callers: a configured service trades its client
secret for a short-lived platform token; with it (and only with it) it reads users'
contact details, audited, and lists a tenant's staff (notify's recipients)."""

import pytest

from mgov_common.errors import InvalidArgument, PermissionDenied, Unauthenticated
from mgov_common.principal import PLATFORM
from mgov_common.settings import demo_secret
from services.identity.bootstrap import build_context, prepare, verifier_for
from services.identity.service_layer import commands
from services.identity.service_layer.handlers import Handlers
from tests.integration.identity_support import clock, demo, handlers, id_pool, id_schema, identity_settings, sign_in  # noqa: F401

SECRET = "s3cret-of-the-notify-service-0123456789"


@pytest.fixture
async def platform(id_pool, clock) -> Handlers:  # noqa: F811
    h = Handlers.build(build_context(identity_settings(key_cache_s=0, platform_clients=f"notify={SECRET}"), id_pool, clock))
    await prepare(h, demo=True)
    return h


async def test_a_configured_service_gets_a_platform_token_and_a_wrong_secret_is_refused_and_audited(platform: Handlers, id_pool) -> None:  # noqa: F811
    token = await platform.platform.issue_token("notify", SECRET)
    principal = await verifier_for(platform).verify(token.token)
    assert (principal.kind, principal.subject, principal.tenant, principal.roles) == (PLATFORM, "notify", "", frozenset())
    assert token.expires_in == 900
    for service, secret in (("notify", "wrong-secret-0123456789"), ("workflow", SECRET), ("", "")):
        with pytest.raises(Unauthenticated) as refused:
            await platform.platform.issue_token(service, secret, "198.51.100.7")
        assert refused.value.code == "invalid_client"
    rows = await id_pool.fetch("SELECT actor_kind, actor_id, source_address FROM audit_log WHERE action = 'platform.token' AND outcome = 'failure' ORDER BY seq")
    assert [(r["actor_kind"], r["actor_id"]) for r in rows] == [("platform", "notify"), ("platform", "workflow"), ("platform", None)]


async def test_in_demo_mode_the_platform_services_use_their_derived_secrets(demo: Handlers) -> None:  # noqa: F811
    assert identity_settings().platform_client_secrets()["notify"] == demo_secret("notify", "platform_secret")
    assert identity_settings(demo=False, field_key="a" * 64, lookup_key="b" * 64, audit_key="c" * 64, page_token_secret="d" * 64).platform_client_secrets() == {}
    token = await demo.platform.issue_token("notify", demo_secret("notify", "platform_secret"))
    assert (await verifier_for(demo).verify(token.token)).subject == "notify"
    with pytest.raises(ValueError, match="MGOV_IDENTITY_PLATFORM_CLIENTS"):
        identity_settings(platform_clients="notify").platform_client_secrets()


async def test_contacts_are_unmasked_for_platform_services_only_and_every_read_is_audited(platform: Handlers, id_pool) -> None:  # noqa: F811
    from services.identity.service_layer.seed import seed_demo

    await seed_demo(platform.ctx)
    citizen = await sign_in(platform, "13900000100")
    service = await verifier_for(platform).verify((await platform.platform.issue_token("notify", SECRET)).token)
    unknown = "00000000-0000-4000-8000-000000000000"
    [contact] = await platform.platform.contacts([citizen.subject, unknown, citizen.subject], service)
    assert (contact.user_id, contact.phone, contact.tenant_id, contact.active) == (citizen.subject, "13900000100", "hangzhou", True)
    audit = await id_pool.fetchrow("SELECT actor_kind, actor_id, details FROM audit_log WHERE action = 'contact.read'")
    assert (audit["actor_kind"], audit["actor_id"]) == ("platform", "notify") and citizen.subject in str(audit["details"])
    assert "13900000100" not in str(audit["details"])
    with pytest.raises(PermissionDenied):
        await platform.platform.contacts([citizen.subject], citizen)
    with pytest.raises(InvalidArgument):
        await platform.platform.contacts(["not-a-uuid"], service)
    with pytest.raises(InvalidArgument):
        await platform.platform.contacts([unknown] * 101, service)


async def test_a_platform_service_lists_a_tenants_staff_and_a_citizen_still_may_not(platform: Handlers) -> None:
    from services.identity.service_layer.seed import seed_demo

    await seed_demo(platform.ctx)
    service = await verifier_for(platform).verify((await platform.platform.issue_token("notify", SECRET)).token)
    staff, _ = await platform.staff.list_staff(commands.ListStaff("hangzhou", 100, ""), service)
    roles = {b.role for u in staff for b in u.roles if b.tenant == "hangzhou"}
    assert {"clerk", "approver", "tenant_admin"} <= roles
    with pytest.raises(PermissionDenied):
        await platform.staff.list_staff(commands.ListStaff("hangzhou", 100, ""), await sign_in(platform, "13900000100"))


async def test_a_phone_proven_without_an_account_is_kept_encrypted_and_reached_by_its_pseudonym_only(platform: Handlers, id_pool) -> None:  # noqa: F811
    from services.identity.service_layer.seed import seed_demo
    from tests.integration.identity_support import Phones

    await seed_demo(platform.ctx)
    platform.registration.sms = sms = Phones()
    started = await platform.phone.start("xihu", "13812350090", "198.51.100.90")
    await platform.phone.confirm(started.registration_id, sms.code(started.registration_id), "198.51.100.90")
    ref = "phone:" + platform.ctx.lookup.phone_pseudonym("13812350090")
    stored = await id_pool.fetchrow("SELECT phone_cipher, phone_key_id FROM phone_contacts")
    assert b"13812350090" not in bytes(stored["phone_cipher"])  # encrypted at rest with the field key
    service = await verifier_for(platform).verify((await platform.platform.issue_token("notify", SECRET)).token)
    [contact] = await platform.platform.contacts([ref, "phone:" + "0" * 32], service)
    assert (contact.user_id, contact.phone, contact.tenant_id, contact.name, contact.active) == (ref, "13812350090", "xihu", "", True)
    with pytest.raises(InvalidArgument):  # only the shape of a pseudonym
        await platform.platform.contacts(["phone:13812350090"], service)
    audit = await id_pool.fetch("SELECT details FROM audit_log WHERE action = 'contact.read'")
    assert ref in str(audit[-1]["details"]) and "13812350090" not in str(audit[-1]["details"])
