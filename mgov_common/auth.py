"""Local verification of access tokens against the identity service's JWKS.

Access tokens are EdDSA (Ed25519) JWTs with `kid` in the header; the JWKS is fetched
(by gRPC from identity, or locally inside identity) and cached, so no request calls
identity. An unknown `kid` triggers one refresh (rate-limited), which is how rotated
keys are picked up; keys that identity still publishes keep verifying old tokens.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import jwt
from jwt import PyJWK

from mgov_common.errors import Unauthenticated
from mgov_common.principal import SYSTEM, USER, Principal, RoleBinding

ISSUER = "mgov-identity"
AUDIENCE = "mgov"
ALGORITHM = "EdDSA"

JwksFetcher = Callable[[], Awaitable[Mapping[str, Any]]]


class TokenInvalid(Unauthenticated):
    code = "invalid_token"


class JwksCache:
    def __init__(self, fetch: JwksFetcher, *, ttl_s: float = 300.0, min_refresh_interval_s: float = 5.0) -> None:
        self._fetch = fetch
        self._ttl_s = ttl_s
        self._min_refresh_interval_s = min_refresh_interval_s
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if age < self._min_refresh_interval_s or (not force and age < self._ttl_s):
                return
            jwks = await self._fetch()
            keys = {}
            for jwk in jwks.get("keys", []):
                if jwk.get("kid"):
                    keys[jwk["kid"]] = PyJWK.from_dict(dict(jwk), algorithm=ALGORITHM)
            self._keys = keys
            self._fetched_at = time.monotonic()

    async def key(self, kid: str) -> PyJWK:
        await self._refresh(force=False)
        if kid not in self._keys:
            await self._refresh(force=True)
        try:
            return self._keys[kid]
        except KeyError:
            raise TokenInvalid("the token was signed with an unknown key") from None


class TokenVerifier:
    # Tokens signed by one key share one header segment; parsing it once per key saves
    # about an eighth of a verification. Bounded, and only well-formed headers are kept.
    _HEADER_CACHE_SIZE = 64

    def __init__(self, jwks: JwksCache, *, audience: str = AUDIENCE, issuer: str = ISSUER, leeway_s: float = 0.0) -> None:
        self.jwks = jwks
        self.audience = audience
        self.issuer = issuer
        self.leeway_s = leeway_s
        self._kids: dict[str, str] = {}

    def _kid(self, token: str) -> str:
        segment = token.partition(".")[0]
        kid = self._kids.get(segment)
        if kid is not None:
            return kid
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenInvalid("the access token is malformed") from None
        if header.get("alg") != ALGORITHM or not isinstance(header.get("kid"), str):
            raise TokenInvalid("the access token has an unexpected algorithm or no key id")
        if len(self._kids) < self._HEADER_CACHE_SIZE:
            self._kids[segment] = header["kid"]
        return str(header["kid"])

    async def verify(self, token: str) -> Principal:
        key = await self.jwks.key(self._kid(token))
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "sub", "jti", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenInvalid("the access token has expired", code="token_expired") from None
        except jwt.InvalidAudienceError:
            raise TokenInvalid("the access token is not meant for this audience") from None
        except jwt.PyJWTError as exc:
            raise TokenInvalid(f"the access token is invalid: {exc}") from None
        return principal_from_claims(claims)


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    try:
        roles = frozenset(RoleBinding.decode(r) for r in claims.get("roles", []))
        kind = str(claims.get("kind", USER))
        grants = claims.get("grants", [])
        if not isinstance(grants, list) or not all(isinstance(g, str) for g in grants):
            raise TypeError("grants")
        return Principal(
            subject=str(claims["sub"]),
            tenant=str(claims["tenant"]),
            roles=roles,
            kind=kind,
            token_id=str(claims["jti"]),
            identity_level=int(claims.get("lvl", 1)),
            # Only a system's registration grants anything; a person's rights are roles.
            grants=frozenset(grants) if kind == SYSTEM else frozenset(),
        )
    except (KeyError, ValueError, TypeError):
        raise TokenInvalid("the access token lacks the platform's claims") from None


def bearer_token(metadata: Any) -> str | None:
    """The token of an `authorization: Bearer …` metadata entry, if any."""
    for key, value in metadata or ():
        if key == "authorization":
            value = value.decode() if isinstance(value, bytes) else value
            scheme, _, token = value.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise TokenInvalid("authorization must be 'Bearer <access token>'")
            return token.strip()
    return None


def identity_jwks_fetcher(channel: Any) -> JwksFetcher:
    """Fetch the JWKS from the identity service over gRPC (for every other process)."""
    from mgov.identity.v1 import identity_pb2, identity_pb2_grpc

    stub = identity_pb2_grpc.IdentityServiceStub(channel)

    async def fetch() -> Mapping[str, Any]:
        resp = await stub.GetJwks(identity_pb2.GetJwksRequest())
        return {"keys": [{"kty": k.kty, "crv": k.crv, "x": k.x, "kid": k.kid, "alg": k.alg, "use": k.use} for k in resp.keys]}

    return fetch
