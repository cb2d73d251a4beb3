"""Sign-in, refresh and logout.

Sign-in counts the attempt as a failure *before* checking the password (committed, so
concurrent guesses see each other) and forgets it on success; the argon2 check runs
outside any transaction. An unknown phone is checked against a dummy hash and answers
exactly like a wrong password.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from mgov_common.errors import InvalidArgument, PermissionDenied, ResourceExhausted, Unauthenticated
from mgov_common.principal import Principal
from services.identity.adapters.crypto import new_refresh_token, refresh_token_hash
from services.identity.adapters.tokens import AccessToken
from services.identity.domain.audit import AuditEntry
from services.identity.domain.lockout import Scope, retry_after_s
from services.identity.domain.phone import normalize_phone
from services.identity.domain.sessions import RefreshSession, RefreshTokenInvalid, RefreshTokenReused
from services.identity.domain.users import User
from services.identity.service_layer import commands
from services.identity.service_layer.access import parse_user_id, signed_in_person
from services.identity.service_layer.context import Context
from services.identity.service_layer.unit_of_work import UnitOfWork

BAD_CREDENTIALS = "wrong phone number or password"


@dataclass(frozen=True)
class TokenResult:
    user_id: str
    access: AccessToken
    refresh_token: str
    refresh_expires_in: int


class SignIn:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def _issue(self, uow: UnitOfWork, user: User, session: RefreshSession) -> TokenResult:
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
        keys: list[tuple[Scope, str]] = [("account", account), ("address", address)]
        seen = AuditEntry("sign_in", "failure", "anonymous", None, None, None, cmd.source_address or None, {"account": account[:16]})

        async with ctx.uow() as uow:
            pending: list[int] = []
            counts: dict[str, int] = {}
            for scope, key in keys:
                attempt = await uow.lockouts.attempt(scope, key, now, policy.window)
                if attempt.locked_until is not None:
                    await uow.lockouts.forget_failures(pending)
                    uow.audit(_with(seen, details={**seen.details, "reason": "locked", "scope": scope}))
                    await uow.commit()
                    raise ResourceExhausted("too many failed sign-ins; try again later", code="sign_in_locked",
                                            retry_after_s=retry_after_s(attempt.locked_until, now))
                assert attempt.failure_id is not None
                pending.append(attempt.failure_id)
                counts[scope] = attempt.failures
            # Concurrent guesses beyond the limit: locked at once, no password check at all.
            flooded = [(s, k) for s, k in keys if counts[s] > policy.limit(s)]
            for scope, key in flooded:
                await uow.lockouts.lock(scope, key, now + timedelta(seconds=policy.duration_s))
            user = await uow.users.get_by_phone(phone)
            await uow.commit()
        if flooded:
            raise ResourceExhausted("too many failed sign-ins; try again later", code="sign_in_locked",
                                    retry_after_s=policy.duration_s)

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
                result = await self._issue(uow, user, session)
                uow.audit(_with(who, outcome="success", details={"session": str(session.family_id)}))
                await uow.commit()
                return result
            locked = []
            for scope, key in keys:
                until = policy.lock_until(scope, counts[scope], now)
                if until is not None:
                    await uow.lockouts.lock(scope, key, until)
                    locked.append(scope)
            uow.audit(_with(who, details={**who.details, "reason": "bad_credentials"}))
            if locked:
                uow.audit(_with(who, action="lockout", details={**who.details, "scopes": locked, "until_s": policy.duration_s}))
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
            result = await self._issue(uow, user, successor)
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
