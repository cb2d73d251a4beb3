"""Identity through the gateway against the running demo platform (real processes).

Wrong passwords are always sent from an address of their own (`X-Forwarded-For`, which
the test platform's gateway believes from loopback, as it would from a reverse proxy),
so sign-in throttling never touches the address other tests sign in from.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mgov_common.auth import AUDIENCE, ISSUER
from services.identity.adapters.signing_keys import KeySet, SigningKeyRepository
from services.identity.bootstrap import crypto_from_settings
from services.identity.settings import IdentitySettings
from tests.conftest import repo_root, venv_bin
from tests import sms_outbox
from tests.e2e.conftest import DemoPlatform

PASSWORD = "a long enough passphrase"


def new_phone() -> str:
    return f"136{random.randrange(10**8):08d}"


def new_address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def start_registration(c: httpx.Client, phone: str, tenant: str = "hangzhou", address: str | None = None) -> dict[str, Any]:
    """The registration form, from an address of its own (each test has its own registration limit)."""
    resp = c.post("/v1/auth/register", json={"tenant_id": tenant, "phone": phone, "password": PASSWORD, "name": "测试市民"},
                  headers={"x-forwarded-for": address or new_address()})
    assert resp.status_code == 202, resp.text
    return resp.json()  # type: ignore[no-any-return]


def register(platform: DemoPlatform, c: httpx.Client, phone: str, tenant: str = "hangzhou") -> str:
    """Register as a citizen does: the form, then the code from the SMS (the demo outbox of notify's SMS provider)."""
    started = start_registration(c, phone, tenant)
    code = sms_outbox.registration_code(platform.home, started["registration_id"])
    done = c.post("/v1/auth/register/confirm", json={"registration_id": started["registration_id"], "code": code})
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store", done.text
    return str(done.json()["user_id"])


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def problem(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    return resp.json()  # type: ignore[no-any-return]


def fields(body: dict[str, Any]) -> set[str]:
    return {e["field"] for e in body.get("errors", [])}


def test_register_token_me_refresh_reuse_and_logout(demo_platform: DemoPlatform) -> None:
    phone = new_phone()
    with demo_platform.client() as c:
        user_id = register(demo_platform, c, phone[:3] + " " + phone[3:7] + " " + phone[7:])
        resp = c.post("/v1/auth/token", json={"username": phone, "password": PASSWORD})
        assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
        first = resp.json()
        assert first["token_type"] == "Bearer" and first["expires_in"] == 900
        claims = jwt.decode(first["access_token"], options={"verify_signature": False})
        assert (claims["sub"], claims["tenant"], claims["roles"], claims["aud"], claims["iss"]) == (user_id, "hangzhou", ["hangzhou:citizen"], AUDIENCE, ISSUER)
        assert claims["exp"] - claims["iat"] == 900 and claims["jti"] and jwt.get_unverified_header(first["access_token"])["alg"] == "EdDSA"

        me = c.get("/v1/me", headers=bearer(first["access_token"])).json()
        assert (me["user_id"], me["phone"], me["tenant_id"], me["identity_level"]) == (user_id, phone, "hangzhou", 1)
        assert me["roles"] == [{"tenant_id": "hangzhou", "role": "citizen"}]

        second = c.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
        assert second["refresh_token"] != first["refresh_token"]
        assert c.get("/v1/me", headers=bearer(second["access_token"])).status_code == 200
        reused = problem(c.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}), 401)
        assert reused["code"] == "refresh_token_reused"
        # The reuse revoked the family: the token rotated in above is dead too.
        assert problem(c.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401)["code"] == "invalid_refresh_token"

        third = c.post("/v1/auth/token", json={"username": phone, "password": PASSWORD}).json()
        out = c.post("/v1/auth/logout", json={"refresh_token": third["refresh_token"]}, headers=bearer(third["access_token"]))
        assert out.status_code == 204
        assert problem(c.post("/v1/auth/refresh", json={"refresh_token": third["refresh_token"]}), 401)["code"] == "invalid_refresh_token"


