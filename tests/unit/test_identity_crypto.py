"""Field encryption with key ids, lookup HMACs, key parsing and the secret settings."""

import base64
import secrets

import pytest
from pydantic import SecretStr

from mgov_common.settings import SettingsError, load_settings
from services.identity.adapters.crypto import DecryptionError, FieldCipher, Lookup, new_refresh_token, parse_key, refresh_token_hash
from services.identity.adapters.signing_keys import public_jwk, thumbprint
from services.identity.settings import IdentitySettings


def test_keys_are_accepted_as_hex_or_base64_and_must_be_32_bytes() -> None:
    raw = secrets.token_bytes(32)
    assert parse_key(SecretStr(raw.hex()), "K") == raw
    assert parse_key(base64.b64encode(raw).decode(), "K") == raw
    assert parse_key(base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), "K") == raw
    for bad in ("short", raw.hex()[:-2], base64.b64encode(raw[:16]).decode()):
        with pytest.raises(SettingsError, match="MGOV_X"):
            parse_key(bad, "MGOV_X")


def test_a_ciphertext_opens_only_with_its_key_and_its_row() -> None:
    cipher = FieldCipher("f1", {"f1": secrets.token_bytes(32)})
    key_id, blob = cipher.encrypt_text("13900000100", "users.phone:u1")
    assert key_id == "f1" and b"13900000100" not in blob
    assert cipher.decrypt_text(key_id, blob, "users.phone:u1") == "13900000100"
    with pytest.raises(DecryptionError):
        cipher.decrypt_text(key_id, blob, "users.phone:u2")  # moved to another row
    with pytest.raises(DecryptionError):
        cipher.decrypt_text(key_id, blob[:-1] + bytes([blob[-1] ^ 1]), "users.phone:u1")
    assert cipher.encrypt_text("13900000100", "a")[1] != cipher.encrypt_text("13900000100", "a")[1]  # fresh nonce


def test_a_rotated_field_key_still_reads_old_rows_through_previous_keys() -> None:
    old, new = secrets.token_hex(32), secrets.token_hex(32)
    before = FieldCipher.from_settings("f1", SecretStr(old), None)
    key_id, blob = before.encrypt_text("330106199001011234", "x")
    after = FieldCipher.from_settings("f2", SecretStr(new), SecretStr(f"f1={old}"))
    assert after.encrypt_text("y", "x")[0] == "f2"
    assert after.decrypt_text(key_id, blob, "x") == "330106199001011234"
    with pytest.raises(DecryptionError, match="not configured"):
        FieldCipher.from_settings("f2", SecretStr(new), None).decrypt_text(key_id, blob, "x")
    with pytest.raises(SettingsError):
        FieldCipher.from_settings("f2", SecretStr(new), SecretStr("garbage"))


def test_lookup_hashes_are_keyed_and_separate_kinds() -> None:
    a, b = Lookup(b"a" * 32), Lookup(b"b" * 32)
    assert a.phone("13900000100") == a.phone("13900000100") != b.phone("13900000100")
    assert a.phone("110105194912310021") != a.national_id("110105194912310021")
    assert "13900000100" not in a.account_key("13900000100") and len(a.account_key("13900000100")) == 32


def test_refresh_tokens_are_opaque_random_and_stored_hashed() -> None:
    t1, t2 = new_refresh_token(), new_refresh_token()
    assert t1 != t2 and t1.startswith("mgr_") and len(t1) > 40
    assert refresh_token_hash(t1) != refresh_token_hash(t2) and len(refresh_token_hash(t1)) == 32


def test_the_kid_is_the_rfc_7638_thumbprint() -> None:
    # RFC 8037 appendix A.3: the thumbprint of its example Ed25519 key.
    x = base64.urlsafe_b64decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
    assert thumbprint(x) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert public_jwk("k", x) == {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "k", "alg": "EdDSA", "use": "sig"}


def test_identity_secrets_are_required_outside_demo_mode_and_derived_stably_in_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("MGOV_DEMO", "MGOV_IDENTITY_FIELD_KEY", "MGOV_IDENTITY_LOOKUP_KEY", "MGOV_IDENTITY_AUDIT_KEY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(SettingsError, match="MGOV_IDENTITY_FIELD_KEY"):
        load_settings(IdentitySettings)
    monkeypatch.setenv("MGOV_DEMO", "1")
    one, two = load_settings(IdentitySettings), load_settings(IdentitySettings)
    assert one.field_key is not None and two.field_key is not None
    assert one.field_key.get_secret_value() == two.field_key.get_secret_value()
    assert len(parse_key(one.audit_key, "A")) == 32
    monkeypatch.setenv("MGOV_IDENTITY_THROTTLE_ACCOUNT_MAX_DELAY_S", "3")
    assert load_settings(IdentitySettings).throttle_account_max_delay_s == 3


def test_the_signing_key_schedule_publishes_before_signing_and_holds_replaced_keys() -> None:
    from datetime import UTC, datetime, timedelta

    from services.identity.adapters.signing_keys import KeyRow, schedule

    t0, hold = datetime(2026, 1, 1, tzinfo=UTC), timedelta(seconds=960)
    a, b, c = (KeyRow(k, b"\0" * 32, t0 + timedelta(seconds=s)) for k, s in (("a", 0), ("b", 30), ("c", 2000)))
    kids = lambda at: [r.kid for r in schedule([a, b], t0 + timedelta(seconds=at), hold)[1]]  # noqa: E731
    assert schedule([a, b], t0 + timedelta(seconds=10), hold)[0] == a and kids(10) == ["a", "b"]
    assert schedule([a, b], t0 + timedelta(seconds=30), hold)[0] == b and kids(30) == ["b", "a"]
    assert kids(30 + 959) == ["b", "a"] and kids(30 + 960) == ["b"]
    assert [r.kid for r in schedule([c, a, b], t0 + timedelta(seconds=40), hold)[1]] == ["b", "c", "a"]
    assert schedule([c], t0, hold) == (None, [c])


async def test_an_unknown_account_costs_a_full_argon2_check_of_the_same_parameters() -> None:
    from services.identity.adapters.passwords import Argon2Passwords

    passwords = Argon2Passwords(time_cost=1, memory_kib=8192, parallelism=1)
    checked: list[str] = []
    real = passwords._verify

    def spy(stored_hash: str, password: str) -> bool:
        checked.append(stored_hash)
        return real(stored_hash, password)

    passwords._verify = spy  # type: ignore[method-assign]
    stored = await passwords.hash("correct horse 9")
    assert await passwords.verify(stored, "correct horse 9") is True
    assert await passwords.verify(stored, "wrong") is False
    assert await passwords.verify(None, "correct horse 9") is False
    assert checked[:2] == [stored, stored]
    dummy = checked[2]
    assert dummy != stored and dummy.split("$")[:4] == stored.split("$")[:4]  # argon2id, same m/t/p
    assert passwords.needs_rehash(stored) is False
    assert Argon2Passwords(time_cost=2, memory_kib=8192, parallelism=1).needs_rehash(stored) is True
