"""NATS JWTs (the `ed25519-nkey` flavour) for the auth callout, made with PyJWT and nkeys.

NATS signs and verifies its JWTs with nkeys: Ed25519 keys written in base32 with a role
prefix ("A..." an account, "U..." a user, "N..." a server, "S..." a seed). PyJWT does the
JOSE framing (base64url header and payload, compact serialisation); the algorithm
registered here signs with an nkeys key pair. Claims follow nats-io/jwt v2: `iss`, `sub`,
`aud`, `iat`, `exp`, `jti`, and the NATS part under `nats` with `type` and `version: 2`.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

import nacl.signing
import nkeys
from jwt import PyJWS
from jwt.algorithms import Algorithm
from jwt.exceptions import InvalidTokenError

ALGORITHM = "ed25519-nkey"
USER_CLAIM = "user"
AUTH_REQUEST_CLAIM = "authorization_request"
AUTH_RESPONSE_CLAIM = "authorization_response"


class NkeyAlgorithm(Algorithm):
    """Signs with an `nkeys.KeyPair` (Ed25519); NATS verifies."""

    def prepare_key(self, key: Any) -> Any:
        if not isinstance(key, nkeys.KeyPair):
            raise TypeError("an nkeys.KeyPair signs NATS JWTs")
        return key

    def sign(self, msg: bytes, key: Any) -> bytes:
        return bytes(key.sign(msg))

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:  # requests are read, not verified (see decode_request)
        raise NotImplementedError

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        raise NotImplementedError

    @staticmethod
    def from_jwk(jwk: Any) -> Any:
        raise NotImplementedError


_jws = PyJWS(algorithms=[])
_jws.register_algorithm(ALGORITHM, NkeyAlgorithm())


def new_account_seed() -> str:
    """A fresh account nkey seed ("SA..."): the auth callout's issuer."""
    raw = nacl.signing.SigningKey.generate().encode()
    return bytes(nkeys.encode_seed(raw, nkeys.PREFIX_BYTE_ACCOUNT)).decode()


def account_seed_from(secret: bytes) -> str:
    """A stable account seed from 32 bytes of secret (demo mode's derived keys)."""
    return bytes(nkeys.encode_seed(secret[:32], nkeys.PREFIX_BYTE_ACCOUNT)).decode()


def key_pair(seed: str) -> nkeys.KeyPair:
    """The key pair of an account seed; anything else is refused with a clear message."""
    try:
        kp = nkeys.from_seed(seed.strip().encode())
    except (nkeys.NkeysError, ValueError, TypeError) as exc:
        raise ValueError(f"not an nkey seed: {type(exc).__name__}") from None
    if not public_key(kp).startswith("A"):
        raise ValueError("the auth callout issuer must be an account nkey seed (SA...)")
    return kp


def public_key(kp: nkeys.KeyPair) -> str:
    return bytes(kp.public_key).decode()


def _jti() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def encode(claims: dict[str, Any], signer: nkeys.KeyPair) -> str:
    """A signed NATS JWT of `claims` (the `iss`, `iat` and `jti` are filled in)."""
    body = {"jti": _jti(), "iat": int(time.time()), "iss": public_key(signer), **claims}
    return _jws.encode(json.dumps(body, separators=(",", ":")).encode(), signer, algorithm=ALGORITHM,
                       headers={"typ": "JWT"})


def user_jwt(signer: nkeys.KeyPair, user_nkey: str, name: str, account: str, permissions: dict[str, Any],
             ttl_s: int) -> str:
    """A user's JWT: bound to the connection's one-time nkey, placed in `account`."""
    now = int(time.time())
    return encode({"sub": user_nkey, "name": name, "aud": account, "exp": now + ttl_s,
                   "nats": {**permissions, "subs": -1, "data": -1, "payload": -1, "type": USER_CLAIM, "version": 2}}, signer)


def auth_response(signer: nkeys.KeyPair, user_nkey: str, server_id: str, *, jwt: str = "", error: str = "") -> str:
    """The answer to one authorization request: the user's JWT, or why not."""
    nats: dict[str, Any] = {"type": AUTH_RESPONSE_CLAIM, "version": 2}
    if jwt:
        nats["jwt"] = jwt
    else:
        nats["error"] = error or "not authorized"
    return encode({"sub": user_nkey, "aud": server_id, "nats": nats}, signer)


def decode_request(token: bytes) -> dict[str, Any]:
    """The claims of a server's authorization request.

    Not verified against a key: only the NATS servers and the platform's own users may
    publish on the callout subject (every user's permissions say so), the answer is bound
    to the one-time user nkey and server id the server checks, and it grants nothing
    without the system's own secret.
    """
    if len(token) > 64 * 1024:
        raise ValueError("authorization request too large")
    try:
        claims = _jws.decode_complete(token, options={"verify_signature": False})["payload"]
        body = json.loads(claims)
    except (InvalidTokenError, ValueError) as exc:
        raise ValueError(f"not a NATS JWT: {exc}") from None
    nats = body.get("nats") if isinstance(body, dict) else None
    if not isinstance(nats, dict) or nats.get("type") != AUTH_REQUEST_CLAIM:
        raise ValueError("not an authorization request")
    user_nkey, server = nats.get("user_nkey"), nats.get("server_id")
    if not isinstance(user_nkey, str) or not user_nkey.startswith("U") or not isinstance(server, dict) \
            or not isinstance(server.get("id"), str):
        raise ValueError("an authorization request names the user nkey and the server")
    return nats