async def platform_keys(dsn: str) -> KeySet:
    """The platform's own signing key, read as identity reads it (demo-derived secrets)."""
    crypto = crypto_from_settings(IdentitySettings(demo=True))
    conn = await asyncpg.connect(dsn, server_settings={"search_path": "identity"})
    try:
        keys = await SigningKeyRepository(conn, crypto.cipher).load(datetime.now(UTC), timedelta(hours=1))
    finally:
        await conn.close()
    assert keys is not None
    return keys


def mint(key: Ed25519PrivateKey, kid: str, subject: str, **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": subject, "tenant": "hangzhou", "roles": ["hangzhou:citizen"],
              "kind": "user", "lvl": 1, "jti": uuid.uuid4().hex, "iat": now, "exp": now + 900, **overrides}
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


async def test_tampered_expired_wrong_audience_and_unknown_kid_tokens_are_401(demo_platform: DemoPlatform) -> None:
    pair = demo_platform.sign_in("13900000100")
    me = httpx.get(f"{demo_platform.base_url}/v1/me", headers=bearer(pair["access_token"])).json()
    keys = await platform_keys(demo_platform.dsn)
    kid, key = keys.signing.kid, keys.signing.private
    header, payload, signature = pair["access_token"].split(".")
    forged_payload = jwt.encode({**jwt.decode(pair["access_token"], options={"verify_signature": False}),
                                 "roles": ["zhejiang:province_admin"]}, "k" * 32, algorithm="HS256").split(".")[1]
    cases = {
        "control: well signed": mint(key, kid, me["user_id"]),
        "tampered claims": f"{header}.{forged_payload}.{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-6]}AAAAAA",
        "expired": mint(key, kid, me["user_id"], iat=int(time.time()) - 2000, exp=int(time.time()) - 1000),
        "wrong audience": mint(key, kid, me["user_id"], aud="someone-else"),
        "wrong issuer": mint(key, kid, me["user_id"], iss="evil"),
        "unknown kid": mint(Ed25519PrivateKey.generate(), "not-a-published-key", me["user_id"]),
        "known kid, other key": mint(Ed25519PrivateKey.generate(), kid, me["user_id"]),
        "not a jwt": "garbage",
    }
    with demo_platform.client() as c:
        answers = {name: c.get("/v1/me", headers=bearer(token)) for name, token in cases.items()}
        assert answers.pop("control: well signed").status_code == 200
        for name, resp in answers.items():
            body = problem(resp, 401)
            assert resp.headers["www-authenticate"].startswith("Bearer"), name
            assert body["code"] in ("invalid_token", "token_expired"), (name, body)
        assert problem(answers["expired"], 401)["code"] == "token_expired"
        assert problem(c.get("/v1/me"), 401)["code"] == "unauthenticated"


