"""The services that own what an action changes: catalog retires items, identity disables
accounts and revokes systems. Called with the caller's own token, so the owning service decides (and audits)
whether the caller may; its refusal comes back as the same kind of error."""

from __future__ import annotations

from collections.abc import Awaitable

import grpc

from mgov.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.errors import DomainError, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unauthenticated

_MAPPED: dict[grpc.StatusCode, type[DomainError]] = {
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
}


class OwnerRefused(Exception):
    """The owning service refused; `error` is the domain error to answer with."""

    def __init__(self, error: DomainError, summary: str) -> None:
        super().__init__(summary)
        self.error = error


def _refusal(service: str, exc: grpc.aio.AioRpcError) -> OwnerRefused | None:
    kind = _MAPPED.get(exc.code())
    if kind is None:
        return None  # unavailable, deadline, internal: propagate as they are
    return OwnerRefused(kind(f"{service}: {exc.details()}", code=f"{service}_refused"), f"{exc.code().name}: {exc.details()}")


async def _owned(service: str, call: Awaitable[object]) -> None:
    """Await the owning service's call; its refusal becomes an `OwnerRefused`."""
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        refused = _refusal(service, exc)
        if refused is None:
            raise
        raise refused from None


class OwningServices:
    def __init__(self, catalog: grpc.aio.Channel, identity: grpc.aio.Channel) -> None:
        self.catalog = catalog_pb2_grpc.CatalogServiceStub(catalog)
        self.identity = identity_pb2_grpc.IdentityServiceStub(identity)

    @staticmethod
    def _metadata(token: str | None) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {token}"),) if token else ()

    async def retire_item(self, item_id: str, reason: str, token: str | None) -> None:
        await _owned("catalog", self.catalog.RetireItem(catalog_pb2.RetireItemRequest(service_id=item_id, reason=reason),
                                                        metadata=self._metadata(token)))

    async def disable_account(self, tenant_id: str, user_id: str, reason: str, token: str | None) -> None:
        await _owned("identity", self.identity.DisableStaff(identity_pb2.DisableStaffRequest(tenant_id=tenant_id, user_id=user_id, reason=reason),
                                                            metadata=self._metadata(token)))

    async def revoke_system(self, tenant_id: str, system_id: str, token: str | None) -> None:
        await _owned("identity", self.identity.RevokeSystem(identity_pb2.RevokeSystemRequest(tenant_id=tenant_id, system_id=system_id),
                                                            metadata=self._metadata(token)))
