"""Who may administer a tenant's catalogue.

- `tenant_admin` of the tenant itself (a city admin administers the city's items, not
  another city's, nor its counties': each county has its own admin);
- `province_admin` of any ancestor-or-self (the province admin administers the whole
  subtree);
- a registered back-office system of the tenant itself (principal kind `system`), only
  for what its registration grants: drafting and publishing items with
  `mgov.catalog.item.updated.v1`, publishing notices with `mgov.notice.published.v1`;
  never retiring items or opting out of inherited ones;
- another platform service's work applied here from its events (principal kind
  `platform` made in-process by a consumer: tokens carry grants for systems alone), only
  for its tenant and the grant the consumer gives it — the enforcement service's 一公开
  results notices (`mgov.notice.published.v1`).

Citizens, clerks and approvers administer nothing; anonymous callers must sign in.
"""

from __future__ import annotations

from collections.abc import Sequence

from mgov_common.errors import PermissionDenied
from mgov_common.principal import PLATFORM, SYSTEM, Principal, require_principal

TENANT_ADMIN = "tenant_admin"
PROVINCE_ADMIN = "province_admin"


def may_administer(principal: Principal, chain: Sequence[str], grant: str | None = None) -> bool:
    """`chain` is the target tenant and its ancestors, nearest first; `grant` the event
    type whose registration lets a tenant system do this too (None: no system may)."""
    if not chain:
        return False
    tenant = chain[0]
    if principal.kind == SYSTEM:
        return grant is not None and principal.system_may(grant, tenant)
    if principal.kind == PLATFORM:
        return grant is not None and grant in principal.grants and principal.tenant == tenant
    if principal.has_role(TENANT_ADMIN, tenant):
        return True
    return any(principal.has_role(PROVINCE_ADMIN, t) for t in chain)


def require_admin(principal: Principal | None, chain: Sequence[str], grant: str | None = None) -> Principal:
    """The principal, if it may administer `chain[0]`; otherwise 401 or 403."""
    if principal is None:
        principal = require_principal()  # raises Unauthenticated
    if not may_administer(principal, chain, grant):
        raise PermissionDenied(f"you may not administer the catalogue of {chain[0] if chain else 'this tenant'}", code="not_tenant_admin")
    return principal


def actor_of(principal: Principal) -> dict[str, str]:
    return {"kind": principal.kind, "id": principal.subject, "tenant_id": principal.tenant}
