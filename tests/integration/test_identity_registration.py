"""Registration proven by an SMS code, over the real PostgreSQL: no account before the
code, bounded tries, rate limits per address, phone prefix and phone, and answers that
do not tell whether a phone is registered. (What identity asks the notify service to
send is kept by `Phones`; the gRPC test and the e2e tests read notify's real outbox.)"""

from __future__ import annotations

import asyncpg
import pytest

from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound, ResourceExhausted, Unauthenticated
from services.identity.service_layer import commands
from services.identity.service_layer.handlers import Handlers
from tests.integration.identity_support import (Clock, clock, demo, handlers, id_pool, id_schema, phones,  # noqa: F401
                                                register, sign_in)

PASSWORD = "correct horse 9"


def form(phone: str, address: str = "198.51.100.20", tenant: str = "hangzhou") -> commands.Register:
    return commands.Register(tenant, phone, PASSWORD, "测试用户", address)


async def test_an_account_exists_only_once_the_code_is_confirmed(demo: Handlers) -> None:
    started = await demo.registration.start(form("13812350001"))
    assert started.expires_in_s == 600
    with pytest.raises(Unauthenticated):
        await demo.sign_in.authenticate(commands.Authenticate("13812350001", PASSWORD, "198.51.100.20"))
    code = phones(demo).code(started.registration_id)
    result = await demo.registration.confirm(commands.ConfirmRegistration(started.registration_id, code, "198.51.100.20"))
    assert result.access.token and result.refresh_token
    assert (await sign_in(demo, "13812350001", PASSWORD)).subject == result.user_id
    with pytest.raises(FailedPrecondition) as err:
        await demo.registration.confirm(commands.ConfirmRegistration(started.registration_id, code))
    assert err.value.code == "registration_used"


async def test_five_wrong_codes_lock_that_registration(demo: Handlers) -> None:
    started = await demo.registration.start(form("13812350002"))
    code = phones(demo).code(started.registration_id)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(InvalidArgument) as err:
            await demo.registration.confirm(commands.ConfirmRegistration(started.registration_id, wrong))
        assert err.value.code == "invalid_code" and (f"{left} tries left" in err.value.message or left == 0)
    with pytest.raises(FailedPrecondition) as locked:
        await demo.registration.confirm(commands.ConfirmRegistration(started.registration_id, code))
    assert locked.value.code == "registration_locked"
    with pytest.raises(Unauthenticated):
        await demo.sign_in.authenticate(commands.Authenticate("13812350002", PASSWORD, "198.51.100.20"))


async def test_a_code_expires(demo: Handlers, clock: Clock) -> None:
    started = await demo.registration.start(form("13812350003"))
    clock.advance(601)
    with pytest.raises(FailedPrecondition) as err:
        await demo.registration.confirm(commands.ConfirmRegistration(started.registration_id, phones(demo).code(started.registration_id)))
    assert err.value.code == "registration_expired"


async def test_registered_and_unregistered_phones_get_identical_answers(demo: Handlers) -> None:
    """13900000100 is a demo citizen; 13812350004 is nobody's."""
    answers = []
    for phone in ("13900000100", "13812350004"):
        started = await demo.registration.start(form(phone))
        answers.append((type(started), started.expires_in_s, len(started.registration_id)))
        wrong = "000000" if phones(demo).to(phone)[-1].code != "000000" else "111111"
        with pytest.raises(InvalidArgument) as err:
            await demo.registration.confirm(commands.ConfirmRegistration(started.registration_id, wrong))
        answers.append((err.value.code, err.value.message))
    assert answers[0::2][0] == answers[0::2][1] and answers[1] == answers[3]
    # The holder of the registered phone is told someone tried, and gets no code.
    assert [s.kind for s in phones(demo).to("13900000100")] == ["registration_attempt"]
    assert [s.kind for s in phones(demo).to("13812350004")] == ["registration_code"]
    assert phones(demo).to("13900000100")[0].code == ""