def test_an_admin_of_one_tenant_cannot_grant_roles_in_another(demo_platform: DemoPlatform) -> None:
    hz_admin = demo_platform.sign_in("13900000010")["access_token"]
    with demo_platform.client() as c:
        phone = new_phone()
        citizen = register(demo_platform, c, phone)
        for tenant in ("ningbo", "haishu"):
            denied = c.put(f"/v1/tenants/{tenant}/staff/{citizen}/roles/clerk", headers=bearer(hz_admin))
            assert problem(denied, 403)["code"] == "forbidden"
        assert problem(c.put(f"/v1/tenants/zhejiang/staff/{citizen}/roles/province_admin", headers=bearer(hz_admin)), 403)
        assert problem(c.get("/v1/tenants/ningbo/staff", headers=bearer(hz_admin)), 403)
        # Not yet staff: no role can be put on them, only an invitation sent.
        assert problem(c.put(f"/v1/tenants/xihu/staff/{citizen}/roles/clerk", headers=bearer(hz_admin)), 404)["code"] == "staff_not_found"
        invited = c.post("/v1/tenants/xihu/staff", json={"phone": phone, "name": "x", "roles": ["clerk"]}, headers=bearer(hz_admin))
        assert invited.status_code == 202 and set(invited.json()) == {"id", "tenant_id", "roles", "phone", "status", "create_time", "expire_time"}
        own = c.post("/v1/auth/token", json={"username": phone, "password": PASSWORD}).json()["access_token"]
        assert c.post(f"/v1/me/invitations/{invited.json()['id']}/accept", headers=bearer(own)).status_code == 200
        granted = c.put(f"/v1/tenants/xihu/staff/{citizen}/roles/approver", headers=bearer(hz_admin))
        assert granted.status_code == 200, granted.text
        assert {(r["tenant_id"], r["role"]) for r in granted.json()["roles"]} == {("hangzhou", "citizen"), ("xihu", "clerk"), ("xihu", "approver")}
        assert granted.json()["phone"].count("*") == 4  # masked: the admin is not its owner
        removed = c.delete(f"/v1/tenants/xihu/staff/{citizen}/roles/approver", headers=bearer(hz_admin))
        assert removed.status_code == 200 and {(r["tenant_id"], r["role"]) for r in removed.json()["roles"]} == {("hangzhou", "citizen"), ("xihu", "clerk")}
        nb_clerk = demo_platform.sign_in("13900000021")["access_token"]
        assert problem(c.put(f"/v1/tenants/ningbo/staff/{citizen}/roles/approver", headers=bearer(nb_clerk)), 403)
        assert problem(c.put(f"/v1/tenants/xihu/staff/{citizen}/roles/janitor", headers=bearer(hz_admin)), 422)["errors"][0]["field"] == "role"


def test_tenant_tree_and_its_administration(demo_platform: DemoPlatform) -> None:
    with demo_platform.client() as c:
        tree = c.get("/v1/tenants").json()
        ids = [t["id"] for t in tree["items"]]
        assert ids[:3] == ["zhejiang", "hangzhou", "ningbo"] and {"xihu", "yuhang", "haishu"} <= set(ids)
        assert tree["next_page_token"] == ""
        xihu = next(t for t in tree["items"] if t["id"] == "xihu")
        assert (xihu["division_code"], xihu["parent_id"], xihu["level"], xihu["name"]["zh"]) == ("330106", "hangzhou", "county", "西湖区")

        hz_admin = demo_platform.sign_in("13900000010")["access_token"]
        slug, code = f"e{uuid.uuid4().hex[:8]}", f"3301{random.randrange(20, 100):02d}"
        denied = c.post("/v1/tenants", json={"id": slug, "name": {"zh": "测试区"}, "division_code": "330299", "parent_id": "ningbo"},
                        headers=bearer(hz_admin))
        assert problem(denied, 403)["code"] == "forbidden"
        created = c.post("/v1/tenants", json={"id": slug, "name": {"zh": "测试区", "en": "Test"}, "division_code": code, "parent_id": "hangzhou"},
                         headers=bearer(hz_admin))
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"/v1/tenants/{slug}" and created.json()["level"] == "county"
        patched = c.patch(f"/v1/tenants/{slug}", json={"name": {"en": "Test District"}}, headers=bearer(hz_admin))
        assert patched.status_code == 200 and patched.json()["name"] == {"zh": "测试区", "en": "Test District"}
        assert fields(problem(c.patch(f"/v1/tenants/{slug}", json={"division_code": "330100"}, headers=bearer(hz_admin)), 422)) == {"division_code"}
        assert c.get(f"/v1/tenants/{slug}").json()["parent_id"] == "hangzhou"
        assert problem(c.get("/v1/tenants/atlantis"), 404)["code"] == "tenant_not_found"


