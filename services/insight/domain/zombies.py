"""What counts as dead, under a tenant's thresholds (pure: the clock is an argument).

An item is unused when it is published and neither published nor applied for within
`item_unused_days`; its guide is stale when no version was published within
`guide_stale_days`; a system is silent when it is active and sent nothing (since its
registration) within `system_silent_days`; a staff account is idle when it is not
disabled and did not sign in (or, never signed in, was not created) within
`account_idle_days`; a tenant's notices are stale when its newest notice is older than
`notice_stale_days` (a tenant that never published one, though it publishes items: since
its first published item appeared); a department is unstaffed when one of its open cases waits, longer
than `department_unstaffed_days`, on roles no active staff account holds where they reach
the case. "Within N days" is strict: idle for exactly N days is not yet a zombie, N days
and a moment is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

KINDS = ("item_unused", "guide_stale", "notice_stale", "system_silent", "account_idle", "department_unstaffed")
# What may be done from the list ("": nothing the list can do; someone must publish a
# notice or grant a role, which the owning services' own pages do).
ACTIONS = {"item_unused": "retire_item", "guide_stale": "retire_item", "notice_stale": "", "system_silent": "revoke_system",
           "account_idle": "disable_account", "department_unstaffed": ""}
# The name of a `notice_stale` zombie whose tenant never published a notice (its target: the tenant itself).
NO_NOTICE = {"zh": "从未发布信息公开", "en": "no notice ever published"}
# Roles whose holders act on cases (not the applicant's `owner`, not the payment service).
CASE_STAFF_ROLES = frozenset({"clerk", "approver", "supervisor", "dispatcher", "tenant_admin", "province_admin"})


@dataclass(frozen=True)
class Thresholds:
    item_unused_days: int = 90
    guide_stale_days: int = 365
    system_silent_days: int = 30
    account_idle_days: int = 90
    source_tenant_id: str = ""
    notice_stale_days: int = 180
    department_unstaffed_days: int = 1

    def days(self, kind: str) -> int:
        return int(getattr(self, f"{kind}_days"))


DEFAULTS = Thresholds()
THRESHOLD_FIELDS = ("item_unused_days", "guide_stale_days", "system_silent_days", "account_idle_days", "notice_stale_days",
                    "department_unstaffed_days")


@dataclass(frozen=True)
class Zombie:
    kind: str
    tenant_id: str
    target_id: str
    name: dict[str, str]
    last_active: datetime | None
    idle_days: int
    threshold_days: int

    @property
    def action(self) -> str:
        return ACTIONS[self.kind]


def idle(kind: str, tenant_id: str, target_id: str, name: dict[str, str], last_active: datetime, now: datetime,
         thresholds: Thresholds) -> Zombie | None:
    """The zombie, when `last_active` lies more than the kind's threshold before `now`."""
    limit = thresholds.days(kind)
    if now - last_active <= timedelta(days=limit):
        return None
    return Zombie(kind, tenant_id, target_id, name, last_active, (now - last_active).days, limit)


def chain(tenant: str, parents: Mapping[str, str | None]) -> list[str]:
    """The tenant, then its ancestors up to the root (`parents`: each tenant's parent)."""
    out: list[str] = []
    cur: str | None = tenant
    while cur is not None and len(out) < 10:
        out.append(cur)
        cur = parents.get(cur)
    return out


def threshold_for(chain: list[str], own: dict[str, Thresholds]) -> Thresholds:
    """The nearest tenant's thresholds in `chain` (the tenant, then its ancestors), else the defaults."""
    for tenant in chain:
        if tenant in own:
            return own[tenant]
    return DEFAULTS


def able_to_act(bindings: Iterable[str], case_chain: list[str], provinces: frozenset[str], roles: Iterable[str]) -> bool:
    """Does a staff account holding `bindings` ("tenant:role") act on a case of
    `case_chain[0]` waiting on `roles`? As the workflow service decides: a role held in
    the case's tenant, or in the province above it, reaches the case."""
    wanted = set(roles) & CASE_STAFF_ROLES
    for b in bindings:
        tenant, _, role = b.partition(":")
        if role in wanted and (tenant == case_chain[0] or (tenant in provinces and tenant in case_chain)):
            return True
    return False


def stranded(waiting_roles: Iterable[str], case_chain: list[str], provinces: frozenset[str], staff: Iterable[Iterable[str]]) -> bool:
    """A case waits on staff (some of its roles are staff roles) and no account in `staff`
    (each its bindings) can act on it."""
    roles = set(waiting_roles) & CASE_STAFF_ROLES
    return bool(roles) and not any(able_to_act(b, case_chain, provinces, roles) for b in staff)


def oldest_waits(cases: Iterable[tuple[str, str, datetime]]) -> Mapping[tuple[str, str], datetime]:
    """(tenant, department) → since when its longest-stranded case waits."""
    out: dict[tuple[str, str], datetime] = {}
    for tenant, department, since in cases:
        key = (tenant, department)
        if key not in out or since < out[key]:
            out[key] = since
    return out


@dataclass(frozen=True)
class Staffing:
    """A department's open cases, those of them no one can act on, and who can act there."""
    open_cases: int
    open_cases_unstaffed: int
    staff_able_to_act: int


def staffing(open_case_roles: Iterable[Iterable[str]], case_chain: list[str], provinces: frozenset[str],
             staff: Iterable[Iterable[str]]) -> Staffing:
    """For the department of `case_chain[0]`: its open cases (each the roles it waits on),
    how many of them are stranded, and how many of the accounts in `staff` (each its
    bindings) hold a case-handling role that reaches the tenant."""
    accounts = [list(b) for b in staff]
    waiting = [list(r) for r in open_case_roles]
    return Staffing(len(waiting), sum(1 for r in waiting if stranded(r, case_chain, provinces, accounts)),
                    sum(1 for b in accounts if able_to_act(b, case_chain, provinces, CASE_STAFF_ROLES)))
