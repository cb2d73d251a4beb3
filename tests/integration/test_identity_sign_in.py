"""Registration, sign-in, refresh families, logout and sign-in throttling over the real PostgreSQL,
with a clock the test moves (no sleeping)."""

import asyncpg
import pytest

from mgov_common.auth import TokenInvalid
from mgov_common.errors import AlreadyExists, InvalidArgument, PermissionDenied, ResourceExhausted, Unauthenticated
from services.identity.bootstrap import verifier_for
from services.identity.domain.sessions import RefreshTokenInvalid, RefreshTokenReused
from services.identity.service_layer import commands
from services.identity.service_layer.handlers import Handlers
from tests.integration.identity_support import Clock, clock, demo, handlers, id_pool, id_schema, register, sign_in  # noqa: F401

PASSWORD = "correct horse 9"


async def audit_actions(pool: asyncpg.Pool) -> list[tuple[str, str]]:
    return [(r["action"], r["outcome"]) for r in await pool.fetch("SELECT action, outcome FROM audit_log ORDER BY seq")]


async def test_register_sign_in_refresh_and_reuse_revokes_the_family(demo: Handlers, id_pool: asyncpg.Pool) -> None:
    uid = await register(demo, "+86 138 1234 5678")
    first = await demo.sign_in.authenticate(commands.Authenticate("13812345678", PASSWORD, "198.51.100.1", "pytest"))
    principal = await verifier_for(demo).verify(first.access.token)
    assert (principal.subject, principal.tenant, principal.identity_level) == (uid, "hangzhou", 1)
    assert {b.encode() for b in principal.roles} == {"hangzhou:citizen"}

    second = await demo.sign_in.refresh(commands.Refresh(first.refresh_token))
    assert second.refresh_token != first.refresh_token and second.access.jti != first.access.jti
    with pytest.raises(RefreshTokenReused):
        await demo.sign_in.refresh(commands.Refresh(first.refresh_token))
    # The reuse ended the whole family: the newest token no longer works either.
    with pytest.raises(RefreshTokenInvalid) as err:
        await demo.sign_in.refresh(commands.Refresh(second.refresh_token))
    assert err.value.code == "invalid_refresh_token"
    assert ("refresh_reuse", "failure") in await audit_actions(id_pool)


async def test_logout_ends_the_session_and_only_the_owner_may_present_it(demo: Handlers) -> None:
    await register(demo, "13812340001")
    pair = await demo.sign_in.authenticate(commands.Authenticate("13812340001", PASSWORD))
    stranger = await sign_in(demo, "13900000100")
    with pytest.raises(PermissionDenied):
        await demo.sign_in.revoke(commands.Revoke(pair.refresh_token), stranger)
    await demo.sign_in.revoke(commands.Revoke(pair.refresh_token), None)  # possession is enough
    with pytest.raises(RefreshTokenInvalid):
        await demo.sign_in.refresh(commands.Refresh(pair.refresh_token))
    await demo.sign_in.revoke(commands.Revoke("mgr_unknown"), None)  # unknown: not an error (RFC 7009)


async def test_logout_of_all_sessions(demo: Handlers) -> None:
    await register(demo, "13812340002")
    a = await demo.sign_in.authenticate(commands.Authenticate("13812340002", PASSWORD))
    b = await demo.sign_in.authenticate(commands.Authenticate("13812340002", PASSWORD))
    me = await verifier_for(demo).verify(a.access.token)
    await demo.sign_in.revoke(commands.Revoke(all_sessions=True), me)
    for pair in (a, b):
        with pytest.raises(RefreshTokenInvalid):
            await demo.sign_in.refresh(commands.Refresh(pair.refresh_token))


async def test_a_refresh_token_expires(demo: Handlers, clock: Clock) -> None:
    await register(demo, "13812340003")
    pair = await demo.sign_in.authenticate(commands.Authenticate("13812340003", PASSWORD))
    clock.advance(pair.refresh_expires_in + 1)
    with pytest.raises(RefreshTokenInvalid) as err:
        await demo.sign_in.refresh(commands.Refresh(pair.refresh_token))
    assert err.value.code == "refresh_token_expired"


