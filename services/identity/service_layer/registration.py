"""Citizens' registration, proven by a code sent to the phone (docs/identity.md, "Registration").

`start` checks the form, the rate limits (per source address, per 7-digit phone prefix,
per phone) and stores a pending registration with the hash of a new six-digit code,
then has the code sent by SMS. When the phone is already registered it stores a pending
registration all the same, with the hash of a code nobody is sent, and the holder gets
"someone tried to register with your number" instead: the caller's answer, its timing
(argon2 runs either way) and what the rate limits count are the same, so registration
tells nobody who is registered. `confirm` checks the code (a bounded number of tries),
creates the account and signs it in; until then there is no account to sign in to.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mgov_common.errors import AlreadyExists, InvalidArgument, NotFound, ResourceExhausted, Unavailable
from services.identity.adapters.security_sms import SecuritySms
from services.identity.domain.passwords import check_password
from mgov_common.phone import normalize_phone
from services.identity.domain.registrations import PendingRegistration, Purpose, RegistrationPolicy, check_code_format, new_code
from services.identity.domain.sessions import RefreshSession
from services.identity.domain.tenants import Status, check_slug
from services.identity.domain.users import User, check_name
from services.identity.service_layer import commands
from services.identity.service_layer.access import actor
from services.identity.service_layer.accounts import Validation
from services.identity.service_layer.context import Context
from services.identity.service_layer.sign_in import SignIn, TokenResult


@dataclass(frozen=True)
class Started:
    registration_id: str
    expires_in_s: int


class Registration:
    def __init__(self, ctx: Context, sms: SecuritySms | None = None, policy: RegistrationPolicy | None = None) -> None:
        self.ctx = ctx
        self.sms = sms
        self.policy = policy or RegistrationPolicy()

    async def start(self, cmd: commands.Register) -> Started:
        v = Validation()
        v.check(lambda: check_slug(cmd.tenant_id, "tenant_id"))
        phone = v.check(lambda: normalize_phone(cmd.phone))
        name = v.check(lambda: check_name(cmd.name))
        v.check(lambda: check_password(cmd.password, phone=phone))
        v.raise_if_any()
        assert phone is not None and name is not None
        if self.sms is None:
            raise Unavailable("registration needs the SMS channel, which this deployment lacks", code="sms_unavailable")
        policy, ctx = self.policy, self.ctx
        password_hash = await ctx.passwords.hash(cmd.password)
        now = ctx.clock()
        address = cmd.source_address or "unknown"
        rid = uuid.uuid4()
        code = new_code()
        async with ctx.uow() as uow:
            tenant = await uow.tenants.get(cmd.tenant_id)
            if tenant is None or tenant.status is not Status.ACTIVE:
                raise InvalidArgument(f"no active tenant {cmd.tenant_id!r}", field="tenant_id", code="unknown_tenant")
            await self.admit(uow, tenant.id, phone, address, cmd.source_address, "user.register", now)
            registered = await uow.users.get_by_phone(phone) is not None
            # A registered phone gets no code: its hash is of a secret nobody knows.
            shown = code if not registered else secrets.token_hex(16)
            await uow.registrations.add(PendingRegistration(
                rid, tenant.id, name, phone, password_hash, ctx.lookup.registration_code(str(rid), shown), address, now,
                now + policy.code_ttl))
            uow.audit(actor(None, cmd.source_address, action="user.register_started", actor_kind="anonymous", tenant_id=tenant.id,
                            subject=str(rid), details={"phone_registered": registered}))
            await uow.commit()
        minutes = int(policy.code_ttl.total_seconds() // 60)
        kind = "registration_attempt" if registered else "registration_code"
        await self.sms.send(kind, phone, "" if registered else code, tenant.id, str(rid), minutes)
        return Started(str(rid), int(policy.code_ttl.total_seconds()))

    async def admit(self, uow: Any, tenant_id: str, phone: str, address: str, source_address: str, action: str, now: datetime) -> None:
        """The rate limits of sending a code (per source address, phone prefix and phone),
        counted over registrations and phone verifications alike: both send SMS codes."""
        ctx, policy = self.ctx, self.policy
        await uow.registrations.serialise(f"address:{address}", f"prefix:{ctx.lookup.phone_prefix(phone).hex()}")
        counts = await uow.registrations.counts(address, phone, now - policy.window)
        if exceeded := policy.exceeded(*counts):
            uow.audit(actor(None, source_address, action=action, outcome="failure", actor_kind="anonymous",
                            tenant_id=tenant_id, details={"reason": "rate_limited", "scope": exceeded}))
            await uow.commit()
            raise ResourceExhausted("too many codes sent; try again later", code="registration_rate_limited",
                                    retry_after_s=int(policy.window.total_seconds()))

    async def confirm(self, cmd: commands.ConfirmRegistration) -> TokenResult:
        try:
            rid = uuid.UUID(cmd.registration_id)
        except (ValueError, TypeError):
            raise InvalidArgument("not a registration id", field="registration_id", code="invalid_registration_id") from None
        code = check_code_format(cmd.code)
        ctx = self.ctx
        now = ctx.clock()
        async with ctx.uow() as uow:
            reg = await uow.registrations.get_for_update(rid)
            if reg is None or reg.purpose is not Purpose.REGISTRATION:  # a phone verification never becomes an account
                raise NotFound("no such registration", field="registration_id", code="registration_not_found")
            ok = reg.try_code(ctx.lookup.registration_code(str(rid), code), now, self.policy.max_attempts)
            await uow.registrations.save(reg)
            if not ok:
                uow.audit(actor(None, cmd.source_address, action="user.register_confirm", outcome="failure", actor_kind="anonymous",
                                tenant_id=reg.tenant_id, subject=str(rid),
                                details={"attempts": reg.attempts, "locked": reg.status.value == "locked"}))
                await uow.commit()
                left = max(0, self.policy.max_attempts - reg.attempts)
                raise InvalidArgument(f"wrong code ({left} tries left)" if left else "wrong code; register again for a new one",
                                      field="code", code="invalid_code")
            if await uow.users.get_by_phone(reg.phone) is not None:
                raise AlreadyExists("this phone number was registered meanwhile; sign in", field="phone", code="duplicate_phone")
            user = User.register_citizen(tenant_id=reg.tenant_id, name=reg.name, phone=reg.phone, password_hash=reg.password_hash,
                                         now=now)
            await uow.users.add(user)
            session = RefreshSession.start(user.id, now, ctx.refresh_ttl, ctx.session_max, cmd.source_address or None,
                                           cmd.user_agent[:200] or None)
            result = await SignIn(ctx).issue_session(uow, user, session)  # the one way tokens are issued
            uow.audit(actor(None, cmd.source_address, action="user.register", actor_kind="user", actor_id=str(user.id),
                            tenant_id=reg.tenant_id, subject=str(user.id), details={"registration": str(rid)}))
            await uow.commit()
        return result