def test_bad_input_is_a_4xx_problem_naming_the_field(demo_platform: DemoPlatform) -> None:
    with demo_platform.client() as c:
        assert problem(c.post("/v1/auth/register", content=b"{not json", headers={"content-type": "application/json"}), 400)["code"] == "malformed_json"
        assert fields(problem(c.post("/v1/auth/register", json={}), 422)) == {"tenant_id", "phone", "password", "name"}
        base = {"tenant_id": "hangzhou", "phone": new_phone(), "password": PASSWORD, "name": "测试"}
        for change, field, code in (
            ({"phone": "12345"}, "phone", "invalid_phone"),
            ({"password": "password123"}, "password", "common_password"),
            ({"password": "short"}, "password", "password_too_short"),
            ({"tenant_id": "atlantis"}, "tenant_id", "unknown_tenant"),
            ({"tenant_id": "Not A Slug"}, "tenant_id", "string_pattern_mismatch"),
        ):
            body = problem(c.post("/v1/auth/register", json={**base, **change}), 422)
            assert fields(body) == {field} and code in {e["code"] for e in body["errors"]}, body
        register(demo_platform, c, base["phone"])
        again = c.post("/v1/auth/register", json={**base, "tenant_id": "ningbo"})  # registered: the same answer as a new phone
        assert again.status_code == 202 and set(again.json()) == {"registration_id", "status", "expires_in"}
        assert fields(problem(c.post("/v1/auth/token", json={"username": "not-a-phone", "password": "x"}), 422)) == {"username"}
        assert fields(problem(c.post("/v1/auth/token", json={"username": base["phone"]}), 422)) == {"password"}
        assert fields(problem(c.post("/v1/auth/refresh", json={}), 422)) == {"refresh_token"}
        assert problem(c.post("/v1/auth/refresh", json={"refresh_token": "mgr_nope"}), 401)["code"] == "invalid_refresh_token"
        admin = bearer(demo_platform.sign_in("13900000010")["access_token"])
        assert fields(problem(c.put("/v1/tenants/hangzhou/staff/not-a-uuid/roles/clerk", headers=admin), 422)) == {"user_id"}
        assert problem(c.put(f"/v1/tenants/hangzhou/staff/{uuid.uuid4()}/roles/clerk", headers=admin), 404)["code"] == "staff_not_found"
        assert problem(c.get("/v1/tenants", params={"page_token": "garbage"}), 400)["code"] == "invalid_page_token"
        assert problem(c.get("/v1/tenants", params={"page_size": -1}), 400)["code"] == "invalid_page_size"
        assert c.get("/v1/tenants", params={"page_size": 100000}).status_code == 200  # more than 500 counts as 500
        staff = problem(c.post("/v1/tenants/hangzhou/staff", json={"phone": new_phone(), "name": "x", "roles": ["chef"]}, headers=admin), 422)
        assert fields(staff) == {"roles[0]"}
        assert fields(problem(c.post("/v1/tenants", json={"id": "x1", "name": {"zh": "x"}, "division_code": "33", "parent_id": "hangzhou"}, headers=admin), 422)) == {"division_code"}


def test_personal_numbers_never_reach_the_logs(demo_platform: DemoPlatform) -> None:
    phone = new_phone()
    with demo_platform.client() as c:
        register(demo_platform, c, phone)
        c.post("/v1/auth/token", json={"username": phone, "password": "not my password"}, headers={"x-forwarded-for": new_address()})
        c.post("/v1/auth/token", json={"username": phone, "password": PASSWORD})
        c.post("/v1/auth/register", json={"tenant_id": "hangzhou", "phone": phone, "password": PASSWORD, "name": "x"})
    time.sleep(0.3)
    logs = "".join(f.read_text(errors="replace") for f in demo_platform.log_dir.glob("*.log"))
    assert logs and phone not in logs and PASSWORD not in logs and "13900000100" not in logs


