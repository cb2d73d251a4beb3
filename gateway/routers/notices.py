"""Notices (信息公开): public reading (kept by the gateway's catalogue cache until the
catalogue changes, with an ETag), tenant admins publish."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response
from pydantic import BaseModel, Field

from gateway.auth import CallerDep, SignedInDep
from gateway.cached_reads import CatalogCacheDep, IfNoneMatch, cached
from gateway.catalog_json import notice_json
from gateway.deps import BackendsDep
from gateway.paging import PageSize, PageToken
from gateway.request_limits import DOCUMENT_MAX_BODY
from mgov.catalog.v1 import catalog_pb2 as pb
from mgov.catalog.v1 import catalog_pb2_grpc
from mgov.common.v1 import common_pb2
from mgov_common.protojson import datetime_to_timestamp
from gateway.catalog_json import NOTICE_SCHEMA
from gateway.schemas import page, returns

router = APIRouter(prefix="/v1", tags=["notices"])
NOTICES_MAX_AGE_S = 60


class Text(BaseModel):
    zh: str = Field(max_length=20_000)
    en: str = Field(default="", max_length=20_000)


class NoticeIn(BaseModel):
    title: Text
    body: Text
    category: str = Field(description="announcement, policy, interpretation, public_comment or other")
    publish_time: datetime | None = Field(default=None, description="RFC 3339; default now; may be backdated, not in the future")


def _stub(backends: Any) -> catalog_pb2_grpc.CatalogServiceStub:
    return backends.stub("catalog", catalog_pb2_grpc.CatalogServiceStub)  # type: ignore[no-any-return]


@router.get("/tenants/{tenant_id}/notices", responses=returns(page(NOTICE_SCHEMA)), summary="Notices of a tenant and its ancestors, newest first",
            response_model=None)
async def list_notices(
    tenant_id: str, request: Request, caller: CallerDep, backends: BackendsDep, cache: CatalogCacheDep,
    category: Annotated[str, Query(max_length=40)] = "",
    own_only: Annotated[bool, Query(description="Leave out the ancestors' notices")] = False,
    page_size: PageSize = 0,
    page_token: PageToken = "",
    if_none_match: IfNoneMatch = None,
) -> Response:
    async def produce() -> tuple[dict[str, Any], None]:
        req = pb.ListNoticesRequest(tenant_id=tenant_id, category=category, own_only=own_only, page_size=page_size, page_token=page_token)
        resp = await _stub(backends).ListNotices(req, metadata=caller.metadata)
        return {"items": [notice_json(n) for n in resp.notices], "next_page_token": resp.next_page_token}, None

    return await cached(cache, request, f"public, max-age={NOTICES_MAX_AGE_S}", NOTICES_MAX_AGE_S, if_none_match, produce)


@router.post("/tenants/{tenant_id}/notices", responses=returns(NOTICE_SCHEMA, 201), status_code=201, summary="Publish a notice of the tenant (its admins)", max_body_size=DOCUMENT_MAX_BODY)
async def publish_notice(
    tenant_id: str, notice: Annotated[NoticeIn, Body()], caller: SignedInDep, backends: BackendsDep, cache: CatalogCacheDep, response: Response,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", max_length=200)] = "",
) -> dict[str, Any]:
    req = pb.PublishNoticeRequest(
        tenant_id=tenant_id, title=common_pb2.LocalizedText(**notice.title.model_dump()),
        body=common_pb2.LocalizedText(**notice.body.model_dump()), category=notice.category, request_id=idempotency_key,
    )
    if notice.publish_time is not None:
        when = notice.publish_time if notice.publish_time.tzinfo else notice.publish_time.replace(tzinfo=UTC)
        req.publish_time.CopyFrom(datetime_to_timestamp(when, field="publish_time"))
    msg = await _stub(backends).PublishNotice(req, metadata=caller.metadata)
    cache.clear("write")
    response.headers["Location"] = f"/v1/tenants/{tenant_id}/notices"
    return notice_json(msg)
