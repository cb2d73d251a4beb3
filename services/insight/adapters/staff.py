"""Identity's staff listings, read as a platform service (`ListStaff` with insight's
platform token): every staff account of a tenant with its roles, status, creation and
last sign-in as identity stored them, so insight knows accounts that have not signed in
since it began watching."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import grpc

from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.platform_token import PlatformToken
from services.insight.adapters.paged import pages, time_of

MAX_PAGES = 200


@dataclass(frozen=True)
class StaffAccount:
    user_id: uuid.UUID
    tenant_id: str
    name: str
    roles: list[str]  # "tenant:role", every binding the account holds
    disabled: bool
    created_at: datetime | None
    last_sign_in_at: datetime | None


class StaffListings:
    def __init__(self, channel: grpc.aio.Channel, token: PlatformToken) -> None:
        self.stub = identity_pb2_grpc.IdentityServiceStub(channel)
        self.token = token

    async def staff(self, tenant_id: str) -> AsyncIterator[StaffAccount]:
        """Every staff account of the tenant, page after page (a tenant identity does not know: none)."""
        async def fetch(token: str) -> identity_pb2.ListStaffResponse:
            return await self.stub.ListStaff(identity_pb2.ListStaffRequest(tenant_id=tenant_id, page_size=100, page_token=token),
                                             metadata=await self.token.metadata())

        async for resp in pages(fetch, MAX_PAGES, unknown_is_empty=True):
            for u in resp.users:
                yield StaffAccount(uuid.UUID(u.id), u.tenant_id, u.name[:100], [f"{b.tenant_id}:{b.role}" for b in u.roles][:50],
                                   u.status == identity_pb2.USER_STATUS_DISABLED, time_of(u, "create_time"), time_of(u, "last_sign_in_time"))
