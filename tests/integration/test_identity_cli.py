"""`mgov identity bootstrap`, `mgov keys rotate|reencrypt` and `mgov audit verify` as
ops run them: subprocesses on a database of their own, production secrets in the env."""

import os
import secrets
import subprocess

import asyncpg
import pytest

from mgov_common.migrations import migrate
from services.identity.bootstrap import MIGRATIONS
from tests.conftest import Servers, repo_root, venv_bin

KEYS = {"MGOV_IDENTITY_FIELD_KEY": secrets.token_hex(32), "MGOV_IDENTITY_LOOKUP_KEY": secrets.token_hex(32),
        "MGOV_IDENTITY_AUDIT_KEY": secrets.token_hex(32), "MGOV_PAGE_TOKEN_SECRET": secrets.token_hex(32)}


@pytest.fixture
async def dsn(servers: Servers) -> str:
    url = await servers.new_database("cli")
    await migrate(url, "identity", MIGRATIONS)
    return url


def mgov(dsn: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MGOV_")}
    env.update({"MGOV_DATABASE_URL": dsn, "MGOV_DEMO": "0", "MGOV_BOOTSTRAP_ADMIN_PASSWORD": "province admin passphrase", **KEYS, **extra})
    return subprocess.run([venv_bin("mgov"), *args], cwd=repo_root(), env=env, capture_output=True, text=True, timeout=60)


BOOT = ("identity", "bootstrap", "--province-id", "jiangsu", "--division-code", "320000", "--name-zh", "江苏省",
        "--name-en", "Jiangsu", "--admin-phone", "13900009999", "--admin-name", "江苏省管理员")


async def test_bootstrap_rotate_reencrypt_and_verify(dsn: str) -> None:
    first = mgov(dsn, *BOOT)
    assert first.returncode == 0 and "1 tenant(s) and 1 admin(s) created" in first.stdout, first.stderr
    assert "0 tenant(s) and 0 admin(s) created" in mgov(dsn, *BOOT).stdout  # idempotent
    other = mgov(dsn, *BOOT[:3], "anhui", "--division-code", "340000", *BOOT[6:])
    assert other.returncode == 1 and "province_exists" in other.stderr
    # No signing key yet (the service makes one at start): rotate makes the first.
    rotated = mgov(dsn, "keys", "rotate")
    assert rotated.returncode == 0 and "new signing key" in rotated.stdout, rotated.stderr
    new_key = secrets.token_hex(32)
    again = mgov(dsn, "keys", "reencrypt", MGOV_IDENTITY_FIELD_KEY=new_key, MGOV_IDENTITY_FIELD_KEY_ID="f2",
                 MGOV_IDENTITY_FIELD_PREVIOUS_KEYS=f"f1={KEYS['MGOV_IDENTITY_FIELD_KEY']}")
    assert again.returncode == 0 and "re-encrypted 2 record(s)" in again.stdout, again.stderr  # the admin and the key
    verified = mgov(dsn, "audit", "verify")
    assert verified.returncode == 0 and "audit chain intact" in verified.stdout
    wrong_key = mgov(dsn, "audit", "verify", MGOV_IDENTITY_AUDIT_KEY=secrets.token_hex(32))
    assert wrong_key.returncode == 1 and "BROKEN at row 1" in wrong_key.stdout
    conn = await asyncpg.connect(dsn, server_settings={"search_path": "identity"})
    try:
        assert await conn.fetchval("SELECT count(*) FROM tenants") == 1
        assert {r["phone_key_id"] for r in await conn.fetch("SELECT phone_key_id FROM users")} == {"f2"}
        actions = [r["action"] for r in await conn.fetch("SELECT action FROM audit_log ORDER BY seq")]
    finally:
        await conn.close()
    assert actions == ["tenant.create", "role.grant", "signing_key.rotate"]


def test_missing_secrets_are_named(dsn: str) -> None:
    result = mgov(dsn, "audit", "verify", MGOV_IDENTITY_AUDIT_KEY="")
    assert result.returncode == 2 and "MGOV_IDENTITY_AUDIT_KEY" in result.stderr
