"""Access tokens: EdDSA (Ed25519) JWTs with the platform's claims and `kid` in the header.

The claims are those `mgov_common.auth.TokenVerifier` checks and
`principal_from_claims` reads: sub, tenant, roles ("tenant:role"), jti, iat, exp, aud,
iss, kind, lvl.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import jwt

from mgov_common.auth import ALGORITHM, AUDIENCE, ISSUER, PHONE_AUDIENCE
from mgov_common.principal import PHONE, PLATFORM, SYSTEM, USER
from services.identity.adapters.signing_keys import KeyRing
from services.identity.domain.users import User


@dataclass(frozen=True)
class AccessToken:
    token: str
    jti: str
    kid: str
    expires_in: int


class TokenIssuer:
    def __init__(self, keyring: KeyRing, ttl_s: int, *, audience: str = AUDIENCE, issuer: str = ISSUER) -> None:
        self.keyring = keyring
        self.ttl_s = ttl_s
        self.audience = audience
        self.issuer = issuer

    async def issue(self, user: User, now: datetime) -> AccessToken:
        keys = await self.keyring.keys()
        iat = int(now.timestamp())
        jti = uuid.uuid4().hex
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user.id),
            "tenant": user.tenant_id,
            "roles": user.encoded_roles(),
            "kind": USER,
            "lvl": user.identity_level,
            "jti": jti,
            "iat": iat,
            "exp": iat + self.ttl_s,
        }
        token = jwt.encode(claims, keys.signing.private, algorithm=ALGORITHM, headers={"kid": keys.signing.kid})
        return AccessToken(token, jti, keys.signing.kid, self.ttl_s)

    async def issue_phone(self, pseudonym: str, tenant: str, phone_masked: str, now: datetime, ttl_s: int) -> AccessToken:
        """A phone token: proof that the holder received a code at a phone, for acting
        without an account where that is allowed (随手拍 reports). Its audience is
        PHONE_AUDIENCE, not the platform's: it is never an access token. Subject
        `phone:<pseudonym>`, no roles; `phone_masked` is what handlers may see."""
        keys = await self.keyring.keys()
        iat = int(now.timestamp())
        jti = uuid.uuid4().hex
        claims = {"iss": self.issuer, "aud": PHONE_AUDIENCE, "sub": f"phone:{pseudonym}", "tenant": tenant, "roles": [], "kind": PHONE,
                  "phone_masked": phone_masked, "lvl": 1, "jti": jti, "iat": iat, "exp": iat + ttl_s}
        token = jwt.encode(claims, keys.signing.private, algorithm=ALGORITHM, headers={"kid": keys.signing.kid})
        return AccessToken(token, jti, keys.signing.kid, ttl_s)

    async def issue_platform(self, service: str, now: datetime) -> AccessToken:
        """A token for a platform service: kind `platform`, subject the service name,
        no tenant and no roles (what it may do is decided per RPC, by kind)."""
        keys = await self.keyring.keys()
        iat = int(now.timestamp())
        jti = uuid.uuid4().hex
        claims = {"iss": self.issuer, "aud": self.audience, "sub": service, "tenant": "", "roles": [], "kind": PLATFORM,
                  "lvl": 1, "jti": jti, "iat": iat, "exp": iat + self.ttl_s}
        token = jwt.encode(claims, keys.signing.private, algorithm=ALGORITHM, headers={"kid": keys.signing.kid})
        return AccessToken(token, jti, keys.signing.kid, self.ttl_s)

    async def issue_system(self, system_id: str, tenant: str, now: datetime, ttl_s: int | None = None,
                           grants: Iterable[str] = ()) -> AccessToken:
        """A token for a tenant back-office system (client-credentials grant): kind
        `system`, subject the system id, tenant its registered tenant, no roles, and
        `grants` = the event types its registration allows: services let it do exactly
        what those mean on its own tenant, nothing a staff member or admin does."""
        keys = await self.keyring.keys()
        ttl = ttl_s or self.ttl_s
        iat = int(now.timestamp())
        jti = uuid.uuid4().hex
        claims = {"iss": self.issuer, "aud": self.audience, "sub": system_id, "tenant": tenant, "roles": [], "kind": SYSTEM,
                  "grants": sorted(set(grants)), "lvl": 1, "jti": jti, "iat": iat, "exp": iat + ttl}
        token = jwt.encode(claims, keys.signing.private, algorithm=ALGORITHM, headers={"kid": keys.signing.kid})
        return AccessToken(token, jti, keys.signing.kid, ttl)
