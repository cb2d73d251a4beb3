"""Tenant back-office systems: registration, rotation, revocation, listing, and the
OAuth2 client-credentials grant (docs/tenant-systems.md).

A tenant's admin (or an admin above it) registers a system with the event types it may
publish; its secrets are returned once and only hashes are kept. The NATS servers ask
identity about every connection of a system (the auth callout, `authorize_bus`), so a
new credential works at once and an old one no longer opens a connection; after a
rotation or revocation `on_credentials_ended` closes the connections already open with
the old credentials (adapters/nats_sessions.py), on every NATS server, within seconds.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mgov_common import paging
from mgov_common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from mgov_common.ingest import INGEST_TYPES
from mgov_common.outbound import OutboundGuard, OutboundRefused
from mgov_common.principal import SYSTEM, Principal
from mgov_common.systems import SystemNode, system_data
from services.identity.adapters.nats_auth import bcrypt_hash, bcrypt_matches, inbox_prefix
from services.identity.adapters.system_repository import SystemRecord
from services.identity.adapters.tokens import AccessToken
from services.identity.domain import events, policy
from services.identity.service_layer.access import actor, signed_in
from services.identity.service_layer.context import Context

SCOPE = "ingest"
Verb = Literal["registered", "updated", "revoked"]


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    nats_user: str
    nats_password: str
    webhook_secret: str
    inbox_prefix: str


@dataclass(frozen=True)
class SystemToken:
    token: AccessToken
    system: SystemRecord


def _system_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (ValueError, TypeError):
        raise InvalidArgument("not a system id", field="system_id", code="invalid_system_id") from None


async def _check_webhook(url: str, guard: OutboundGuard) -> str | None:
    """The webhook URL to store, or InvalidArgument: https to a public address (mgov_common.outbound).

    A name that does not resolve and a name that resolves to an internal address get the
    same answer, so registration tells nothing about the platform's network.
    """
    if not url:
        return None
    try:
        await guard.check(url)
    except OutboundRefused as exc:
        reason = exc.reason if "resolve" not in exc.reason else "the host does not resolve to public addresses only"
        raise InvalidArgument(f"webhook_url must be an https URL of a public host: {reason}", field="webhook_url",
                              code="invalid_webhook_url") from None
    return url


# Closes the bus connections of a NATS user opened before a time (None: all of them).
EndSessions = Callable[[str, datetime | None], Awaitable[None]]


def announced(verb: Verb, s: SystemRecord) -> events.DomainEvent:
    """The event that tells workflow and catalog (which apply systems' events) what the
    system now is, written in the transaction of the change (docs/events.md)."""
    node = SystemNode(s.id, s.tenant_id, s.name, frozenset(s.event_types), s.status, s.credentials_version)
    return events.system_changed(verb, s.tenant_id, str(s.id), system_data(node))


class Systems:
    def __init__(self, ctx: Context, on_credentials_ended: EndSessions | None = None,
                 guard: OutboundGuard | None = None) -> None:
        self.ctx = ctx
        self.on_credentials_ended = on_credentials_ended
        self.guard = guard or OutboundGuard()

    async def _ended(self, s: SystemRecord, before: datetime | None) -> None:
        """After the commit: the bus connections opened with credentials that ended close."""
        if self.on_credentials_ended is not None:
            await self.on_credentials_ended(s.nats_user, before)

    async def _secrets(self, s: SystemRecord) -> Credentials:
        client_secret = secrets.token_urlsafe(32)
        nats_password = secrets.token_urlsafe(24)
        s.client_secret_hash = await self.ctx.passwords.hash(client_secret)
        s.nats_password_hash = bcrypt_hash(nats_password)
        webhook_secret = ""
        if s.webhook_url:
            assert self.ctx.cipher is not None, "the context needs the field cipher for webhook secrets"
            webhook_secret = secrets.token_urlsafe(32)
            s.webhook_secret_key_id, s.webhook_secret_cipher = self.ctx.cipher.encrypt_text(webhook_secret, f"webhook:{s.id}")
        return Credentials(s.client_id, client_secret, s.nats_user, nats_password, webhook_secret, inbox_prefix(s.nats_user))

    async def register(self, tenant_id: str, name: str, event_types: list[str], webhook_url: str,
                       principal: Principal | None) -> tuple[SystemRecord, Credentials]:
        p = signed_in(principal)
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise InvalidArgument("name is 1 to 100 characters", field="name", code="invalid_name")
        types = tuple(dict.fromkeys(event_types))
        if not types:
            raise InvalidArgument(f"event_types names what the system publishes: {', '.join(INGEST_TYPES)}",
                                  field="event_types", code="required")
        if unknown := [t for t in types if t not in INGEST_TYPES]:
            raise InvalidArgument(f"unknown event type {unknown[0]!r}; systems publish {', '.join(INGEST_TYPES)}",
                                  field="event_types", code="unknown_event_type")
        # Who may comes first: resolving the webhook's host and hashing the new secrets are
        # work (and a probe of names) that nobody else may make identity do.
        async with self.ctx.uow() as uow:
            path = await uow.tenants.path(tenant_id)
            if not path:
                raise NotFound(f"no tenant {tenant_id!r}", field="tenant_id", code="tenant_not_found")
            if not policy.administers(p, path):
                uow.audit(actor(p, action="system.register", outcome="failure", tenant_id=tenant_id, details={"reason": "forbidden"}))
                await uow.commit()
                raise PermissionDenied(f"only admins of {tenant_id} register its systems", code="forbidden")
        url = await _check_webhook(webhook_url, self.guard)
        now = self.ctx.clock()
        sid = uuid.uuid4()
        user = f"sys-{sid.hex[:20]}"
        record = SystemRecord(sid, tenant_id, name, types, user, "", user, "", url, None, None, "active", 1, now, None, None)
        creds = await self._secrets(record)
        async with self.ctx.uow() as uow:
            await uow.systems.add(record, p.subject)
            uow.record(announced("registered", record))
            uow.audit(actor(p, action="system.register", tenant_id=tenant_id, subject=str(sid),
                            details={"name": name, "event_types": list(types), "webhook": bool(url)}))
            await uow.commit()
        return record, creds

    async def _admin_get(self, uow, tenant_id: str, system_id: str, p: Principal, action: str) -> SystemRecord:  # type: ignore[no-untyped-def]
        sid = _system_id(system_id)
        s = await uow.systems.get(sid, for_update=True)
        if s is None or (tenant_id and s.tenant_id != tenant_id):
            raise NotFound("no such system", field="system_id", code="system_not_found")
        if not policy.administers(p, await uow.tenants.path(s.tenant_id)):
            uow.audit(actor(p, action=action, outcome="failure", tenant_id=s.tenant_id, subject=str(sid), details={"reason": "forbidden"}))
            await uow.commit()
            raise PermissionDenied(f"only admins of {s.tenant_id} manage its systems", code="forbidden")
        return s  # type: ignore[no-any-return]

    async def rotate(self, tenant_id: str, system_id: str, principal: Principal | None) -> tuple[SystemRecord, Credentials]:
        p = signed_in(principal)
        async with self.ctx.uow() as uow:
            s = await self._admin_get(uow, tenant_id, system_id, p, "system.rotate")
            if not s.active:
                raise FailedPrecondition("the system is revoked; register a new one", code="system_revoked")
            creds = await self._secrets(s)
            s.credentials_version += 1
            s.rotated_at = self.ctx.clock()
            await uow.systems.save(s)
            uow.record(announced("updated", s))
            uow.audit(actor(p, action="system.rotate", tenant_id=s.tenant_id, subject=str(s.id),
                            details={"credentials_version": s.credentials_version}))
            await uow.commit()
        await self._ended(s, s.rotated_at)
        return s, creds

    async def revoke(self, tenant_id: str, system_id: str, principal: Principal | None) -> SystemRecord:
        p = signed_in(principal)
        async with self.ctx.uow() as uow:
            s = await self._admin_get(uow, tenant_id, system_id, p, "system.revoke")
            if s.active:
                s.status = "revoked"
                s.revoked_at = self.ctx.clock()
                await uow.systems.save(s)
                uow.record(announced("revoked", s))
                uow.audit(actor(p, action="system.revoke", tenant_id=s.tenant_id, subject=str(s.id), details={}))
            await uow.commit()
        await self._ended(s, None)
        return s

    async def list(self, tenant_id: str, include_revoked: bool, page_size: int, page_token: str,
                   principal: Principal | None) -> tuple[list[SystemRecord], str]:
        p = signed_in(principal)
        size = paging.page_size(page_size)
        kind = paging.fingerprint("systems", tenant_id, include_revoked)
        position = self.ctx.pages.decode(kind, page_token, (paging.timestamp, uuid.UUID))
        after = position
        async with self.ctx.uow() as uow:
            if p.kind == SYSTEM:
                # A system reads its own registration only (the gateway checks it is still active).
                own = await uow.systems.get(_system_id(p.subject))
                if own is None or (tenant_id and own.tenant_id != tenant_id):
                    raise PermissionDenied("a system sees only its own registration", code="forbidden")
                return ([own] if own.active or include_revoked else []), ""
            if not tenant_id:
                if not policy.is_platform_service(p):
                    raise InvalidArgument("tenant_id is required", field="tenant_id", code="required")
            else:
                path = await uow.tenants.path(tenant_id)
                if not path:
                    raise NotFound(f"no tenant {tenant_id!r}", field="tenant_id", code="tenant_not_found")
                if not (policy.administers(p, path) or policy.is_platform_service(p)):
                    raise PermissionDenied(f"only admins of {tenant_id} list its systems", code="forbidden")
            rows = await uow.systems.list(tenant_id=tenant_id or None, include_revoked=include_revoked, after=after, limit=size + 1)
        more = len(rows) > size
        rows = rows[:size]
        token = self.ctx.pages.encode(kind, [rows[-1].created_at.isoformat(), str(rows[-1].id)]) if more else ""
        return rows, token

    async def issue_token(self, grant_type: str, client_id: str, client_secret: str, scope: str, source_address: str = "") -> SystemToken:
        """The client-credentials grant (RFC 6749 §4.4). An unknown client, a wrong secret
        and a revoked system answer alike, after the same argon2 work."""
        if grant_type != "client_credentials":
            raise InvalidArgument("grant_type must be client_credentials", field="grant_type", code="unsupported_grant_type")
        if scope and set(scope.split()) - {SCOPE}:
            raise InvalidArgument(f"the only scope is {SCOPE!r}", field="scope", code="invalid_scope")
        async with self.ctx.uow() as uow:
            s = await uow.systems.by_client_id(client_id[:64]) if client_id else None
        ok = await self.ctx.passwords.verify(s.client_secret_hash if s else None, client_secret or "")
        if s is None or not ok or not s.active:
            async with self.ctx.uow() as uow:
                uow.audit(actor(None, source_address, action="system.token", outcome="failure", actor_kind=SYSTEM,
                                actor_id=str(s.id) if s else None, tenant_id=s.tenant_id if s else None,
                                details={"reason": "invalid_client"}))
                await uow.commit()
            raise Unauthenticated("unknown client, wrong secret or revoked system", code="invalid_client")
        token = await self.ctx.issuer.issue_system(str(s.id), s.tenant_id, self.ctx.clock(), grants=s.event_types)
        return SystemToken(token, s)

    async def authorize_bus(self, nats_user: str, password: str) -> SystemRecord | None:
        """The active system whose NATS credentials these are, or None (the auth callout).

        An unknown user costs the same bcrypt work as a wrong password: the answer's
        timing does not tell which users exist."""
        s = None
        if nats_user.startswith("sys-") and len(nats_user) <= 64:
            async with self.ctx.uow() as uow:
                s = await uow.systems.by_nats_user(nats_user)
        ok = await bcrypt_matches(password, s.nats_password_hash if s else None)
        return s if s is not None and ok and s.active else None

    async def credentials_ended_since(self, since: datetime) -> list[tuple[str, datetime | None]]:
        async with self.ctx.uow() as uow:
            return await uow.systems.credentials_ended_since(since)  # type: ignore[no-any-return]

    def webhook_secret(self, s: SystemRecord) -> str | None:
        if not s.webhook_secret_cipher or not s.webhook_secret_key_id or self.ctx.cipher is None:
            return None
        return self.ctx.cipher.decrypt_text(s.webhook_secret_key_id, s.webhook_secret_cipher, f"webhook:{s.id}")
