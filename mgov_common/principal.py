"""The caller's verified principal as it travels in gRPC metadata (DESIGN §2).

The gateway (or a service acting for a user) verifies the access token and passes the
resulting principal along; services read it from metadata instead of trusting fields
of the request message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

USER_KEY = "x-mgov-user"
TENANT_KEY = "x-mgov-tenant"
ROLES_KEY = "x-mgov-roles"
KIND_KEY = "x-mgov-principal-kind"


@dataclass(frozen=True)
class Principal:
    subject: str  # user id, or system id for a tenant system
    tenant: str
    roles: frozenset[str] = field(default_factory=frozenset)
    kind: str = "user"  # "user" or "system"

    def to_metadata(self) -> list[tuple[str, str]]:
        return [
            (USER_KEY, self.subject),
            (TENANT_KEY, self.tenant),
            (ROLES_KEY, ",".join(sorted(self.roles))),
            (KIND_KEY, self.kind),
        ]

    @classmethod
    def from_metadata(cls, metadata: Iterable[tuple[str, str | bytes]] | None) -> "Principal | None":
        md = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in (metadata or ())}
        if not md.get(USER_KEY) or not md.get(TENANT_KEY):
            return None
        roles = frozenset(r for r in md.get(ROLES_KEY, "").split(",") if r)
        return cls(md[USER_KEY], md[TENANT_KEY], roles, md.get(KIND_KEY, "user"))

    def has_any(self, roles: Sequence[str]) -> bool:
        return bool(self.roles.intersection(roles))
