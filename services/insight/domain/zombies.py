"""What counts as dead, under a tenant's thresholds (pure: the clock is an argument).

An item is unused when it is published and neither published nor applied for within
`item_unused_days`; its guide is stale when no version was published within
`guide_stale_days`; a system is silent when it is active and sent nothing (since its
registration) within `system_silent_days`; a staff account is idle when it is not
disabled and did not sign in within `account_idle_days`. "Within N days" is strict: idle
for exactly N days is not yet a zombie, N days and a moment is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

KINDS = ("item_unused", "guide_stale", "system_silent", "account_idle")
ACTIONS = {"item_unused": "retire_item", "guide_stale": "retire_item", "system_silent": "revoke_system",
           "account_idle": "disable_account"}


@dataclass(frozen=True)
class Thresholds:
    item_unused_days: int = 90
    guide_stale_days: int = 365
    system_silent_days: int = 30
    account_idle_days: int = 90
    source_tenant_id: str = ""

    def days(self, kind: str) -> int:
        return {"item_unused": self.item_unused_days, "guide_stale": self.guide_stale_days,
                "system_silent": self.system_silent_days, "account_idle": self.account_idle_days}[kind]


DEFAULTS = Thresholds()


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


def threshold_for(chain: list[str], own: dict[str, Thresholds]) -> Thresholds:
    """The nearest tenant's thresholds in `chain` (the tenant, then its ancestors), else the defaults."""
    for tenant in chain:
        if tenant in own:
            return own[tenant]
    return DEFAULTS
