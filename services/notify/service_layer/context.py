"""What the handlers need, built once by `bootstrap` (or by a test with its own clock,
providers and directories)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

import asyncpg

from services.notify.adapters.cache import ReferenceCache
from mgov_common.clock import Clock
from mgov_common.outbound import OutboundGuard
from mgov_common.paging import PageTokens
from services.notify.adapters.identity import Contact
from services.notify.adapters.push import PushProvider
from services.notify.adapters.sms import SmsProvider
from services.notify.domain.categories import IN_APP, PUSH, SMS
from services.notify.domain.delivery import RetryPolicy
from services.notify.domain.devices import EndpointPolicy
from services.notify.domain.rate_limit import Bucket


class Staff(Protocol):
    async def members(self, tenant_id: str, roles: set[str]) -> list[str]: ...


class Contacts(Protocol):
    async def contact(self, user_id: str) -> Contact | None: ...


@dataclass
class Context:
    pool: asyncpg.Pool
    clock: Clock
    staff: Staff
    contacts: Contacts
    sms: SmsProvider | None = None
    push: list[PushProvider] = field(default_factory=list)
    endpoint_policy: EndpointPolicy = field(default_factory=EndpointPolicy)
    # Web Push endpoints are checked by it when registered (and by the provider's client at each send).
    outbound: OutboundGuard = field(default_factory=OutboundGuard)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rates: dict[str, Bucket] = field(default_factory=dict)
    sms_sign_name: str = "浙里办"
    vapid_public_key: str = ""
    rating_delay: timedelta = timedelta(days=3)
    send_lease: timedelta = timedelta(seconds=60)
    # Tenant chains and templates, shared by the dispatcher and the template admin.
    cache: ReferenceCache = field(default_factory=ReferenceCache)
    # Signs the page tokens of every list (the platform's page-token secret).
    pages: PageTokens = field(default_factory=PageTokens.ephemeral)

    def channels(self) -> tuple[str, ...]:
        """The channels this deployment can deliver on."""
        return (IN_APP,) + ((PUSH,) if self.push else ()) + ((SMS,) if self.sms is not None else ())
