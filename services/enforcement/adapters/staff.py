"""Who holds the `inspector` role in a tenant: identity's `ListStaff`, asked as the
enforcement platform service (the demo seed registers them as inspectors)."""

from __future__ import annotations

from typing import Protocol

import grpc

from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.platform_token import PlatformToken


class Staff(Protocol):
    async def inspectors(self, tenant_id: str) -> list[tuple[str, str]]: ...


class IdentityStaff:
    def __init__(self, channel: grpc.aio.Channel, token: PlatformToken) -> None:
        self.stub = identity_pb2_grpc.IdentityServiceStub(channel)
        self.token = token

    async def inspectors(self, tenant_id: str) -> list[tuple[str, str]]:
        """(user id, name) of the tenant's active staff holding `inspector` there, by name."""
        found: list[tuple[str, str]] = []
        page = ""
        for _ in range(100):
            resp = await self.stub.ListStaff(identity_pb2.ListStaffRequest(tenant_id=tenant_id, page_size=100, page_token=page),
                                             metadata=await self.token.metadata())
            for u in resp.users:
                active = u.status in (identity_pb2.USER_STATUS_ACTIVE, identity_pb2.USER_STATUS_UNSPECIFIED)
                if active and any(b.tenant_id == tenant_id and b.role == "inspector" for b in u.roles):
                    found.append((u.id, u.name))
            page = resp.next_page_token
            if not page:
                break
        return sorted(found, key=lambda f: (f[1], f[0]))
