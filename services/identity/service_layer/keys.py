"""Signing-key rotation, field-key re-encryption and audit-chain verification."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from mgov_common.errors import PermissionDenied
from mgov_common.principal import Principal
from services.identity.adapters.audit_log import read_chain
from services.identity.domain.audit import ChainReport, ChainVerifier
from services.identity.domain.roles import PROVINCE_ADMIN
from services.identity.service_layer.access import actor, signed_in
from services.identity.service_layer.context import Context


@dataclass(frozen=True)
class Rotation:
    kid: str
    activates_at: datetime
    published: list[str]


def _require_province_admin(principal: Principal | None) -> Principal:
    p = signed_in(principal)
    if not p.tenants_with(PROVINCE_ADMIN):
        raise PermissionDenied("only a province admin may do this", code="forbidden")
    return p


class Keys:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def ensure_signing_key(self) -> None:
        """Make the first signing key if there is none (every replica at start)."""
        now = self.ctx.clock()
        async with self.ctx.uow() as uow:
            made = await uow.keys.rotate(now, now, only_if_none=True)
            if made:
                uow.audit(actor(None, action="signing_key.create", actor_kind="platform", actor_id="identity", subject=made[0]))
            await uow.commit()

    async def rotate(self, principal: Principal | None, *, cli: bool = False) -> Rotation:
        p = None if cli else _require_province_admin(principal)
        now = self.ctx.clock()
        async with self.ctx.uow() as uow:
            made = await uow.keys.rotate(now, now + self.ctx.key_activation_delay)
            assert made is not None
            kid, activates_at = made
            entry = actor(p, action="signing_key.rotate", subject=kid, details={"activates_at": activates_at.isoformat()})
            uow.audit(entry if p else replace(entry, actor_kind="cli"))
            await uow.commit()
        self.ctx.keyring.invalidate()
        keys = await self.ctx.keyring.keys()
        return Rotation(kid, activates_at, [k["kid"] for k in keys.jwks])

    async def reencrypt(self) -> int:
        """Rewrite personal numbers (accounts' and phones proven without an account) and
        private keys under the current field key."""
        total = 0
        while True:
            async with self.ctx.uow() as uow:
                users = await uow.users.with_old_keys()
                for user in users:
                    await uow.users.rewrite_phone(user)
                    await uow.users.save(user)
                rewritten = len(users) + await uow.registrations.reencrypt_phones()
                total += rewritten
                if not rewritten:
                    total += await uow.keys.reencrypt()
                await uow.commit()
            if not rewritten:
                return total

    async def verify_audit(self, principal: Principal | None, *, cli: bool = False) -> ChainReport:
        if not cli:
            _require_province_admin(principal)
        verifier = ChainVerifier(self.ctx.audit_key)
        async with self.ctx.uow() as uow:
            async for record in read_chain(uow.conn):
                if not verifier.feed(record):
                    break
        return verifier.report
