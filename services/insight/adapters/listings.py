"""Catalog's, identity's and workflow's listings, read as the platform service `insight`:
what each tenant has published (items, published or retired since, and its newest
notice: catalog's `ListPublications`), every tenant's systems (identity's `ListSystems`
across tenants) and when each item was last applied for in each tenant (workflow's
`ListItemUse`), page after page. They tell insight what events older than the streams
keep no longer can (service_layer/backfill.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import grpc

from mgov.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from mgov_common.platform_token import PlatformToken
from services.insight.adapters.paged import pages, time_of

MAX_PAGES = 1000  # of PAGE_SIZE each: a bound on one tenant's (or the systems') pass
PAGE_SIZE = 500


@dataclass(frozen=True)
class ListedItem:
    id: uuid.UUID
    tenant_id: str
    code: str
    name: dict[str, str]
    department: str
    retired: bool
    promised_limit_days: int
    first_published_at: datetime
    reviewed_at: datetime  # its newest version's publication


@dataclass(frozen=True)
class ListedNotice:
    id: uuid.UUID
    tenant_id: str
    title: dict[str, str]
    appeared_at: datetime


@dataclass(frozen=True)
class PublicationsPage:
    items: list[ListedItem]
    notice: ListedNotice | None


@dataclass(frozen=True)
class ListedSystem:
    id: str
    tenant_id: str
    name: str
    revoked: bool
    registered_at: datetime


@dataclass(frozen=True)
class ListedUse:
    item_id: uuid.UUID
    last_applied_at: datetime  # its newest case's submission (in the tenant listed)


def _text(t: object) -> dict[str, str]:
    return {k: str(getattr(t, k))[:200] for k in ("zh", "en")}


class PublicationListings:
    """Catalog's `ListPublications` of one tenant."""

    def __init__(self, channel: grpc.aio.Channel, token: PlatformToken) -> None:
        self.stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        self.token = token

    async def publications(self, tenant_id: str) -> AsyncIterator[PublicationsPage]:
        """The tenant's pages (a tenant catalog does not know: none)."""
        async def fetch(token: str) -> catalog_pb2.ListPublicationsResponse:
            return await self.stub.ListPublications(catalog_pb2.ListPublicationsRequest(tenant_id=tenant_id, page_size=PAGE_SIZE, page_token=token),
                                                    metadata=await self.token.metadata())

        async for resp in pages(fetch, MAX_PAGES, unknown_is_empty=True):
            items = []
            for i in resp.items:
                first, latest = time_of(i, "first_publish_time"), time_of(i, "latest_publish_time")
                if first is None or latest is None:
                    continue
                items.append(ListedItem(uuid.UUID(i.id), i.tenant_id[:40], i.code[:100], _text(i.name), i.department[:200],
                                        i.status == catalog_pb2.ITEM_STATUS_RETIRED, i.promised_limit_days, first, latest))
            notice = None
            if resp.HasField("newest_notice") and (appeared := time_of(resp.newest_notice, "create_time")) is not None:
                n = resp.newest_notice
                notice = ListedNotice(uuid.UUID(n.id), tenant_id, _text(n.title), appeared)
            yield PublicationsPage(items, notice)


class SystemListings:
    """Identity's `ListSystems` of every tenant (revoked ones too)."""

    def __init__(self, channel: grpc.aio.Channel, token: PlatformToken) -> None:
        self.stub = identity_pb2_grpc.IdentityServiceStub(channel)
        self.token = token

    async def systems(self) -> AsyncIterator[list[ListedSystem]]:
        async def fetch(token: str) -> identity_pb2.ListSystemsResponse:
            return await self.stub.ListSystems(identity_pb2.ListSystemsRequest(include_revoked=True, page_size=PAGE_SIZE, page_token=token),
                                               metadata=await self.token.metadata())

        async for resp in pages(fetch, MAX_PAGES):
            yield [ListedSystem(s.id[:64], s.tenant_id[:40], s.name[:200], s.status == identity_pb2.SYSTEM_STATUS_REVOKED, registered)
                   for s in resp.systems if (registered := time_of(s, "create_time")) is not None]


class ItemUseListings:
    """Workflow's `ListItemUse` of one tenant."""

    def __init__(self, channel: grpc.aio.Channel, token: PlatformToken) -> None:
        self.stub = workflow_pb2_grpc.WorkflowServiceStub(channel)
        self.token = token

    async def item_use(self, tenant_id: str) -> AsyncIterator[list[ListedUse]]:
        async def fetch(token: str) -> workflow_pb2.ListItemUseResponse:
            return await self.stub.ListItemUse(workflow_pb2.ListItemUseRequest(tenant_id=tenant_id, page_size=PAGE_SIZE, page_token=token),
                                               metadata=await self.token.metadata())

        async for resp in pages(fetch, MAX_PAGES):
            yield [ListedUse(uuid.UUID(u.service_id), at) for u in resp.items if (at := time_of(u, "last_submit_time")) is not None]