async def test_registration_errors_name_every_field(demo: Handlers) -> None:
    with pytest.raises(InvalidArgument) as err:
        await demo.registration.start(commands.Register("Bad Slug", "123", "password", ""))
    assert [v.field for v in err.value.violations] == ["tenant_id", "phone", "name", "password"]
    with pytest.raises(InvalidArgument) as err:
        await demo.registration.start(commands.Register("atlantis", "13812340004", PASSWORD, "张三"))
    assert (err.value.field, err.value.code) == ("tenant_id", "unknown_tenant")


async def test_unknown_phone_and_wrong_password_answer_identically(demo: Handlers) -> None:
    answers = []
    for phone, password in (("13900000100", "not the password"), ("13711112222", "not the password")):
        with pytest.raises(Unauthenticated) as err:
            await demo.sign_in.authenticate(commands.Authenticate(phone, password, "198.51.100.50"))
        answers.append((type(err.value), err.value.code, err.value.message, err.value.violations))
    assert answers[0] == answers[1]


async def test_failures_outside_the_window_do_not_add_up_and_success_resets_the_account(demo: Handlers, clock: Clock) -> None:
    await register(demo, "13812340006")
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            await demo.sign_in.authenticate(commands.Authenticate("13812340006", "wrong password", "192.0.2.70"))
    clock.advance(86_401)  # past the account's day-long window
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            await demo.sign_in.authenticate(commands.Authenticate("13812340006", "wrong password", "192.0.2.71"))
    await demo.sign_in.authenticate(commands.Authenticate("13812340006", PASSWORD, "192.0.2.72"))
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            await demo.sign_in.authenticate(commands.Authenticate("13812340006", "wrong password", "192.0.2.73"))
    assert await demo.sign_in.authenticate(commands.Authenticate("13812340006", PASSWORD, "192.0.2.74"))


async def test_concurrent_guesses_beyond_the_limit_are_refused_without_a_password_check(demo: Handlers) -> None:
    import asyncio

    await register(demo, "13812340007")
    results = await asyncio.gather(*(
        demo.sign_in.authenticate(commands.Authenticate("13812340007", "wrong password", f"192.0.2.{80 + i}")) for i in range(12)
    ), return_exceptions=True)
    kinds = [type(r).__name__ for r in results]
    assert kinds.count("Unauthenticated") <= 5 and kinds.count("ResourceExhausted") >= 7, kinds


async def test_a_national_id_raises_the_level_and_is_masked_for_others(demo: Handlers) -> None:
    uid = await register(demo, "13812340008")
    me = await sign_in(demo, "13812340008", PASSWORD)
    user = await demo.accounts.set_national_id(commands.SetNationalId("11010519491231002x", "张三"), me)
    assert user.identity_level == 2 and user.national_id == "11010519491231002X"
    refreshed = await sign_in(demo, "13812340008", PASSWORD)
    assert refreshed.identity_level == 2
    clerk = await sign_in(demo, "13900000011")
    seen = await demo.accounts.get_user(uid, clerk)
    assert seen.phone_for(clerk.subject) == "138****0008" and seen.national_id_for(clerk.subject) == "1101**********002X"
    assert seen.phone_for(me.subject) == "13812340008"
    await register(demo, "13812340009")
    other = await sign_in(demo, "13812340009", PASSWORD)
    with pytest.raises(AlreadyExists):
        await demo.accounts.set_national_id(commands.SetNationalId("11010519491231002X", "李四"), other)
    with pytest.raises(InvalidArgument) as err:
        await demo.accounts.set_national_id(commands.SetNationalId("110105194912310021", "李四"), other)
    assert err.value.code == "invalid_checksum"
    with pytest.raises(PermissionDenied):
        await demo.accounts.get_user(uid, await sign_in(demo, "13900000021"))  # a Ningbo clerk


async def test_a_forged_token_is_refused_by_the_identity_verifier(demo: Handlers) -> None:
    pair = await demo.sign_in.authenticate(commands.Authenticate("13900000100", "mgov-demo-2026"))
    header, payload, signature = pair.access.token.split(".")
    with pytest.raises(TokenInvalid):
        await verifier_for(demo).verify(f"{header}.{payload}.{signature[:-4]}AAAA")
