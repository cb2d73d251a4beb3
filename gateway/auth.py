"""Who is calling: the bearer token verified locally against the cached JWKS.

Routes take `SignedInDep` (sign-in required, 401 otherwise), `PersonDep` (a signed-in
person: a tenant system or platform service is 403 `user_only`) or `CallerDep`; calls to services forward the same token in gRPC metadata
(`CallerDep.metadata`) so each service verifies it again itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from gateway.problems import Problem
from gateway.system_registrations import registrations
from mgov_common.auth import TokenInvalid, TokenVerifier
from mgov_common.principal import SYSTEM, Principal

UNAUTHENTICATED_HEADERS = {"WWW-Authenticate": 'Bearer realm="mgov"'}


@dataclass(frozen=True)
class Caller:
    principal: Principal | None
    token: str | None
    source_address: str
    # For a tenant system: the event types it may publish (None for users).
    system_event_types: frozenset[str] | None = None

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),) if self.token else ()


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenInvalid("the Authorization header must be 'Bearer <access token>'")
    return token.strip()


async def caller_of(request: Request) -> Caller:
    """Who calls: `CallerDep`, or called directly by a route that resolves its needs in one
    dependency (the catalogue list, gateway/routers/services.py)."""
    token = _token(request)
    principal = None
    types = None
    if token is not None:
        verifier: TokenVerifier = request.app.state.verifier
        principal = await verifier.verify(token)
        if principal.kind == SYSTEM:
            # A system's token verifies until it expires; its registration says whether
            # it still may act (revocation takes effect within SYSTEM_CACHE_S).
            types = await registrations.allowed_types(principal.subject, principal.tenant, request.app.state.backends, (("authorization", f"Bearer {token}"),))
            if types is None:
                raise TokenInvalid("the system is revoked or unknown", code="system_revoked")
    client = request.client.host if request.client else ""
    return Caller(principal, token, client, types)


async def _signed_in(caller: Annotated[Caller, Depends(caller_of)]) -> Caller:
    if caller.principal is None:
        raise TokenInvalid("sign in first: this needs an access token", code="unauthenticated")
    return caller


def refuse_non_person(caller: Caller) -> None:
    """403 `user_only` unless the caller is a person (or anonymous: the route decides)."""
    if caller.principal is not None and not caller.principal.is_person:
        raise Problem(403, "user_only", "only a signed-in person may do this, not a tenant system or platform service")


async def _person(caller: Annotated[Caller, Depends(_signed_in)]) -> Caller:
    refuse_non_person(caller)
    return caller


# Roles that make a person staff of some tenant (what each allows is the services' to decide).
STAFF_ROLES = frozenset({"clerk", "approver", "supervisor", "tenant_admin", "province_admin", "dispatcher", "finance", "inspector"})


async def _staff(caller: Annotated[Caller, Depends(_person)]) -> Caller:
    assert caller.principal is not None
    if not caller.principal.tenants_with(*STAFF_ROLES):
        raise Problem(403, "staff_only", "this is staff work: it needs a staff role in some tenant")
    return caller


CallerDep = Annotated[Caller, Depends(caller_of)]
SignedInDep = Annotated[Caller, Depends(_signed_in)]
# Inboxes, devices, preferences, sessions, applications and staff work belong to people.
PersonDep = Annotated[Caller, Depends(_person)]
# Inboxes of cases and rectifications: people holding a staff role.
StaffDep = Annotated[Caller, Depends(_staff)]