async def test_the_21st_registration_from_one_address_is_refused(demo: Handlers, id_pool: asyncpg.Pool, clock: Clock) -> None:
    for i in range(20):
        await demo.registration.start(form(f"13{i % 7 + 3}1235{i:04d}", address="203.0.113.7"))
    with pytest.raises(ResourceExhausted) as err:
        await demo.registration.start(form("13912359999", address="203.0.113.7"))
    assert (err.value.code, err.value.retry_after_s) == ("registration_rate_limited", 3600)
    await demo.registration.start(form("13912359999", address="203.0.113.8"))  # another address is not held back
    clock.advance(3601)
    await demo.registration.start(form("13912359998", address="203.0.113.7"))  # the window moved on
    rows = await id_pool.fetch("SELECT details FROM audit_log WHERE action = 'user.register' AND outcome = 'failure'")
    assert len(rows) == 1


async def test_one_phone_prefix_and_one_phone_are_limited_across_addresses(demo: Handlers) -> None:
    for i in range(5):  # the same phone from five addresses: an SMS flood of its holder
        await demo.registration.start(form("13812350005", address=f"203.0.113.{i}"))
    with pytest.raises(ResourceExhausted):
        await demo.registration.start(form("13812350005", address="203.0.113.50"))
    limited = Handlers.build(demo.ctx)
    limited.registration.sms = demo.registration.sms
    limited.registration.policy = type(demo.registration.policy)(per_prefix=3)
    for i in range(3):  # a walk through one number block, each from its own address
        await limited.registration.start(form(f"1371234{i:04d}", address=f"198.18.0.{i}"))
    with pytest.raises(ResourceExhausted) as err:
        await limited.registration.start(form("13712349999", address="198.18.0.99"))
    assert err.value.code == "registration_rate_limited"


async def test_a_phone_proven_by_code_gets_a_phone_token_that_is_no_access_token_and_no_account(demo: Handlers) -> None:
    from mgov_common.auth import PHONE_AUDIENCE, JwksCache, TokenVerifier
    from services.identity.bootstrap import verifier_for

    started = await demo.phone.start("xihu", "13812350010", "198.51.100.30")
    [sms] = phones(demo).to("13812350010")
    assert sms.kind == "phone_code" and sms.message_id == started.registration_id
    with pytest.raises(NotFound):  # a phone verification never becomes an account
        await demo.registration.confirm(commands.ConfirmRegistration(started.registration_id, sms.code))
    proof = await demo.phone.confirm(started.registration_id, sms.code, "198.51.100.30")
    assert proof.phone_masked == "138****0010"
    claims = await TokenVerifier(JwksCache(demo.ctx.keyring.fresh_jwks), audience=PHONE_AUDIENCE).claims(proof.token)
    assert claims["sub"].startswith("phone:") and "13812350010" not in claims["sub"] and claims["phone_masked"] == "138****0010"
    with pytest.raises(Unauthenticated):  # not accepted where an access token is
        await verifier_for(demo).verify(proof.token)
    with pytest.raises(FailedPrecondition):
        await demo.phone.confirm(started.registration_id, sms.code, "198.51.100.30")
    again = await demo.phone.start("xihu", "13812350010", "198.51.100.30")  # the same phone: the same pseudonym
    second = await demo.phone.confirm(again.registration_id, phones(demo).code(again.registration_id), "")
    assert (await TokenVerifier(JwksCache(demo.ctx.keyring.fresh_jwks), audience=PHONE_AUDIENCE).claims(second.token))["sub"] == claims["sub"]
    reg = await demo.registration.start(form("13812350011"))
    with pytest.raises(NotFound):  # nor does a registration's code prove a phone
        await demo.phone.confirm(reg.registration_id, phones(demo).code(reg.registration_id), "")


async def test_phone_codes_and_registrations_share_their_rate_limits(demo: Handlers) -> None:
    for i in range(3):
        await demo.registration.start(form("13812350012", address=f"203.0.113.{60 + i}"))
    for i in range(2):
        await demo.phone.start("xihu", "13812350012", f"203.0.113.{70 + i}")
    with pytest.raises(ResourceExhausted) as err:  # the sixth code for one phone within the hour
        await demo.phone.start("xihu", "13812350012", "203.0.113.80")
    assert err.value.code == "registration_rate_limited"
