"""The commands a tenant system's accepted event becomes: calls to the owning service,
made as the system itself (its short-lived token) with the event id as the idempotency
key, so each is attributed to the system and applied once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import grpc
from google.protobuf.field_mask_pb2 import FieldMask

from mgov.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from mgov.common.v1 import common_pb2
from mgov.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from mgov_common import ingest
from mgov_common.errors import ERROR_DETAIL_KEY, InvalidArgument
from mgov_common.events.envelope import CloudEvent
from mgov_common.item_json import parse_item_fields

Metadata = tuple[tuple[str, str], ...]
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED,
              grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}


class Unavailable(Exception):
    """The owning service could not take the command now; redeliver later."""


def _rpc_reason(err: grpc.aio.AioRpcError) -> tuple[str, str]:
    code = err.code().name.lower()
    for key, value in err.trailing_metadata() or ():
        if key == ERROR_DETAIL_KEY:
            detail = common_pb2.ErrorDetail()
            try:
                detail.ParseFromString(value)
                code = detail.code or code
            except Exception:  # noqa: BLE001 - the reason text is enough
                pass
    return code, err.details() or code


class Commands:
    def __init__(self, workflow: grpc.aio.Channel, catalog: grpc.aio.Channel) -> None:
        self.workflow = workflow_pb2_grpc.WorkflowServiceStub(workflow)
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(catalog)
        self.by_type: dict[str, Callable[[CloudEvent, Metadata], Awaitable[None]]] = {
            ingest.CASE_STATUS_CHANGED: self.case_status_changed,
            ingest.NOTICE_PUBLISHED: self.notice_published,
            ingest.ITEM_UPDATED: self.item_updated,
            ingest.REPORT_ACTION: self.report_action,
            ingest.BOUNDARY_UPDATED: self.boundary_updated,
        }

    async def _call(self, rpc: Callable[..., Awaitable[object]], request: object, metadata: Metadata) -> object:
        try:
            return await rpc(request, metadata=metadata)
        except grpc.aio.AioRpcError as err:
            if err.code() in _RETRYABLE:
                raise Unavailable(f"{err.code().name}: {err.details()}") from None
            code, text = _rpc_reason(err)
            raise ingest.Refused(text, code) from None

    async def case_status_changed(self, event: CloudEvent, md: Metadata) -> None:
        data = event.data
        version = data.get("expected_version")
        for attempt in range(3):
            if not version or attempt:
                app = await self._call(self.workflow.GetApplication, workflow_pb2.GetApplicationRequest(application_id=str(event.subject)), md)
                version = app.version  # type: ignore[attr-defined]
            try:
                await self._call(self.workflow.PerformAction, workflow_pb2.PerformActionRequest(
                    application_id=str(event.subject), action=data["action"], comment=data.get("comment", ""),
                    expected_version=int(version), request_id=str(event.id)), md)
                return
            except ingest.Refused as exc:
                # The case moved between our read and the action: read again, unless the system named its version.
                if exc.code not in ("stale_version", "version_mismatch", "aborted") or data.get("expected_version"):
                    raise
        raise ingest.Refused("the case kept changing; try again", "stale_version")

    async def report_action(self, event: CloudEvent, md: Metadata) -> None:
        """The city's back office acts on a report dispatched to it (accept, resolve, ...)."""
        data = event.data
        version = data.get("expected_version")
        for attempt in range(3):
            if not version or attempt:
                report = await self._call(self.workflow.GetReport, workflow_pb2.GetReportRequest(report_id=str(event.subject)), md)
                version = report.version  # type: ignore[attr-defined]
            req = workflow_pb2.ActOnReportRequest(report_id=str(event.subject), action=data["action"], comment=data.get("comment", ""),
                                                  expected_version=int(version), request_id=str(event.id))
            if "result_public" in data:
                req.result_public = bool(data["result_public"])
            try:
                await self._call(self.workflow.ActOnReport, req, md)
                return
            except ingest.Refused as exc:
                if exc.code not in ("stale_version", "version_mismatch", "aborted") or data.get("expected_version"):
                    raise
        raise ingest.Refused("the report kept changing; try again", "stale_version")

    async def boundary_updated(self, event: CloudEvent, md: Metadata) -> None:
        """The tenant's boundary (GeoJSON); the event's time orders competing updates."""
        req = workflow_pb2.SetTenantBoundaryRequest(tenant_id=event.tenant, request_id=str(event.id))
        req.geometry.update(event.data["geometry"])
        req.event_time.FromDatetime(event.time)
        await self._call(self.workflow.SetTenantBoundary, req, md)

    async def notice_published(self, event: CloudEvent, md: Metadata) -> None:
        data = event.data
        await self._call(self.catalog.PublishNotice, catalog_pb2.PublishNoticeRequest(
            tenant_id=event.tenant, title=common_pb2.LocalizedText(**data["title"]), body=common_pb2.LocalizedText(**data["body"]),
            category=data.get("category", "announcement"), request_id=str(event.id)), md)

    async def item_updated(self, event: CloudEvent, md: Metadata) -> None:
        data = event.data
        try:
            # The same parser as the mobile API's item bodies: one dialect for item JSON.
            item, paths = parse_item_fields(data["fields"], path="fields")
        except InvalidArgument as exc:
            bad = "; ".join(f"{v.field}: {v.description}" for v in exc.violations) or str(exc)
            raise ingest.Refused(f"fields are not those of a service item: {bad}", "invalid_data") from None
        draft = await self._call(self.catalog.CreateDraft, catalog_pb2.CreateDraftRequest(
            tenant_id=event.tenant, base_item_id=data["service_id"], item=item,
            update_mask=FieldMask(paths=paths), request_id=str(event.id)), md)
        if data.get("publish", True):
            await self._call(self.catalog.PublishItem, catalog_pb2.PublishItemRequest(service_id=draft.id), md)  # type: ignore[attr-defined]
