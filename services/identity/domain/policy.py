"""Who may administer what in the tenant tree (pure: principal + tenant path -> bool).

A *path* is the chain from the province down to a tenant, e.g. [zhejiang, hangzhou,
xihu]. The rules (docs/identity.md):

- `province_admin` in the province administers the whole tree;
- `tenant_admin` of a tenant administers its staff and roles and its names;
- `tenant_admin` of a city also administers the counties under it (it creates them, so
  it onboards their first admins), but never its sibling cities or their counties;
- only a province admin grants or removes `province_admin`, and only in the province.
"""

from __future__ import annotations

from collections.abc import Sequence

from mgov_common.principal import PLATFORM, Principal
from services.identity.domain.roles import PROVINCE_ADMIN, STAFF_ROLES, TENANT_ADMIN
from services.identity.domain.tenants import Level, Tenant


def is_province_admin(principal: Principal | None, path: Sequence[Tenant]) -> bool:
    return principal is not None and bool(path) and principal.has_role(PROVINCE_ADMIN, path[0].id)


def administers(principal: Principal | None, path: Sequence[Tenant]) -> bool:
    """May manage staff, roles and names of `path[-1]`."""
    if principal is None or not path:
        return False
    if is_province_admin(principal, path):
        return True
    target = path[-1]
    if principal.has_role(TENANT_ADMIN, target.id):
        return True
    parent = path[-2] if len(path) >= 2 else None
    return parent is not None and parent.level is Level.CITY and principal.has_role(TENANT_ADMIN, parent.id)


def may_grant(principal: Principal | None, path: Sequence[Tenant], role: str) -> bool:
    if role == PROVINCE_ADMIN:
        return is_province_admin(principal, path) and len(path) == 1
    return role in STAFF_ROLES and administers(principal, path)


def may_create_child(principal: Principal | None, parent_path: Sequence[Tenant]) -> bool:
    """Cities: province admins. Counties: province admins and the city's own admins."""
    if is_province_admin(principal, parent_path):
        return True
    parent = parent_path[-1] if parent_path else None
    return principal is not None and parent is not None and parent.level is Level.CITY and principal.has_role(TENANT_ADMIN, parent.id)


def may_update(principal: Principal | None, path: Sequence[Tenant], *, status_change: bool) -> bool:
    """Admins of an ancestor change anything; a tenant's own admin only its names."""
    if is_province_admin(principal, path):
        return True
    if len(path) >= 2 and may_create_child(principal, path[:-1]):
        return True
    return not status_change and principal is not None and principal.has_role(TENANT_ADMIN, path[-1].id)


def may_view_user(principal: Principal | None, user_id: str, paths: Sequence[Sequence[Tenant]]) -> bool:
    """The user, staff of a tenant where the user holds a role (incl. home), or its admins.

    `paths` are the paths of the user's home tenant and of every tenant of their roles.
    """
    if principal is None:
        return False
    if principal.subject == user_id:
        return True
    for path in paths:
        if administers(principal, path) or principal.roles_in(path[-1].id) & STAFF_ROLES:
            return True
    return False


def is_platform_service(principal: Principal | None) -> bool:
    """A platform service holding a platform token (only configured services get one)."""
    return principal is not None and principal.kind == PLATFORM
