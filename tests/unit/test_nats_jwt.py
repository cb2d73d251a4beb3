"""The NATS JWTs of the auth callout (services/identity/adapters/nats_jwt.py), checked the
way a NATS server checks them: Ed25519 over `header.payload` with the issuer's public
nkey; and the NATS credentials a process takes from its settings."""

from __future__ import annotations

import base64
import json
from typing import Any

import nacl.signing
import nkeys
import pytest

from mgov_common.bus import with_credentials
from mgov_common.settings import PlatformSettings
from services.identity.adapters import nats_jwt

USER_NKEY = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"
SERVER_ID = "NDH3EW4KTPMJ5NRHJOYZRCYDKJTQ6DMTCQSDDORCTJFK5BGLXX6DYM3T"


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verified(token: str, issuer: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a token whose signature the issuer's public nkey verifies."""
    head, body, sig = token.split(".")
    raw = base64.b32decode(issuer + "=" * (-len(issuer) % 8))[1:33]  # prefix byte, key, crc16
    nacl.signing.VerifyKey(raw).verify(f"{head}.{body}".encode(), _b64(sig))
    return json.loads(_b64(head)), json.loads(_b64(body))


def test_a_user_jwt_binds_one_connection_to_the_systems_permissions_and_expires() -> None:
    seed = nats_jwt.new_account_seed()
    issuer = nats_jwt.key_pair(seed)
    perms = {"pub": {"allow": ["mgov.ingest.hz.s1.>"]}, "sub": {"allow": ["mgov.evt.hz.>", "_INBOX.sys-a.>"]}}
    token = nats_jwt.user_jwt(issuer, USER_NKEY, "sys-a", "$G", perms, ttl_s=600)
    header, claims = verified(token, nats_jwt.public_key(issuer))
    assert header == {"alg": "ed25519-nkey", "typ": "JWT"}
    assert claims["iss"] == nats_jwt.public_key(issuer) and claims["iss"].startswith("A")
    assert (claims["sub"], claims["name"], claims["aud"]) == (USER_NKEY, "sys-a", "$G")
    assert claims["exp"] - claims["iat"] == 600 and claims["jti"]
    assert claims["nats"]["type"] == "user" and claims["nats"]["version"] == 2
    assert claims["nats"]["pub"] == perms["pub"] and claims["nats"]["sub"] == perms["sub"]


def test_an_answer_names_the_connection_and_the_server_and_carries_the_jwt_or_an_error() -> None:
    issuer = nats_jwt.key_pair(nats_jwt.new_account_seed())
    ok = nats_jwt.auth_response(issuer, USER_NKEY, SERVER_ID, jwt="a.b.c")
    _, claims = verified(ok, nats_jwt.public_key(issuer))
    assert (claims["sub"], claims["aud"], claims["nats"]) == (USER_NKEY, SERVER_ID, {"type": "authorization_response", "version": 2, "jwt": "a.b.c"})
    _, refused = verified(nats_jwt.auth_response(issuer, USER_NKEY, SERVER_ID, error="no"), nats_jwt.public_key(issuer))
    assert refused["nats"]["error"] == "no" and "jwt" not in refused["nats"]


def test_the_issuer_must_be_an_account_seed() -> None:
    user_seed = bytes(nkeys.encode_seed(b"\x01" * 32, nkeys.PREFIX_BYTE_USER)).decode()
    with pytest.raises(ValueError, match="account nkey seed"):
        nats_jwt.key_pair(user_seed)
    with pytest.raises(ValueError, match="not an nkey seed"):
        nats_jwt.key_pair("SAnotaseed")
    demo = nats_jwt.account_seed_from(b"\x02" * 32)
    assert nats_jwt.public_key(nats_jwt.key_pair(demo)) == nats_jwt.public_key(nats_jwt.key_pair(nats_jwt.account_seed_from(b"\x02" * 32)))


def request(**nats: Any) -> bytes:
    server = nats_jwt.key_pair(nats_jwt.new_account_seed())  # any signer: requests are read, not verified
    return nats_jwt.encode({"sub": "A", "aud": "nats-authorization-request", "nats": nats}, server).encode()


def test_only_a_well_formed_authorization_request_is_read() -> None:
    good = request(type="authorization_request", version=2, user_nkey=USER_NKEY, server_id={"id": SERVER_ID, "name": "n"},
                   connect_opts={"user": "sys-a", "pass": "p"})
    assert nats_jwt.decode_request(good)["connect_opts"] == {"user": "sys-a", "pass": "p"}
    for bad in (b"not a jwt", request(type="user"), request(type="authorization_request", user_nkey="Nxxx", server_id={"id": "N"}),
                request(type="authorization_request", user_nkey=USER_NKEY), b"x" * 70_000):
        with pytest.raises(ValueError):
            nats_jwt.decode_request(bad)


def test_a_processs_nats_password_file_goes_into_its_url_and_every_server_of_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    assert with_credentials("nats://a:4222,nats://old:pw@b:4222", "catalog", "p@ss/word") == \
        "nats://catalog:p%40ss%2Fword@a:4222,nats://catalog:p%40ss%2Fword@b:4222"
    monkeypatch.setenv("MGOV_NATS_URL", "nats://catalog@nats:4222")
    monkeypatch.setenv("MGOV_NATS_PASSWORD", "s3cret")
    assert PlatformSettings().nats_url == "nats://catalog:s3cret@nats:4222"
    monkeypatch.setenv("MGOV_NATS_URL", "nats://nats:4222")
    with pytest.raises(ValueError, match="needs a user"):
        PlatformSettings()
    monkeypatch.setenv("MGOV_NATS_URL", "nats://catalog:other@nats:4222")
    with pytest.raises(ValueError, match="one place only"):
        PlatformSettings()