def test_national_id_raises_the_level_and_personal_numbers_are_masked_for_others(demo_platform: DemoPlatform) -> None:
    phone = new_phone()
    number = "3301061990" + f"{random.randrange(1, 13):02d}{random.randrange(1, 29):02d}" + f"{random.randrange(1000):03d}"
    from services.identity.domain.national_id import check_character

    number += check_character(number)
    with demo_platform.client() as c:
        user_id = register(demo_platform, c, phone)
        pair = c.post("/v1/auth/token", json={"username": phone, "password": PASSWORD}).json()
        bad = problem(c.post("/v1/me/national-id", json={"national_id": number[:-1] + ("0" if number[-1] != "0" else "1"), "real_name": "张三"},
                             headers=bearer(pair["access_token"])), 422)
        assert fields(bad) == {"national_id"} and bad["code"] == "invalid_checksum"
        me = c.post("/v1/me/national-id", json={"national_id": number, "real_name": "张三"}, headers=bearer(pair["access_token"]))
        assert me.status_code == 200 and me.json()["identity_level"] == 2 and me.json()["national_id"] == number
        again = c.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).json()
        assert jwt.decode(again["access_token"], options={"verify_signature": False})["lvl"] == 2
        admin = demo_platform.sign_in("13900000010")["access_token"]
        # Roles only by invitation: the person accepts, then is staff the admin can see and change.
        invited = c.post("/v1/tenants/hangzhou/staff", json={"phone": phone, "name": "x", "roles": ["clerk"]}, headers=bearer(admin)).json()
        assert c.post(f"/v1/me/invitations/{invited['id']}/accept", headers=bearer(pair["access_token"])).status_code == 200
        staffed = c.put(f"/v1/tenants/hangzhou/staff/{user_id}/roles/supervisor", headers=bearer(admin)).json()
        listed = {u["user_id"]: u for u in c.get("/v1/tenants/hangzhou/staff", headers=bearer(admin)).json()["items"]}
        for view in (staffed, listed[user_id]):
            assert view["phone"] == phone[:3] + "****" + phone[-4:]
            assert view["national_id"] == number[:4] + "*" * 10 + number[-4:]


def test_the_jwks_is_published_with_cache_control(demo_platform: DemoPlatform) -> None:
    resp = httpx.get(f"{demo_platform.base_url}/v1/.well-known/jwks.json")
    assert resp.status_code == 200 and resp.headers["cache-control"].startswith("public, max-age=")
    kids = {k["kid"] for k in resp.json()["keys"]}
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and k["alg"] == "EdDSA" for k in resp.json()["keys"])
    assert jwt.get_unverified_header(demo_platform.sign_in("13900000100")["access_token"])["kid"] in kids


