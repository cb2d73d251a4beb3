"""Small helpers shared by the handlers: the signed-in caller, ids from requests."""

from __future__ import annotations

import uuid
from dataclasses import replace

from mgov_common.errors import InvalidArgument, PermissionDenied, Unauthenticated
from mgov_common.principal import Principal
from services.identity.domain.audit import AuditEntry


def signed_in(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("sign in first: this call needs an access token", code="unauthenticated")
    return principal


def signed_in_person(principal: Principal | None) -> Principal:
    """The caller, if a person: a system or platform token has no account or sessions."""
    p = signed_in(principal)
    if not p.is_person:
        raise PermissionDenied("only a signed-in person may do this, not a system or service", code="user_only")
    return p


def parse_user_id(value: str, field: str = "user_id") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError):
        raise InvalidArgument("not a user id", field=field, code="invalid_user_id") from None


def actor(principal: Principal | None, source_address: str | None = None, **fields: object) -> AuditEntry:
    """An audit entry attributed to the caller (fill in action, subject, ...)."""
    base = AuditEntry("", "success", principal.kind if principal else "anonymous",
                      principal.subject if principal else None, principal.tenant if principal else None,
                      None, source_address or None, {})
    return replace(base, **fields)  # type: ignore[arg-type]
