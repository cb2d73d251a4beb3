"""Local verification of access tokens against the identity service's JWKS.

Access tokens are EdDSA (Ed25519) JWTs with `kid` in the header; the JWKS is fetched
(by gRPC from identity, or locally inside identity) and cached, so no request calls
identity. An unknown `kid` triggers one refresh (rate-limited), which is how rotated
keys are picked up; keys that identity still publishes keep verifying old tokens.

A request is verified once per process per token: `TokenVerifier` keeps the principal
of each token it verified (see `VerifiedTokens` for why that is safe), so the gateway
and the service behind it each pay one signature check per token lifetime, not one per
request.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import jwt
from jwt import PyJWK

from mgov_common.errors import Unauthenticated
from mgov_common.principal import PHONE, SYSTEM, USER, Principal, RoleBinding

ISSUER = "mgov-identity"
AUDIENCE = "mgov"
# Phone tokens (identity's ConfirmPhoneVerification): a verifier of access tokens refuses them.
PHONE_AUDIENCE = "mgov-phone"
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

    def publishes(self, kid: str) -> bool:
        """Whether `kid` is in the key set as last fetched (no fetch)."""
        return kid in self._keys

    async def key(self, kid: str) -> PyJWK:
        await self._refresh(force=False)
        if kid not in self._keys:
            await self._refresh(force=True)
        try:
            return self._keys[kid]
        except KeyError:
            raise TokenInvalid("the token was signed with an unknown key") from None


class VerifiedTokens:
    """Principals of tokens this process has verified, keyed by the whole token.

    Why a hit is as good as a verification:
    - The key is the exact token string, signature included. A hit means these very
      bytes passed the full check before; changing any claim changes the string (and
      would fail the signature), so a forged or altered token can never hit. Only
      tokens that verified are stored, so garbage cannot fill the cache.
    - A hit still checks what changes with time: the token's `exp` (with the same
      leeway) and that its signing key is still published (a key withdrawn from the
      JWKS stops its tokens at the next refresh, as without the cache). Entries also
      age out after `ttl_s`, whichever comes first.
    - Bounded (`size` entries, oldest out first); lookups use Python's randomised
      string hash, so crafted tokens cannot make them slow.
    Access tokens carry no revocation list to consult; a system's revocation is checked
    per request by the gateway (`gateway.system_registrations`), unaffected by this.
    """

    def __init__(self, *, size: int = 4096, ttl_s: float = 60.0) -> None:
        self.size = size
        self.ttl_s = ttl_s
        self._entries: OrderedDict[str, tuple[Principal, str, float, float]] = OrderedDict()

    def get(self, token: str, jwks: JwksCache, leeway_s: float) -> Principal | None:
        hit = self._entries.get(token)
        if hit is None:
            return None
        principal, kid, exp, stored = hit
        if time.time() >= exp + leeway_s or time.monotonic() - stored >= self.ttl_s or not jwks.publishes(kid):
            del self._entries[token]
            return None
        return principal

    def put(self, token: str, principal: Principal, kid: str, exp: float) -> None:
        if len(self._entries) >= self.size:
            self._entries.popitem(last=False)
        self._entries[token] = (principal, kid, exp, time.monotonic())


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
        self.verified = VerifiedTokens()

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
        cached = self.verified.get(token, self.jwks, self.leeway_s)
        if cached is not None:
            return cached
        kid, claims = await self._decode(token)
        principal = principal_from_claims(claims)
        self.verified.put(token, principal, kid, float(claims["exp"]))
        return principal

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of a token of this verifier's audience, uncached (a phone
        token's `phone_masked` is not a principal's)."""
        return (await self._decode(token))[1]

    async def _decode(self, token: str) -> tuple[str, dict[str, Any]]:
        kid = self._kid(token)
        key = await self.jwks.key(kid)
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
        return kid, claims


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    try:
        roles = frozenset(RoleBinding.decode(r) for r in claims.get("roles", []))
        kind = str(claims.get("kind", USER))
        if kind == PHONE:
            raise ValueError("a phone token is not an access token")
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
