"""Whose address a sign-in comes from, and what repeated failures do, through real gateways.

Once `X-Forwarded-For` was believed from loopback, and every client of `mgov up` is on
loopback: 60 guesses from 60 invented addresses never reached the per-address limit,
the audit log recorded whatever address a caller claimed, five wrong passwords from
rotating invented addresses locked the account holder out for 15 minutes, and five
failures with no header locked 127.0.0.1 for everyone.

`plain_gateway` is a gateway as `mgov up` runs it (no trusted proxy), in front of the
demo platform's services; the demo platform's own gateway believes the tests as a
proxy on loopback (`MGOV_GATEWAY_FORWARDED_ALLOW_IPS`), so they can speak for many
addresses.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from launcher.topology import SERVICES
from mgov_common.ports import free_port
from tests.conftest import repo_root
from tests.e2e.conftest import DEMO_PASSWORD, DemoPlatform

PASSWORD = "a long enough passphrase"
CITIZEN = "13900000100"


def new_phone() -> str:
    return f"135{random.randrange(10**8):08d}"


def new_address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.fixture(scope="module")
def plain_gateway(demo_platform: DemoPlatform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("MGOV_GATEWAY_FORWARDED_ALLOW_IPS", "FORWARDED_ALLOW_IPS")}
    env.update({"MGOV_GATEWAY_PORT": str(port), "MGOV_NATS_URL": demo_platform.nats_url,
                **{f"MGOV_GATEWAY_{s.upper()}_ADDR": f"127.0.0.1:{demo_platform.ports[s.upper()]}" for s in SERVICES}})
    log = tmp_path_factory.mktemp("plain-gateway") / "gateway.log"
    proc = subprocess.Popen([sys.executable, "-m", "gateway"], cwd=repo_root(), env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # polled until it answers ready, as the launcher does
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def sign_in(base: str, phone: str, password: str, address: str | None = None) -> httpx.Response:
    headers = {"x-forwarded-for": address} if address else {}
    return httpx.post(f"{base}/v1/auth/token", json={"username": phone, "password": password}, headers=headers, timeout=15)


def register(p: DemoPlatform, phone: str) -> None:
    p.register(phone, PASSWORD, "测试")


def identity_sql(p: DemoPlatform, query: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(p.dsn, server_settings={"search_path": "identity"})
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()
    return asyncio.run(run())


def last_sign_in_address(p: DemoPlatform, user_id: str) -> str:
    rows = identity_sql(p, "SELECT source_address FROM audit_log WHERE action = 'sign_in' AND outcome = 'success' AND actor_id = $1"
                           " ORDER BY seq DESC LIMIT 1", user_id)
    return str(rows[0]["source_address"])


def test_a_claimed_address_is_ignored_unless_the_peer_is_a_configured_proxy(demo_platform: DemoPlatform, plain_gateway: str) -> None:
    claimed = new_address()
    resp = sign_in(plain_gateway, CITIZEN, DEMO_PASSWORD, claimed)
    assert resp.status_code == 200, resp.text
    user_id = httpx.get(f"{plain_gateway}/v1/me", headers={"authorization": f"Bearer {resp.json()['access_token']}"}).json()["id"]
    assert last_sign_in_address(demo_platform, user_id) == "127.0.0.1"
    # Through a gateway told that loopback is its proxy, the forwarded address is the client's.
    assert sign_in(demo_platform.base_url, CITIZEN, DEMO_PASSWORD, claimed).status_code == 200
    assert last_sign_in_address(demo_platform, user_id) == claimed


def until_throttled(attempt: Any, most: int) -> list[httpx.Response]:
    """Answers of `attempt()` up to and including the first 429 (delays double, so a 429
    comes within a few tries of the free ones, however slow each try is)."""
    answers: list[httpx.Response] = []
    while not answers or answers[-1].status_code != 429:
        assert len(answers) < most, [a.text for a in answers]
        answers.append(attempt())
    return answers


def test_invented_addresses_do_not_escape_the_per_address_limit(demo_platform: DemoPlatform, plain_gateway: str) -> None:
    # Other tests' failed sign-ins from loopback count against 127.0.0.1 too: start clean.
    identity_sql(demo_platform, "DELETE FROM sign_in_failures WHERE scope = 'address' AND key = '127.0.0.1'")
    try:
        answers = until_throttled(lambda: sign_in(plain_gateway, new_phone(), "wrong password", new_address()), 16)
        assert len(answers) >= 11 and {a.status_code for a in answers[:-1]} == {401}, [a.text for a in answers]
        assert answers[-1].json()["code"] == "sign_in_throttled" and 1 <= int(answers[-1].headers["retry-after"]) <= 60
    finally:  # 127.0.0.1 is every other test's address too
        identity_sql(demo_platform, "DELETE FROM sign_in_failures WHERE scope = 'address' AND key = '127.0.0.1'")


def test_wrong_passwords_from_rotating_addresses_do_not_lock_the_holder_out(demo_platform: DemoPlatform) -> None:
    phone, home = new_phone(), new_address()
    register(demo_platform, phone)
    assert sign_in(demo_platform.base_url, phone, PASSWORD, home).status_code == 200
    answers = until_throttled(lambda: sign_in(demo_platform.base_url, phone, "wrong password", new_address()), 11)
    assert len(answers) >= 6 and {a.status_code for a in answers[:-1]} == {401}
    assert answers[-1].json()["code"] == "sign_in_throttled" and int(answers[-1].headers["retry-after"]) <= 300
    # The holder, from the address they signed in from before: straight in.
    holder = sign_in(demo_platform.base_url, phone, PASSWORD, home)
    assert holder.status_code == 200
    # ...and told that someone guessed (in-app, from identity's event through notify).
    token = holder.json()["access_token"]
    deadline = time.monotonic() + 30
    while True:
        items = httpx.get(f"{demo_platform.base_url}/v1/notifications", params={"category": "security"},
                          headers={"authorization": f"Bearer {token}"}, timeout=15).json()["items"]
        if items:
            break
        assert time.monotonic() < deadline, "the holder was never told"
        time.sleep(0.1)
    assert len(items) == 1 and "5" in items[0]["body"] and items[0]["link"] == "/me"


def test_unknown_phone_and_wrong_password_are_throttled_alike(demo_platform: DemoPlatform) -> None:
    phone, unknown_phone = new_phone(), f"137{random.randrange(10**8):08d}"
    register(demo_platform, phone)
    known = until_throttled(lambda: sign_in(demo_platform.base_url, phone, "wrong password", new_address()), 11)
    unknown = until_throttled(lambda: sign_in(demo_platform.base_url, unknown_phone, "wrong password", new_address()), 11)
    assert len(known) >= 6 and len(unknown) >= 6

    def body(r: httpx.Response) -> dict[str, Any]:
        return {k: v for k, v in r.json().items() if k != "request_id"}
    assert body(known[0]) == body(unknown[0]) and body(known[-1]) == body(unknown[-1])


def test_behind_the_proxy_the_address_limit_keys_on_each_clients_own_address(demo_platform: DemoPlatform) -> None:
    """Every client behind the ingress reaches the gateway from the ingress's address: the
    per-address limit must count the forwarded client address, or one guesser would lock
    out everybody behind the same proxy (the demo platform's gateway trusts loopback as
    its proxy, as production's trusts the ingress controller)."""
    guesser, neighbour = new_address(), new_address()
    answers = until_throttled(lambda: sign_in(demo_platform.base_url, new_phone(), "wrong password", guesser), 16)
    assert len(answers) >= 11 and {a.status_code for a in answers[:-1]} == {401}, [a.text for a in answers]
    assert answers[-1].json()["code"] == "sign_in_throttled"
    counted = identity_sql(demo_platform, "SELECT count(*) AS n FROM sign_in_failures WHERE scope = 'address' AND key = $1", guesser)
    assert counted[0]["n"] >= 10, "the failures are counted against the guesser's own address"
    # Someone else behind the same proxy signs in at once.
    assert sign_in(demo_platform.base_url, CITIZEN, DEMO_PASSWORD, neighbour).status_code == 200
    # The guesser stays slowed: its address is past the limit, so at most one more try gets
    # through (if the neighbour's sign-in outlasted the current delay) before the next 429.
    again = until_throttled(lambda: sign_in(demo_platform.base_url, new_phone(), "wrong password", guesser), 3)
    assert again[-1].json()["code"] == "sign_in_throttled"
