"""The CatalogService gRPC servicer: translate, call the use case, translate back.

No rules live here. The caller's principal was verified and bound by the server
interceptor (`mgov_common.grpc_server`); domain errors raised below are mapped to
status codes there too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
import grpc

from mgov.catalog.v1 import catalog_pb2 as pb
from mgov.catalog.v1 import catalog_pb2_grpc
from mgov.common.v1 import common_pb2
from mgov_common import protojson
from mgov_common.paging import PageTokens
from mgov_common.principal import current_principal
from services.catalog.adapters.uow import UnitOfWork
from services.catalog.entrypoints import mapping as m
from services.catalog.service_layer import items, notices, publications, queries

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _slug(enum: object, number: int) -> str:
    return protojson.enum_slug(enum, number) or ""  # type: ignore[arg-type]


class CatalogServicer(catalog_pb2_grpc.CatalogServiceServicer):
    def __init__(self, pool: asyncpg.Pool, pages: PageTokens, clock: Clock = utcnow) -> None:
        self.pool = pool
        self.pages = pages
        self.clock = clock
        self.rows = m.RowCache()

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self.pool)

    def _reader(self) -> UnitOfWork:
        return UnitOfWork(self.pool, begin=False)

    async def ListServices(self, request: pb.ListServicesRequest, context: grpc.aio.ServicerContext) -> pb.ListServicesResponse:
        query = queries.ListQuery(
            tenant_id=request.tenant_id, q=request.q, type=_slug(pb.ItemType.DESCRIPTOR, request.type),
            department=request.department, channel=_slug(pb.Channel.DESCRIPTOR, request.channel),
            include_drafts=request.include_drafts, page_size=request.page_size, page_token=request.page_token,
        )
        views, token = await queries.list_services(self._reader(), current_principal(), self.pages, query)
        return pb.ListServicesResponse(services=[self.rows.row(v) for v in views], next_page_token=token)

    async def GetService(self, request: pb.GetServiceRequest, context: grpc.aio.ServicerContext) -> pb.ServiceItem:
        view = await queries.get_service(self._reader(), current_principal(), item_id=m.parse_id(request.service_id),
                                         version=request.version, draft=request.draft)
        return m.item_to_proto(view)

    async def ListVersions(self, request: pb.ListVersionsRequest, context: grpc.aio.ServicerContext) -> pb.ListVersionsResponse:
        versions = await queries.list_versions(self._reader(), item_id=m.parse_id(request.service_id))
        return pb.ListVersionsResponse(versions=[m.version_to_proto(v) for v in versions])

    async def CreateDraft(self, request: pb.CreateDraftRequest, context: grpc.aio.ServicerContext) -> pb.ServiceItem:
        base = m.parse_id(request.base_item_id, "base_item_id") if request.base_item_id else None
        view = await items.create_draft(
            self._uow(), current_principal(), tenant_id=request.tenant_id, base_item_id=base,
            changes=m.changes_from_proto(request.item), paths=m.mask_paths(request.update_mask.paths),
            request_id=request.request_id, now=self.clock(),
        )
        return m.item_to_proto(view)

    async def UpdateDraft(self, request: pb.UpdateDraftRequest, context: grpc.aio.ServicerContext) -> pb.ServiceItem:
        view = await items.update_draft(
            self._uow(), current_principal(), item_id=m.parse_id(request.service_id), changes=m.changes_from_proto(request.item),
            paths=m.mask_paths(request.update_mask.paths), replace=request.replace, etag=request.etag, version=request.version,
            now=self.clock(),
        )
        return m.item_to_proto(view)

    async def PublishItem(self, request: pb.PublishItemRequest, context: grpc.aio.ServicerContext) -> pb.ServiceItem:
        view = await items.publish(self._uow(), current_principal(), item_id=m.parse_id(request.service_id), etag=request.etag, now=self.clock())
        return m.item_to_proto(view)

    async def RetireItem(self, request: pb.RetireItemRequest, context: grpc.aio.ServicerContext) -> pb.ServiceItem:
        view = await items.retire(self._uow(), current_principal(), item_id=m.parse_id(request.service_id), reason=request.reason, now=self.clock())
        return m.item_to_proto(view)

    async def OptOut(self, request: pb.OptOutRequest, context: grpc.aio.ServicerContext) -> pb.OptOutResponse:
        await items.opt_out(self._uow(), current_principal(), tenant_id=request.tenant_id, item_id=m.parse_id(request.service_id),
                            out=request.opt_out, reason=request.reason, now=self.clock())
        return pb.OptOutResponse(tenant_id=request.tenant_id, service_id=request.service_id, opted_out=request.opt_out)

    async def ListNotices(self, request: pb.ListNoticesRequest, context: grpc.aio.ServicerContext) -> pb.ListNoticesResponse:
        rows, token = await notices.list_notices(
            self._reader(), self.pages, tenant_id=request.tenant_id, category=request.category, own_only=request.own_only,
            page_size=request.page_size, page_token=request.page_token,
        )
        return pb.ListNoticesResponse(notices=[m.notice_to_proto(n) for n in rows], next_page_token=token)

    async def PublishNotice(self, request: pb.PublishNoticeRequest, context: grpc.aio.ServicerContext) -> pb.Notice:
        when = request.publish_time.ToDatetime(tzinfo=UTC) if request.HasField("publish_time") else None
        notice = await notices.publish_notice(
            self._uow(), current_principal(), tenant_id=request.tenant_id,
            title={"zh": request.title.zh, "en": request.title.en}, body={"zh": request.body.zh, "en": request.body.en},
            category=request.category, publish_time=when, request_id=request.request_id, now=self.clock(),
        )
        return m.notice_to_proto(notice)

    async def ListPublications(self, request: pb.ListPublicationsRequest, context: grpc.aio.ServicerContext) -> pb.ListPublicationsResponse:
        rows, notice, token = await publications.list_publications(self._reader(), current_principal(), self.pages,
                                                                   tenant_id=request.tenant_id, page_size=request.page_size,
                                                                   page_token=request.page_token)
        ts = protojson.datetime_to_timestamp
        out = pb.ListPublicationsResponse(next_page_token=token)
        for r in rows:
            item = out.items.add(id=str(r.id), tenant_id=r.tenant_id, code=r.code, name=common_pb2.LocalizedText(**r.name),
                                 department=r.department, promised_limit_days=r.promised_limit_days,
                                 status=pb.ITEM_STATUS_RETIRED if r.status == "retired" else pb.ITEM_STATUS_PUBLISHED)
            item.first_publish_time.CopyFrom(ts(r.first_published_at))
            item.latest_publish_time.CopyFrom(ts(r.latest_published_at))
            if r.retired_at is not None:
                item.retire_time.CopyFrom(ts(r.retired_at))
        if notice is not None:
            out.newest_notice.CopyFrom(pb.PublishedNotice(id=str(notice.id), title=common_pb2.LocalizedText(**notice.title),
                                                          create_time=ts(notice.created_at)))
        return out
