"""Sign-in, refresh and logout.

Sign-in counts the attempt as a failure *before* checking the password (committed, so
concurrent guesses see each other) and forgets it on success; the argon2 check runs
outside any transaction. An unknown phone is checked against a dummy hash and answers
exactly like a wrong password. Repeated failures slow further attempts (growing delays,
short caps: `domain/lockout.py`); when an account's delays begin, its holder is told
through a `user.sign_in_throttled` event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from mgov_common.errors import InvalidArgument, PermissionDenied, ResourceExhausted, Unauthenticated
from mgov_common.principal import Principal
from services.identity.adapters.crypto import new_refresh_token, refresh_token_hash
from services.identity.adapters.tokens import AccessToken
from services.identity.domain.audit import AuditEntry
from services.identity.domain.events import sign_in_throttled, signed_in
from services.identity.domain.lockout import Scope, retry_after_s
from mgov_common.phone import normalize_phone
from services.identity.domain.sessions import RefreshSession, RefreshTokenInvalid, RefreshTokenReused
from services.identity.domain.users import User
from services.identity.service_layer import commands
from services.identity.service_layer.access import parse_user_id, signed_in_person
from services.identity.service_layer.context import Context
from services.identity.service_layer.unit_of_work import UnitOfWork

BAD_CREDENTIALS = "wrong phone number or password"
NO_USER = uuid.UUID(int=0)


@dataclass(frozen=True)
class TokenResult:
    user_id: str
    access: AccessToken
    refresh_token: str
    refresh_expires_in: int


class SignIn:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def issue_session(self, uow: UnitOfWork, user: User, session: RefreshSession) -> TokenResult:
        token = new_refresh_token()
        await uow.sessions.add(session, refresh_token_hash(token))
        access = await self.ctx.issuer.issue(user, session.issued_at)
        expires_in = int((session.expires_at - session.issued_at).total_seconds())
        return TokenResult(str(user.id), access, token, expires_in)

    async def authenticate(self, cmd: commands.Authenticate) -> TokenResult:
        ctx, policy = self.ctx, self.ctx.lockout
        if not cmd.password:
            raise InvalidArgument("a password is required", field="password", code="required")
        phone = normalize_phone(cmd.phone)
        now = ctx.clock()
        account = ctx.lookup.account_key(phone)
        address = cmd.source_address or "unknown"
        seen = AuditEntry("sign_in", "failure", "anonymous", None, None, None, cmd.source_address or None, {"account": account[:16]})

        async with ctx.uow() as uow:
            user = await uow.users.get_by_phone(phone)
            # The holder's own recent address is not slowed by failures elsewhere.
            # (Asked for unknown phones too, with an id no user has: the same work either way.)
            known = await uow.sessions.signed_in_from(user.id if user else NO_USER, address, now - policy.known_address_age)
            known = known and user is not None
            keys: list[tuple[Scope, str]] = [("address", address)] + ([] if known else [("account", account)])
            pending: list[int] = []
            counts: dict[str, int] = {}
            for scope, key in keys:
                attempt = await uow.lockouts.attempt(scope, key, now, policy)
                if attempt.not_before is not None:
                    await uow.lockouts.forget_failures(pending)
                    uow.audit(_with(seen, details={**seen.details, "reason": "throttled", "scope": scope}))
                    await uow.commit()
                    raise ResourceExhausted("too many failed sign-ins; wait a moment and try again", code="sign_in_throttled",
                                            retry_after_s=retry_after_s(attempt.not_before, now))
                assert attempt.failure_id is not None
                pending.append(attempt.failure_id)
                counts[scope] = attempt.failures
            await uow.commit()

        ok = await ctx.passwords.verify(user.password_hash if user else None, cmd.password)
        who = _with(seen, actor_kind="user" if user else "anonymous", actor_id=str(user.id) if user else None,
                    tenant_id=user.tenant_id if user else None, subject=str(user.id) if user else None)
        async with ctx.uow() as uow:
            if ok and user is not None:
                await uow.lockouts.forget_failures(pending)
                if not user.active:
                    uow.audit(_with(who, details={**who.details, "reason": "disabled"}))
                    await uow.commit()
                    raise PermissionDenied("this account is disabled", code="account_disabled")
                await uow.lockouts.clear("account", account)
                if ctx.passwords.needs_rehash(user.password_hash):
                    user.password_hash = await ctx.passwords.hash(cmd.password)
                    await uow.users.save(user)
                session = RefreshSession.start(user.id, now, ctx.refresh_ttl, ctx.session_max, cmd.source_address or None,
                                               cmd.user_agent[:200] or None)
                result = await self.issue_session(uow, user, session)
                uow.audit(_with(who, outcome="success", details={"session": str(session.family_id)}))
                uow.record(signed_in(user.tenant_id, str(user.id), [b.encode() for b in user.roles]))
                await uow.commit()
                return result
            uow.audit(_with(who, details={**who.details, "reason": "bad_credentials"}))
            slowed = [scope for scope, _ in keys if counts[scope] == policy.limit(scope)]
            if slowed:
                uow.audit(_with(who, action="sign_in_throttled", details={**who.details, "scopes": slowed}))
            if "account" in slowed and user is not None:
                # The holder hears of it (notify): once per burst, when the delays begin.
                uow.record(sign_in_throttled(user.tenant_id, str(user.id), {
                    "user_id": str(user.id), "failure_count": counts["account"], "window_s": policy.account_window_s,
                    "max_delay_s": policy.account_max_delay_s}))
            await uow.commit()
        raise Unauthenticated(BAD_CREDENTIALS, code="invalid_credentials")

    async def refresh(self, cmd: commands.Refresh) -> TokenResult:
        if not cmd.refresh_token:
            raise InvalidArgument("a refresh token is required", field="refresh_token", code="required")
        ctx = self.ctx
        now = ctx.clock()
        async with ctx.uow() as uow:
            session = await uow.sessions.by_token_hash(refresh_token_hash(cmd.refresh_token))
            if session is None:
                raise RefreshTokenInvalid("unknown refresh token; sign in again")
            user = await uow.users.get(session.user_id)
            try:
                successor = session.rotate(now, ctx.refresh_ttl, cmd.source_address or None)
                if user is None or not user.active:
                    raise RefreshTokenInvalid("the account is no longer active")
            except RefreshTokenReused:
                revoked = await uow.sessions.revoke_family(session.family_id, now, "reuse")
                uow.audit(AuditEntry("refresh_reuse", "failure", "user", str(session.user_id), user.tenant_id if user else None,
                                     str(session.family_id), cmd.source_address or None, {"revoked": revoked}))
                await uow.commit()
                raise
            assert user is not None
            await uow.sessions.mark_rotated(session)
            result = await self.issue_session(uow, user, successor)
            await uow.commit()
            return result

    async def revoke(self, cmd: commands.Revoke, principal: Principal | None) -> None:
        ctx = self.ctx
        now = ctx.clock()
        if cmd.all_sessions:
            p = signed_in_person(principal)
            async with ctx.uow() as uow:
                n = await uow.sessions.revoke_user(parse_user_id(p.subject), now, "logout_all")
                uow.audit(AuditEntry("logout", "success", p.kind, p.subject, p.tenant, p.subject, cmd.source_address or None,
                                     {"all_sessions": True, "revoked": n}))
                await uow.commit()
            return
        if not cmd.refresh_token:
            raise InvalidArgument("give the refresh token to revoke (or all_sessions)", field="refresh_token", code="required")
        async with ctx.uow() as uow:
            session = await uow.sessions.by_token_hash(refresh_token_hash(cmd.refresh_token))
            if session is None:
                return  # RFC 7009: an unknown token is not an error
            if principal is not None and principal.subject != str(session.user_id):
                raise PermissionDenied("this refresh token belongs to another user", field="refresh_token")
            n = await uow.sessions.revoke_family(session.family_id, now, "logout")
            uow.audit(AuditEntry("logout", "success", "user", str(session.user_id), principal.tenant if principal else None,
                                 str(session.family_id), cmd.source_address or None, {"revoked": n}))
            await uow.commit()


def _with(entry: AuditEntry, **changes: object) -> AuditEntry:
    return replace(entry, **changes)  # type: ignore[arg-type]
