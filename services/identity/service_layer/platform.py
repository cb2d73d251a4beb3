"""Platform services (notify, workflow, ...) as callers of identity.

There are no user credentials behind a platform service, yet notify must learn a
recipient's phone number (stored only encrypted here) and a tenant's staff. Each
configured service proves its own client secret (`MGOV_IDENTITY_PLATFORM_CLIENTS`) and
gets a short-lived access token of kind `platform`, verified by every service like any
other token. Contacts go out one call at a time, to platform callers only, and every
call is audited with the users it revealed; nothing is published on the bus.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

from mgov_common.errors import InvalidArgument, PermissionDenied, Unauthenticated
from mgov_common.principal import Principal
from services.identity.adapters.tokens import AccessToken
from services.identity.domain import policy
from services.identity.domain.users import User
from services.identity.service_layer.access import actor, signed_in
from services.identity.service_layer.context import Context

MAX_CONTACTS = 100
PHONE_REF = "phone:"
PSEUDONYM = re.compile(r"[0-9a-f]{32}")  # Lookup.phone_pseudonym


@dataclass(frozen=True)
class Contact:
    user_id: str
    name: str
    phone: str
    tenant_id: str
    active: bool


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


class PlatformClients:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._secrets = {name: _digest(secret) for name, secret in ctx.platform_clients.items()}

    async def issue_token(self, service: str, secret: str, source_address: str = "") -> AccessToken:
        """A platform token for a configured service presenting its secret. An unknown
        service and a wrong secret answer alike (and compare in constant time)."""
        expected = self._secrets.get(service)
        ok = hmac.compare_digest(expected or _digest("\0unknown"), _digest(secret or ""))
        if expected is None or not ok:
            async with self.ctx.uow() as uow:
                uow.audit(actor(None, source_address, action="platform.token", outcome="failure", actor_kind="platform",
                                actor_id=service[:64] or None, details={"reason": "invalid_client"}))
                await uow.commit()
            raise Unauthenticated("unknown platform service or wrong secret", code="invalid_client")
        return await self.ctx.issuer.issue_platform(service, self.ctx.clock())

    async def contacts(self, user_ids: list[str], principal: Principal | None) -> list[Contact]:
        """Unmasked contact details of users, for a platform service; unknown ids are left out."""
        p = signed_in(principal)
        if not policy.is_platform_service(p):
            raise PermissionDenied("only platform services read contact details", code="forbidden")
        if len(user_ids) > MAX_CONTACTS:
            raise InvalidArgument(f"at most {MAX_CONTACTS} users per call", field="user_ids", code="too_many")
        ids: list[uuid.UUID] = []
        phones: list[str] = []  # `phone:<pseudonym>`: a phone proven without an account (a 随手拍 reporter)
        for i, raw in enumerate(user_ids):
            if raw.startswith(PHONE_REF) and PSEUDONYM.fullmatch(raw.removeprefix(PHONE_REF)):
                phones.append(raw.removeprefix(PHONE_REF))
                continue
            try:
                ids.append(uuid.UUID(raw))
            except ValueError:
                raise InvalidArgument("not a user id", field=f"user_ids[{i}]", code="invalid_user_id") from None
        found: list[User] = []
        async with self.ctx.uow() as uow:
            for uid in dict.fromkeys(ids):
                user = await uow.users.get(uid)
                if user is not None:
                    found.append(user)
            proven = await uow.registrations.phones(list(dict.fromkeys(phones))) if phones else []
            uow.audit(actor(p, action="contact.read", tenant_id=None, details={
                "users": [str(u.id) for u in found] + [PHONE_REF + ref for ref, _, _ in proven], "purpose": "notification"}))
            await uow.commit()
        return [Contact(str(u.id), u.name, u.phone, u.tenant_id, u.active) for u in found] + \
            [Contact(PHONE_REF + ref, "", phone, tenant, True) for ref, tenant, phone in proven]
