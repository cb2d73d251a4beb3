"""Sign-in throttling over the real PostgreSQL, with a clock the test moves (no sleeping).

The attacks it answers: wrong passwords from rotating addresses used to lock the
account holder out for 15 minutes, and five failures from one address (every client
of `mgov up` is 127.0.0.1) locked that address for everyone for 15 minutes.
"""

from __future__ import annotations

import json

import asyncpg

from mgov_common.errors import ResourceExhausted, Unauthenticated
from services.identity.service_layer import commands
from services.identity.service_layer.handlers import Handlers
from tests.integration.identity_support import Clock, clock, demo, handlers, id_pool, id_schema, register  # noqa: F401

PASSWORD = "correct horse 9"
WRONG = "wrong password"


async def attempt(h: Handlers, phone: str, password: str, address: str) -> str:
    """'ok', 'wrong', or 'wait N' (throttled, with its Retry-After)."""
    try:
        await h.sign_in.authenticate(commands.Authenticate(phone, password, address))
    except Unauthenticated:
        return "wrong"
    except ResourceExhausted as err:
        assert err.code == "sign_in_throttled"
        return f"wait {err.retry_after_s}"
    return "ok"


async def test_failures_make_the_next_attempt_wait_longer_each_time_up_to_a_cap(demo: Handlers, clock: Clock) -> None:
    await register(demo, "13812340005")
    for i in range(5):  # free; from five addresses, so only the account counts
        assert await attempt(demo, "13812340005", WRONG, f"203.0.113.{i}") == "wrong"
    waits = []
    for i in range(12):  # a patient guesser: waits out each delay, then guesses again
        answer = await attempt(demo, "13812340005", WRONG, f"203.0.114.{i}")
        waits.append(int(answer.removeprefix("wait ")))
        clock.advance(waits[-1])
        assert await attempt(demo, "13812340005", WRONG, f"203.0.114.{i}") == "wrong"
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    # Even the right password waits its turn; then it works, and the count starts again.
    assert await attempt(demo, "13812340005", PASSWORD, "203.0.115.1") == "wait 300"
    clock.advance(300)
    assert await attempt(demo, "13812340005", PASSWORD, "203.0.115.1") == "ok"
    assert await attempt(demo, "13812340005", WRONG, "203.0.115.2") == "wrong"


async def test_guesses_from_rotating_addresses_do_not_keep_the_holder_out(demo: Handlers, clock: Clock) -> None:
    await register(demo, "13812340011")
    assert await attempt(demo, "13812340011", PASSWORD, "198.51.100.20") == "ok"  # the holder's own address
    waits = []
    for i in range(40):  # an attacker taking every slot as soon as it opens
        answer = await attempt(demo, "13812340011", WRONG, f"10.0.{i}.1")
        if answer.startswith("wait"):
            waits.append(int(answer.removeprefix("wait ")))
            clock.advance(waits[-1])
            assert await attempt(demo, "13812340011", WRONG, f"10.0.{i}.2") == "wrong"
    assert len(waits) > 20 and max(waits) == 300, waits  # the attacker was slowed, up to the cap
    # From the holder's address: no wait at all.
    assert await attempt(demo, "13812340011", PASSWORD, "198.51.100.20") == "ok"
    # From a new address (a new phone): at most the account's cap, never a long lock.
    answer = await attempt(demo, "13812340011", PASSWORD, "198.51.100.99")
    assert answer == "ok" or int(answer.removeprefix("wait ")) <= 300


async def test_failures_from_one_address_slow_that_address_for_a_minute_at_most(demo: Handlers, clock: Clock) -> None:
    for i in range(10):  # ten accounts, one address: the address's free failures
        assert await attempt(demo, f"1381234{i:04d}", WRONG, "192.0.2.66") == "wrong"
    assert await attempt(demo, "13900000100", "mgov-demo-2026", "192.0.2.66") == "wait 1"
    assert await attempt(demo, "13900000100", "mgov-demo-2026", "192.0.2.67") == "ok"  # another address is fine
    waits = []
    for i in range(20):
        answer = await attempt(demo, f"1381235{i:04d}", WRONG, "192.0.2.66")
        if answer.startswith("wait"):
            waits.append(int(answer.removeprefix("wait ")))
            clock.advance(waits[-1])
    assert waits and max(waits) <= 60, waits  # slowed, never past the address's cap
    answer = await attempt(demo, "13900000100", "mgov-demo-2026", "192.0.2.66")
    assert answer == "ok" or int(answer.removeprefix("wait ")) <= 60


async def test_the_holder_is_told_once_when_the_delays_begin(demo: Handlers, clock: Clock, id_pool: asyncpg.Pool) -> None:
    uid = await register(demo, "13812340012")
    for i in range(5):
        assert await attempt(demo, "13812340012", WRONG, f"203.0.113.{40 + i}") == "wrong"
    clock.advance(1)
    assert await attempt(demo, "13812340012", WRONG, "203.0.113.50") == "wrong"
    rows = await id_pool.fetch("SELECT subject, type, payload FROM outbox WHERE type = 'mgov.identity.user.sign_in_throttled.v1'")
    assert [r["subject"] for r in rows] == ["mgov.evt.hangzhou.identity.user.sign_in_throttled"]
    event = json.loads(rows[0]["payload"])
    assert event["subject"] == uid and event["data"] == {"user_id": uid, "failure_count": 5, "window_s": 86400, "max_delay_s": 300}
    audit = await id_pool.fetch("SELECT action, outcome, source_address FROM audit_log WHERE action = 'sign_in_throttled'")
    assert [(r["action"], r["source_address"]) for r in audit] == [("sign_in_throttled", "203.0.113.44")]


async def test_an_unknown_phone_is_throttled_like_a_known_one_and_no_one_is_told(demo: Handlers, id_pool: asyncpg.Pool) -> None:
    answers = [await attempt(demo, "13799990000", WRONG, f"203.0.113.{60 + i}") for i in range(6)]
    assert answers == ["wrong"] * 5 + ["wait 1"]
    assert not await id_pool.fetch("SELECT 1 FROM outbox WHERE type = 'mgov.identity.user.sign_in_throttled.v1'")
