"""What lands in PostgreSQL: no plaintext personal numbers, an audit chain that detects
edits, signing keys that rotate without breaking live tokens, field-key rotation."""

import secrets
from datetime import timedelta

import asyncpg
import jwt
import pytest
from pydantic import SecretStr

from mgov_common.errors import PermissionDenied
from services.identity.bootstrap import build_context, verifier_for
from services.identity.service_layer import commands
from services.identity.service_layer.handlers import Handlers
from tests.integration.identity_support import Clock, Phones, clock, demo, handlers, id_pool, id_schema, identity_settings, register, sign_in  # noqa: F401

PHONE, NATIONAL_ID = "13812345670", "11010519491231002X"


async def schema_text(pool: asyncpg.Pool) -> str:
    """Every row of every table of the schema, as text (bytea shown as hex)."""
    tables = [r["tablename"] for r in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
    parts = [str(await pool.fetchval(f'SELECT coalesce(string_agg(t::text, chr(10)), \'\') FROM "{t}" t')) for t in tables]
    return "\n".join(parts)


async def test_phone_and_national_id_are_stored_only_encrypted(demo: Handlers, id_pool: asyncpg.Pool) -> None:
    uid = await register(demo, PHONE)
    me = await sign_in(demo, PHONE, "correct horse 9")
    await demo.accounts.set_national_id(commands.SetNationalId(NATIONAL_ID, "张三"), me)
    row = await id_pool.fetchrow("SELECT * FROM users WHERE id = $1::uuid", uid)
    assert row["phone_key_id"] == "f1" and row["national_id_key_id"] == "f1"
    for column in ("phone_cipher", "phone_lookup", "national_id_cipher", "national_id_lookup"):
        assert PHONE.encode() not in row[column] and NATIONAL_ID.encode() not in row[column]
    everything = await schema_text(id_pool)
    for secret in (PHONE, PHONE[3:], NATIONAL_ID, NATIONAL_ID[6:14], "correct horse 9"):
        assert secret not in everything
    assert "13900000100" not in everything  # the demo citizen's phone neither


async def test_private_signing_keys_are_encrypted_at_rest(demo: Handlers, id_pool: asyncpg.Pool) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    keys = await demo.ctx.keyring.keys()
    raw = keys.signing.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    stored = await id_pool.fetchval("SELECT private_cipher FROM signing_keys WHERE kid = $1", keys.signing.kid)
    assert raw not in stored and len(stored) == 12 + 32 + 16


async def test_the_audit_log_refuses_updates_and_deletes(demo: Handlers, id_pool: asyncpg.Pool) -> None:
    for statement in ("UPDATE audit_log SET outcome = 'success' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 1", "TRUNCATE audit_log"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await id_pool.execute(statement)


async def test_an_edited_audit_row_is_the_first_broken_link(demo: Handlers, id_pool: asyncpg.Pool) -> None:
    admin = await sign_in(demo, "13900000000")
    with pytest.raises(Exception):
        await demo.sign_in.authenticate(commands.Authenticate("13900000000", "wrong password x", "192.0.2.5"))
    await sign_in(demo, "13900000010")
    intact = await demo.keys.verify_audit(admin)
    assert intact.ok and intact.rows_checked >= 15
    failed = await id_pool.fetchval("SELECT seq FROM audit_log WHERE action = 'sign_in' AND outcome = 'failure'")
    async with id_pool.acquire() as conn:  # a DBA bypassing the trigger
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("UPDATE audit_log SET outcome = 'success' WHERE seq = $1", failed)
        await conn.execute("RESET session_replication_role")
    broken = await demo.keys.verify_audit(admin)
    assert (broken.ok, broken.first_broken_seq, broken.rows_checked) == (False, failed, failed - 1)
    assert "edited" in broken.reason
    with pytest.raises(PermissionDenied):
        await demo.keys.verify_audit(await sign_in(demo, "13900000010"))


async def test_a_deleted_audit_row_is_detected(demo: Handlers, id_pool: asyncpg.Pool) -> None:
    async with id_pool.acquire() as conn:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("DELETE FROM audit_log WHERE seq = 4")
    report = await demo.keys.verify_audit(None, cli=True)
    assert (report.ok, report.first_broken_seq) == (False, 4) and "missing" in report.reason


async def test_a_rotated_key_is_published_first_signs_later_and_the_old_one_verifies_until_its_tokens_expire(demo: Handlers, clock: Clock) -> None:
    before = await demo.sign_in.authenticate(commands.Authenticate("13900000100", "mgov-demo-2026"))
    old_kid = before.access.kid
    with pytest.raises(PermissionDenied):
        await demo.keys.rotate(await sign_in(demo, "13900000010"))
    rotation = await demo.keys.rotate(await sign_in(demo, "13900000000"))
    assert rotation.kid != old_kid and rotation.activates_at == clock.now + timedelta(seconds=30)
    assert rotation.published == [old_kid, rotation.kid]  # published at once, the old key still signs
    during = await demo.sign_in.authenticate(commands.Authenticate("13900000100", "mgov-demo-2026"))
    assert during.access.kid == old_kid
    verifier = verifier_for(demo)
    assert (await verifier.verify(before.access.token)).subject == (await verifier.verify(during.access.token)).subject

    clock.advance(30)
    after = await demo.sign_in.authenticate(commands.Authenticate("13900000100", "mgov-demo-2026"))
    assert jwt.get_unverified_header(after.access.token)["kid"] == rotation.kid
    assert (await verifier.verify(before.access.token)).subject  # the replaced key still verifies
    hold = 900 + 0 + 60  # access TTL + key cache (0 s here) + skew margin, after the successor activated
    clock.advance(hold - 1)
    assert [k["kid"] for k in (await demo.ctx.keyring.jwks())["keys"]] == [rotation.kid, old_kid]
    clock.advance(2)
    assert [k["kid"] for k in (await demo.ctx.keyring.jwks())["keys"]] == [rotation.kid]


async def test_field_key_rotation_reads_old_rows_and_reencrypts_them(handlers: Handlers, id_pool: asyncpg.Pool, clock: Clock) -> None:
    from services.identity.service_layer.seed import DEMO_ACCOUNTS, seed_demo

    k1, k2 = secrets.token_hex(32), secrets.token_hex(32)
    first = Handlers.build(build_context(identity_settings(field_key=SecretStr(k1), key_cache_s=0), id_pool, clock))
    await id_pool.execute("DELETE FROM signing_keys")  # made by the fixture under the derived demo key
    await first.keys.ensure_signing_key()
    await seed_demo(first.ctx)
    first.registration.sms = Phones()
    await register(first, PHONE)
    pseudonym = first.ctx.lookup.phone_pseudonym("13812340077")
    async with first.ctx.uow() as uow:  # a phone proven without an account (随手拍), kept to be told by SMS
        await uow.registrations.remember_phone(pseudonym, "xihu", "13812340077", clock())
        await uow.commit()
    rotated = Handlers.build(build_context(identity_settings(field_key=SecretStr(k2), field_key_id="f2",
                                                             field_previous_keys=SecretStr(f"f1={k1}"), key_cache_s=0), id_pool, clock))
    assert (await sign_in(rotated, PHONE, "correct horse 9")).tenant == "hangzhou"  # old rows still readable
    # the demo users, the one registered, the phone proven without an account, one signing key
    assert await rotated.keys.reencrypt() == len(DEMO_ACCOUNTS) + 1 + 1 + 1
    assert {r["phone_key_id"] for r in await id_pool.fetch("SELECT phone_key_id FROM users UNION SELECT phone_key_id FROM phone_contacts")} == {"f2"}
    only_new = Handlers.build(build_context(identity_settings(field_key=SecretStr(k2), field_key_id="f2", key_cache_s=0), id_pool, clock))
    assert (await sign_in(only_new, PHONE, "correct horse 9")).tenant == "hangzhou"
    async with only_new.ctx.uow() as uow:
        assert await uow.registrations.phones([pseudonym]) == [(pseudonym, "xihu", "13812340077")]
    assert (await only_new.ctx.keyring.keys()).signing.kid