async def test_encrypted_columns_hold_no_plaintext_phone(demo_platform: DemoPlatform) -> None:
    phone = new_phone()
    with demo_platform.client() as c:
        register(demo_platform, c, phone)
    conn = await asyncpg.connect(demo_platform.dsn)
    try:
        users = await conn.fetchval("SELECT string_agg(u::text, chr(10)) FROM identity.users u")
        tables = [r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'identity'")]
        everything = "\n".join([str(await conn.fetchval(f'SELECT string_agg(t::text, chr(10)) FROM identity."{t}" t')) for t in tables])
        encrypted = await conn.fetchval("SELECT count(*) FROM identity.users WHERE phone_cipher IS NOT NULL AND phone_key_id <> ''")
    finally:
        await conn.close()
    assert encrypted >= 7
    for plain in (phone, "13900000100", "13900000010"):
        assert plain not in users and plain not in everything
        assert plain.encode().hex() not in everything  # nor as bytes


def mgov(demo_platform: DemoPlatform, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MGOV_")}
    env.update(MGOV_DATABASE_URL=demo_platform.dsn, MGOV_DEMO="1")
    return subprocess.run([venv_bin("mgov"), *args], cwd=repo_root(), env=env, capture_output=True, text=True, timeout=60)


async def test_an_edited_audit_row_is_detected_by_mgov_audit_verify(demo_platform: DemoPlatform) -> None:
    demo_platform.sign_in("13900000100")  # at least one sign-in row
    intact = mgov(demo_platform, "audit", "verify")
    assert intact.returncode == 0 and "audit chain intact" in intact.stdout, intact.stdout + intact.stderr
    conn = await asyncpg.connect(demo_platform.dsn)
    try:
        seq, actor = await conn.fetchrow("SELECT seq, actor_id FROM identity.audit_log WHERE action = 'sign_in' ORDER BY seq LIMIT 1")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE identity.audit_log SET actor_id = 'someone-else' WHERE seq = $1", seq)
        await conn.execute("SET session_replication_role = replica")  # a DBA bypassing the append-only trigger
        await conn.execute("UPDATE identity.audit_log SET actor_id = 'someone-else' WHERE seq = $1", seq)
        broken = mgov(demo_platform, "audit", "verify")
        assert broken.returncode == 1, broken.stdout + broken.stderr
        assert f"BROKEN at row {seq}" in broken.stdout and "edited" in broken.stdout
        await conn.execute("UPDATE identity.audit_log SET actor_id = $2 WHERE seq = $1", seq, actor)  # put it back
    finally:
        await conn.close()
    assert mgov(demo_platform, "audit", "verify").returncode == 0


def test_registration_answers_alike_for_registered_and_new_phones_and_needs_the_code(demo_platform: DemoPlatform) -> None:
    new = new_phone()
    with demo_platform.client() as c:
        answers = [start_registration(c, phone) for phone in ("13900000100", new)]  # a demo citizen, and nobody
        assert [sorted(a) for a in answers] == [["expires_in", "registration_id", "status"]] * 2
        assert [(a["status"], a["expires_in"]) for a in answers] == [("code_sent", 600)] * 2
        # No account before the code: signing in is refused like any wrong credentials.
        assert problem(c.post("/v1/auth/token", json={"username": new, "password": PASSWORD}, headers={"x-forwarded-for": new_address()}),
                       401)["code"] == "invalid_credentials"
        wrong = []
        for a in answers:
            body = problem(c.post("/v1/auth/register/confirm", json={"registration_id": a["registration_id"], "code": "000000"}), 422)
            wrong.append({k: v for k, v in body.items() if k != "request_id"})
        assert wrong[0] == wrong[1] or sms_outbox.registration_code(demo_platform.home, answers[1]["registration_id"]) == "000000"
    # The registered phone's holder was warned, and got no code.
    warned = [m for m in sms_outbox.to(demo_platform.home, "13900000100") if m["message_id"] == answers[0]["registration_id"]]
    assert [m["template"] for m in warned] == ["registration_attempt"] and "有人尝试用您的手机号注册" in warned[0]["content"]


def test_five_wrong_codes_lock_a_registration(demo_platform: DemoPlatform) -> None:
    phone = new_phone()
    with demo_platform.client() as c:
        started = start_registration(c, phone)
        code = sms_outbox.registration_code(demo_platform.home, started["registration_id"])
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for _ in range(5):
            body = problem(c.post("/v1/auth/register/confirm", json={"registration_id": started["registration_id"], "code": wrong}), 422)
            assert body["code"] == "invalid_code"
        locked = c.post("/v1/auth/register/confirm", json={"registration_id": started["registration_id"], "code": code})
        assert problem(locked, 409)["code"] == "registration_locked"
        assert problem(c.post("/v1/auth/token", json={"username": phone, "password": PASSWORD}, headers={"x-forwarded-for": new_address()}),
                       401)["code"] == "invalid_credentials"
        assert fields(problem(c.post("/v1/auth/register/confirm", json={"registration_id": started["registration_id"]}), 422)) == {"code"}


def test_the_21st_registration_from_one_address_within_the_hour_is_429(demo_platform: DemoPlatform) -> None:
    address = new_address()
    with demo_platform.client() as c:
        for _ in range(20):
            start_registration(c, new_phone(), address=address)
        refused = c.post("/v1/auth/register", json={"tenant_id": "hangzhou", "phone": new_phone(), "password": PASSWORD, "name": "测试"},
                         headers={"x-forwarded-for": address})
        assert problem(refused, 429)["code"] == "registration_rate_limited" and refused.headers["retry-after"] == "3600"
        start_registration(c, new_phone())  # another address is not held back
