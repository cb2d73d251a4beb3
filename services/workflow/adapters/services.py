"""Calls to other services: catalog (an item version missing from the projection) and
identity (an assignee's roles). Each forwards the caller's own access token, so the
other service applies its own rules to the same principal."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Protocol

import grpc

from mgov.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.principal import RoleBinding
from mgov_common.protojson import struct_to_dict

log = logging.getLogger(__name__)


class ItemFetcher(Protocol):
    async def fetch(self, service_id: uuid.UUID, version: int, token: str | None) -> dict[str, Any] | None: ...


class StaffDirectory(Protocol):
    async def roles_of(self, user_id: str, token: str | None) -> set[RoleBinding] | None: ...

    async def phone_of(self, user_id: str, token: str | None) -> str: ...


def _metadata(token: str | None) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),) if token else ()


class CatalogItems:
    """GetService, in the shape of catalog's item.published data."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.stub = catalog_pb2_grpc.CatalogServiceStub(channel)

    async def fetch(self, service_id: uuid.UUID, version: int, token: str | None) -> dict[str, Any] | None:
        try:
            item = await self.stub.GetService(catalog_pb2.GetServiceRequest(service_id=str(service_id), version=version), metadata=_metadata(token))
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            log.warning("catalog lookup failed", extra={"service_id": str(service_id), "grpc_status": exc.code().name})
            raise
        if item.status != catalog_pb2.ITEM_STATUS_PUBLISHED and item.status != catalog_pb2.ITEM_STATUS_UNSPECIFIED:
            return None
        g = item.guide
        return {
            "id": item.id, "tenant_id": item.tenant_id, "code": item.code, "version": item.version,
            "name": {"zh": item.name.zh, "en": item.name.en}, "type": catalog_pb2.ItemType.Name(item.type).removeprefix("ITEM_TYPE_").lower(),
            "agency": item.agency, "department": item.department, "workflow_id": item.workflow_id,
            "required_identity_level": int(item.required_identity_level) or 1,
            "statutory_limit_days": g.statutory_limit_days, "promised_limit_days": g.promised_limit_days,
            "materials": [{"code": m.code, "required": m.required} for m in g.materials],
            "form_schema": struct_to_dict(item.form_schema),
        }


class IdentityStaff:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.stub = identity_pb2_grpc.IdentityServiceStub(channel)

    async def roles_of(self, user_id: str, token: str | None) -> set[RoleBinding] | None:
        try:
            user = await self.stub.GetUser(identity_pb2.GetUserRequest(user_id=user_id), metadata=_metadata(token))
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise
        return {RoleBinding(b.tenant_id, b.role) for b in user.roles}

    async def phone_of(self, user_id: str, token: str | None) -> str:
        """The caller's own phone number (identity shows it unmasked to its owner only);
        empty when identity does not answer with it."""
        try:
            user = await self.stub.GetUser(identity_pb2.GetUserRequest(user_id=user_id), metadata=_metadata(token))
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT):
                return ""
            raise
        return str(user.phone)
