"""What notify asks identity, as a platform service (docs/identity.md, "Platform services").

- `PlatformToken` (`mgov_common.platform_token`) proves notify to identity;
- `StaffDirectory` lists a tenant's staff with their roles (who gets a task), cached
  per tenant for `ttl_s`, and served stale for up to `stale_s` when identity is down,
  so a short identity outage does not hold notifications back;
- `ContactDirectory` fetches a recipient's phone number at send time. It is never
  stored or cached: the only copy stays encrypted in identity, each read is audited.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import grpc

from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.platform_token import PlatformToken

__all__ = ["Contact", "ContactDirectory", "PlatformToken", "StaffDirectory", "StaffMember"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffMember:
    user_id: str
    roles: frozenset[str]  # roles held in the listed tenant


class StaffDirectory:
    def __init__(self, channel: grpc.aio.Channel, token: PlatformToken, *, ttl_s: float = 60.0, stale_s: float = 3600.0) -> None:
        self.stub = identity_pb2_grpc.IdentityServiceStub(channel)
        self.token = token
        self.ttl_s = ttl_s
        self.stale_s = stale_s
        self._cache: dict[str, tuple[float, list[StaffMember]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def _fetch(self, tenant_id: str) -> list[StaffMember]:
        members: list[StaffMember] = []
        page = ""
        for _ in range(100):
            resp = await self.stub.ListStaff(identity_pb2.ListStaffRequest(tenant_id=tenant_id, page_size=100, page_token=page),
                                             metadata=await self.token.metadata())
            for u in resp.users:
                if u.status in (identity_pb2.USER_STATUS_ACTIVE, identity_pb2.USER_STATUS_UNSPECIFIED):
                    members.append(StaffMember(u.id, frozenset(b.role for b in u.roles if b.tenant_id == tenant_id)))
            page = resp.next_page_token
            if not page:
                break
        return members

    async def members(self, tenant_id: str, roles: set[str]) -> list[str]:
        """Ids of the tenant's staff holding any of `roles`."""
        lock = self._locks.setdefault(tenant_id, asyncio.Lock())
        async with lock:
            cached = self._cache.get(tenant_id)
            age = time.monotonic() - cached[0] if cached else float("inf")
            if age > self.ttl_s:
                try:
                    self._cache[tenant_id] = cached = (time.monotonic(), await self._fetch(tenant_id))
                except grpc.aio.AioRpcError as exc:
                    if exc.code() == grpc.StatusCode.NOT_FOUND:
                        return []
                    if cached is None or age > self.stale_s:
                        raise
                    log.warning("identity unavailable; using the cached staff list", extra={"tenant": tenant_id, "age_s": round(age)})
        assert cached is not None
        return [m.user_id for m in cached[1] if m.roles & roles]


@dataclass(frozen=True)
class Contact:
    user_id: str
    phone: str
    active: bool


class ContactDirectory:
    def __init__(self, channel: grpc.aio.Channel, token: PlatformToken) -> None:
        self.stub = identity_pb2_grpc.IdentityServiceStub(channel)
        self.token = token

    async def contact(self, user_id: str) -> Contact | None:
        resp = await self.stub.GetContacts(identity_pb2.GetContactsRequest(user_ids=[user_id]), metadata=await self.token.metadata())
        for c in resp.contacts:
            if c.user_id == user_id:
                return Contact(c.user_id, c.phone, c.active)
        return None
