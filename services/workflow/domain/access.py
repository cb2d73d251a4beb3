"""Who may see and act on what: roles held per tenant, the tenant tree, systems.

- A staff role held in tenant T covers cases of T; held in the province tenant it
  covers the province's whole subtree ("province roles: their subtree").
- The applicant is `owner` of their case.
- A tenant system (principal kind `system`) holds no role. If its registration grants
  `mgov.case.status_changed.v1`, it may read the cases of its own tenant and take the
  actions that case handlers (clerk, approver, supervisor) take on them: it is the
  city's back office reporting what happened there. It never administers (definitions,
  calendars, settings), sees inboxes or statistics, claims or assigns.
Everything a caller may not see answers NOT_FOUND, so ids of other cities' cases leak
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mgov_common.ingest import CASE_STATUS_CHANGED, REPORT_ACTION
from mgov_common.principal import PHONE, PLATFORM, SYSTEM, USER, Principal
from mgov_common.tenant_tree import TenantNode
from services.workflow.domain.application import Actor
from services.workflow.domain.roles import HANDLER_ROLES, OWNER, PAYMENT, STAFF_ROLES

PROVINCE = "province"
CITY = "city"


class TenantTree:
    def __init__(self, nodes: Iterable[TenantNode]) -> None:
        self.nodes: Mapping[str, TenantNode] = {n.id: n for n in nodes}
        children: dict[str, list[str]] = {}
        for n in self.nodes.values():
            if n.parent_id:
                children.setdefault(n.parent_id, []).append(n.id)
        self._children = children

    def __contains__(self, tenant: str) -> bool:
        return tenant in self.nodes

    def ancestors(self, tenant: str) -> list[str]:
        """`tenant` and its ancestors, nearest first (just `tenant` when unknown)."""
        out, cur = [], tenant
        while cur and cur not in out:
            out.append(cur)
            node = self.nodes.get(cur)
            cur = node.parent_id if node else None
        return out

    def subtree(self, tenant: str) -> list[str]:
        out, todo = [], [tenant]
        while todo:
            t = todo.pop()
            if t in out:
                continue
            out.append(t)
            todo += self._children.get(t, [])
        return out

    def level(self, tenant: str) -> str:
        node = self.nodes.get(tenant)
        return node.level if node else ""

    def city_of(self, tenant: str) -> TenantNode | None:
        for t in self.ancestors(tenant):
            node = self.nodes.get(t)
            if node and node.level == CITY:
                return node
        return self.nodes.get(tenant)

    def covers(self, holder: str, tenant: str) -> bool:
        """Does a role held in `holder` reach cases of `tenant`?"""
        return holder == tenant or (self.level(holder) == PROVINCE and holder in self.ancestors(tenant))


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.kind, principal.subject, principal.tenant)


def roles_on_case(principal: Principal, case_tenant: str, applicant_id: str, tree: TenantTree, kind: str = "application") -> set[str]:
    """`kind` "report": a system acts on reports when registered for report actions."""
    if principal.kind == SYSTEM:
        grant = REPORT_ACTION if kind == "report" else CASE_STATUS_CHANGED
        return set(HANDLER_ROLES) if principal.system_may(grant, case_tenant) else set()
    if principal.kind == PLATFORM:
        # Only the payment service acts on cases, and only through `payment` actions.
        return {PAYMENT} if principal.subject == "payment" else set()
    roles: set[str] = set()
    # PHONE: a reporter without an account, holding the token bound to this report (report_access).
    if principal.kind in (USER, PHONE) and principal.subject == applicant_id:
        roles.add(OWNER)
    for b in principal.roles:
        if b.role in STAFF_ROLES and tree.covers(b.tenant, case_tenant):
            roles.add(b.role)
    return roles


def staff_roles_in(principal: Principal, tenant: str, tree: TenantTree) -> set[str]:
    """Staff roles the caller holds that reach `tenant` (a system holds none)."""
    if principal.kind != USER:
        return set()
    return roles_on_case(principal, tenant, "", tree) - {OWNER}


def inbox_keys(principal: Principal, tree: TenantTree, tenant: str | None = None) -> list[str]:
    """The caller's "tenant:role" pairs (province roles expanded to their subtree),
    limited to `tenant` and its subtree when given."""
    keys: set[str] = set()
    for b in principal.roles:
        if b.role not in STAFF_ROLES:
            continue
        reach = tree.subtree(b.tenant) if tree.level(b.tenant) == PROVINCE else [b.tenant]
        for t in reach:
            keys.add(f"{t}:{b.role}")
    if tenant:
        allowed = set(tree.subtree(tenant))
        keys = {k for k in keys if k.split(":", 1)[0] in allowed}
    return sorted(keys)
