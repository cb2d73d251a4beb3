"""Local verification of access tokens: what is accepted and what is refused."""

import base64
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mgov_common.auth import AUDIENCE, ISSUER, JwksCache, TokenInvalid, TokenVerifier, bearer_token
from mgov_common.principal import RoleBinding


class Keys:
    """A stand-in for the identity service's key store (pure, no I/O)."""

    def __init__(self) -> None:
        self.private: dict[str, Ed25519PrivateKey] = {}
        self.fetches = 0

    def add(self) -> str:
        kid = uuid.uuid4().hex[:12]
        self.private[kid] = Ed25519PrivateKey.generate()
        return kid

    async def jwks(self) -> dict[str, Any]:
        self.fetches += 1
        out = []
        for kid, key in self.private.items():
            raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            out.append({"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), "kid": kid, "alg": "EdDSA", "use": "sig"})
        return {"keys": out}

    def sign(self, kid: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {"sub": "u1", "tenant": "hangzhou", "roles": ["hangzhou:citizen", "xihu:clerk"], "jti": uuid.uuid4().hex, "iat": now, "exp": now + 900, "aud": AUDIENCE, "iss": ISSUER}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.private[kid], algorithm="EdDSA", headers={"kid": kid})


@pytest.fixture
def keys() -> Keys:
    return Keys()


def verifier(keys: Keys) -> TokenVerifier:
    return TokenVerifier(JwksCache(keys.jwks, min_refresh_interval_s=0))


async def test_a_valid_token_gives_the_principal_with_its_role_bindings(keys: Keys) -> None:
    kid = keys.add()
    p = await verifier(keys).verify(keys.sign(kid))
    assert p.subject == "u1" and p.tenant == "hangzhou"
    assert p.roles == {RoleBinding("hangzhou", "citizen"), RoleBinding("xihu", "clerk")}
    assert p.has_role("clerk", "xihu") and not p.has_role("clerk", "hangzhou")


async def test_a_tampered_token_is_refused(keys: Keys) -> None:
    kid = keys.add()
    header, payload, sig = keys.sign(kid).split(".")
    forged = jwt.encode({"sub": "admin"}, "x", algorithm="HS256").split(".")[1]
    with pytest.raises(TokenInvalid):
        await verifier(keys).verify(f"{header}.{forged}.{sig}")


async def test_an_expired_token_is_refused(keys: Keys) -> None:
    kid = keys.add()
    with pytest.raises(TokenInvalid, match="expired"):
        await verifier(keys).verify(keys.sign(kid, iat=int(time.time()) - 2000, exp=int(time.time()) - 1000))


async def test_a_token_for_another_audience_is_refused(keys: Keys) -> None:
    kid = keys.add()
    with pytest.raises(TokenInvalid, match="audience"):
        await verifier(keys).verify(keys.sign(kid, aud="someone-else"))


async def test_a_token_signed_with_an_unknown_key_is_refused(keys: Keys) -> None:
    keys.add()
    other = Keys()
    kid = other.add()
    with pytest.raises(TokenInvalid, match="unknown key"):
        await verifier(keys).verify(other.sign(kid))


async def test_a_token_without_the_platform_claims_is_refused(keys: Keys) -> None:
    kid = keys.add()
    with pytest.raises(TokenInvalid):
        await verifier(keys).verify(keys.sign(kid, jti=None))


async def test_a_rotated_in_key_is_fetched_once_and_the_old_key_keeps_verifying(keys: Keys) -> None:
    old = keys.add()
    v = verifier(keys)
    await v.verify(keys.sign(old))
    new = keys.add()
    await v.verify(keys.sign(new))
    await v.verify(keys.sign(old))
    assert keys.fetches == 2


def test_the_authorization_metadata_must_be_a_bearer_token() -> None:
    assert bearer_token([("authorization", "Bearer abc")]) == "abc"
    assert bearer_token([("x-other", "1")]) is None
    with pytest.raises(TokenInvalid):
        bearer_token([("authorization", "Basic dXNlcg==")])


# -- the verification cache: one signature check per token and process ----------------

def count_signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr("mgov_common.auth.jwt.decode", counted)
    return calls


async def test_a_token_is_checked_once_and_its_next_requests_get_the_same_principal(keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    checks = count_signature_checks(monkeypatch)
    kid = keys.add()
    v, token = verifier(keys), keys.sign(kid)
    first = await v.verify(token)
    assert [await v.verify(token) for _ in range(5)] == [first] * 5
    assert len(checks) == 1


async def test_a_tampered_copy_of_a_verified_token_is_still_refused(keys: Keys) -> None:
    kid = keys.add()
    v, token = verifier(keys), keys.sign(kid)
    await v.verify(token)
    header, _, sig = token.split(".")
    claims = base64.urlsafe_b64encode(b'{"sub":"admin","tenant":"zhejiang","roles":["zhejiang:province_admin"],"jti":"x",'
                                      b'"iat":1,"exp":9999999999,"aud":"mgov","iss":"mgov-identity"}').rstrip(b"=").decode()
    with pytest.raises(TokenInvalid):
        await v.verify(f"{header}.{claims}.{sig}")
    with pytest.raises(TokenInvalid):
        await v.verify(token + " ")  # not the verified string: checked in full


async def test_a_verified_token_is_checked_in_full_again_once_it_has_expired(keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    checks = count_signature_checks(monkeypatch)
    kid = keys.add()
    v = verifier(keys)
    now = time.time()
    token = keys.sign(kid, iat=int(now), exp=int(now) + 60)
    await v.verify(token)
    await v.verify(token)
    assert len(checks) == 1
    monkeypatch.setattr("mgov_common.auth.time.time", lambda: now + 61)  # the cache's clock only: PyJWT keeps the real one
    await v.verify(token)
    assert len(checks) == 2  # past `exp` the cache does not answer; the full check (which refuses it) runs


async def test_a_verified_token_stops_working_when_its_key_is_withdrawn(keys: Keys) -> None:
    old = keys.add()
    v = verifier(keys)
    token = keys.sign(old)
    await v.verify(token)
    del keys.private[old]
    new = keys.add()
    await v.verify(keys.sign(new))  # an unknown kid refreshes the key set: `old` is gone
    with pytest.raises(TokenInvalid, match="unknown key"):
        await v.verify(token)


async def test_the_verification_cache_is_bounded(keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    checks = count_signature_checks(monkeypatch)
    kid = keys.add()
    v = verifier(keys)
    v.verified.size = 3
    tokens = [keys.sign(kid) for _ in range(5)]
    for t in tokens:
        await v.verify(t)
    assert len(v.verified._entries) == 3
    await v.verify(tokens[0])  # the oldest was let go: checked again
    assert len(checks) == 6
