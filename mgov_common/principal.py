"""The verified caller of a request, as every service sees it.

A principal comes only from a verified access token (`mgov_common.auth`): the gateway
forwards the caller's bearer token in gRPC metadata and each service verifies it
locally against the cached JWKS. Roles are bindings `(tenant, role)`: one person may
hold roles in several tenants (a clerk in `xihu` who is also a citizen of `hangzhou`).

A tenant system (kind `system`) holds no role at all: its token carries `grants`, the
event types its registration allows, and services let it do exactly what those types
mean on its own tenant (docs/access.md). A platform service (kind `platform`) is
decided per RPC by kind.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

from mgov_common.errors import PermissionDenied, Unauthenticated

USER = "user"
SYSTEM = "system"
PLATFORM = "platform"
# A person without an account who proved a phone by SMS code (a phone token, audience
# `mgov-phone`: never accepted where an access token is). Only 随手拍 reports take one.
PHONE = "phone"

# Identity levels (token claim `lvl`, mgov.common.v1.IdentityLevel): a phone-registered
# user is BASIC; one who added a checksum-valid national ID number is REAL_NAME.
BASIC = 1
REAL_NAME = 2


@dataclass(frozen=True)
class RoleBinding:
    tenant: str
    role: str

    def encode(self) -> str:
        return f"{self.tenant}:{self.role}"

    @classmethod
    def decode(cls, raw: str) -> "RoleBinding":
        tenant, sep, role = raw.partition(":")
        if not sep or not tenant or not role:
            raise ValueError(f"a role binding is 'tenant:role', got {raw!r}")
        return cls(tenant, role)


@dataclass(frozen=True)
class Principal:
    subject: str  # user id, system id, or platform service name
    tenant: str  # home tenant (residence for citizens, own tenant for staff and systems)
    roles: frozenset[RoleBinding] = field(default_factory=frozenset)
    kind: str = USER
    token_id: str = ""
    identity_level: int = 1
    # Event types a tenant system is registered for (empty for users and platform services).
    grants: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_person(self) -> bool:
        return self.kind == USER

    def system_may(self, event_type: str, tenant: str) -> bool:
        """Is this a tenant system of `tenant` whose registration grants `event_type`?"""
        return self.kind == SYSTEM and self.tenant == tenant and event_type in self.grants

    def has_role(self, role: str, tenant: str) -> bool:
        return RoleBinding(tenant, role) in self.roles

    def tenants_with(self, *roles: str) -> set[str]:
        """Tenants in which the principal holds any of `roles`."""
        return {b.tenant for b in self.roles if b.role in roles}

    def roles_in(self, tenant: str) -> set[str]:
        return {b.role for b in self.roles if b.tenant == tenant}


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("mgov_principal", default=None)
_token: contextvars.ContextVar[str | None] = contextvars.ContextVar("mgov_access_token", default=None)


def current_principal() -> Principal | None:
    """The verified caller of the RPC being handled, or None for an anonymous call."""
    return _current.get()


def require_principal() -> Principal:
    principal = _current.get()
    if principal is None:
        raise Unauthenticated("sign in first: this call needs an access token", code="unauthenticated")
    return principal


def require_person() -> Principal:
    """The caller, if it is a person (kind `user`); systems and platform services are
    refused with PERMISSION_DENIED `user_only`: inboxes, devices, preferences and
    sessions belong to people."""
    principal = require_principal()
    if not principal.is_person:
        raise PermissionDenied("only a signed-in person may do this, not a system or service", code="user_only")
    return principal


def require_platform_service(name: str, listing: str, principal: Principal | None = None) -> Principal:
    """The caller, if it is the platform service `name` (its platform token: no tenant);
    anyone else, people and other platform services alike, is PERMISSION_DENIED, an
    anonymous caller UNAUTHENTICATED. For listings only one service reads (`listing`
    names it in the refusal)."""
    p = principal if principal is not None else require_principal()
    if not (p.kind == PLATFORM and p.subject == name and not p.tenant):
        raise PermissionDenied(f"only the {name} service reads {listing}", code="forbidden")
    return p


def current_access_token() -> str | None:
    """The caller's bearer token, to forward when this service calls another."""
    return _token.get()


def bind(principal: Principal | None, token: str | None) -> tuple[contextvars.Token, contextvars.Token]:  # type: ignore[type-arg]
    return _current.set(principal), _token.set(token)


def unbind(tokens: tuple[contextvars.Token, contextvars.Token]) -> None:  # type: ignore[type-arg]
    _current.reset(tokens[0])
    _token.reset(tokens[1])


def require_identity_level(level: int) -> Principal:
    """The caller, if signed in with at least `level` (e.g. REAL_NAME for applications
    that need a verified identity); PERMISSION_DENIED `identity_level_required` otherwise,
    so the app can send the user to add their ID number and sign in again."""
    principal = require_principal()
    if principal.identity_level < level:
        raise PermissionDenied(
            f"this needs identity level {level}; add a national ID number, then refresh the token",
            code="identity_level_required",
        )
    return principal
