"""Which items a tenant offers: its own, its localisations, and what it inherits.

The province defines base items; every city and county sees them. Walking up the tree
from a tenant (itself first, then its parent, ... the province last), the first tenant
that has decided something about an item decides for the whole subtree below it:

- a published localisation of the item: that localisation is offered;
- an opt-out: the item is not offered (an opt-out and a localisation of the same
  tenant: the opt-out wins, so opting out needs no retiring);
- nobody on the way decided: the base item itself (if published) is offered.

So a county under a city that localised an item offers the city's localisation unless
it localises or opts out itself. This module is the rule in plain Python; the
repository runs the same rule in SQL (`adapters/search_sql.py`), and a test holds them
to the same answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mgov_common.tenant_tree import TenantNode


@dataclass(frozen=True)
class Candidate:
    """A published item of some tenant on the chain."""

    item_id: uuid.UUID
    tenant_id: str
    lineage: uuid.UUID  # the base item's id (itself for a base item)


def chain_of(tenant_id: str, nodes: Iterable[TenantNode]) -> list[str]:
    """The tenant and its ancestors, nearest first; empty when the tenant is unknown."""
    by_id = {n.id: n for n in nodes}
    out: list[str] = []
    current = by_id.get(tenant_id)
    while current is not None and current.id not in out:
        out.append(current.id)
        current = by_id.get(current.parent_id) if current.parent_id else None
    return out


def effective(chain: Sequence[str], candidates: Iterable[Candidate], opt_outs: Iterable[tuple[str, uuid.UUID]]) -> set[uuid.UUID]:
    """Ids of the items offered by `chain[0]` (see the module docstring)."""
    depth = {t: i for i, t in enumerate(chain)}
    # (depth, 0 = opt-out / 1 = item) -> the nearest decision wins, an opt-out before an item.
    decided: dict[uuid.UUID, tuple[int, int, uuid.UUID | None]] = {}
    entries: list[tuple[uuid.UUID, int, int, uuid.UUID | None]] = []
    for cand in candidates:
        if cand.tenant_id in depth:
            entries.append((cand.lineage, depth[cand.tenant_id], 1, cand.item_id))
    for tenant, lineage in opt_outs:
        if tenant in depth:
            entries.append((lineage, depth[tenant], 0, None))
    for lineage, d, kind, item in entries:
        best = decided.get(lineage)
        if best is None or (d, kind) < best[:2]:
            decided[lineage] = (d, kind, item)
    return {item for _, kind, item in decided.values() if kind == 1 and item is not None}
