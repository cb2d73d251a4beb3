"""Staff accounts from identity's listings: the backfill of what sign-in events alone
cannot tell insight.

`mgov.identity.user.signed_in` events show an account only when it signs in, and the
streams keep 30 days: an account that last signed in long ago, before insight watched,
would never be listed as idle, and roles granted or removed since the last sign-in would
be unknown. So insight reads identity's staff listing of every tenant (as a platform
service) at start, then every `MGOV_INSIGHT_STAFF_SYNC_INTERVAL_S` (with the other
listings: service_layer/backfill.py): each account with its
roles, status, creation and last sign-in as identity stored them. A rebuild keeps these
rows (`accounts` is not emptied).
It is merged with what the events say (the later sign-in and the newer roles win), so the
order of the two never matters.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from services.insight.adapters.aggregates import Aggregates
from services.insight.adapters.staff import StaffAccount
from services.insight.domain.facts import is_staff
from services.insight.service_layer.context import Context

log = logging.getLogger(__name__)


class Listings(Protocol):
    def staff(self, tenant_id: str) -> AsyncIterator[StaffAccount]: ...


@dataclass
class SyncResult:
    tenants: int = 0
    accounts: int = 0


async def sync(ctx: Context, listings: Listings) -> SyncResult:
    """Every tenant's staff as identity lists them now, merged into `accounts` (one
    transaction per tenant: a failure half-way leaves the tenants done so far)."""
    result = SyncResult()
    async with ctx.uow(begin=False) as uow:
        tenants = [n.id for n in await uow.tenants.all()]
    for tenant in tenants:
        accounts = [a async for a in listings.staff(tenant) if is_staff(a.roles)]
        now = ctx.clock.now()
        async with ctx.uow() as uow:
            agg = Aggregates(uow.conn)
            for a in accounts:
                await agg.staff_listed(a.user_id, a.tenant_id, a.name, a.roles, a.disabled, a.created_at, a.last_sign_in_at, now)
            await uow.commit()
        result.tenants += 1
        result.accounts += len(accounts)
    return result
