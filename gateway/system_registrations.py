"""A short cache of tenant systems' registrations, so that a revoked system is refused
on every gateway route within seconds (its access token would otherwise verify until
it expires), and ingest knows the event types each system may publish."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc

from gateway.identity_views import identity
from mgov.identity.v1 import identity_pb2

SYSTEM_CACHE_S = 2.0


class _Registrations:
    """A short cache of systems' own registrations (types allowed, still active)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, frozenset[str] | None]] = {}
        self._lock = asyncio.Lock()

    async def allowed_types(self, system_id: str, tenant_id: str, backends: Any, metadata: Any) -> frozenset[str] | None:
        now = time.monotonic()
        hit = self._entries.get(system_id)
        if hit and now - hit[0] < SYSTEM_CACHE_S:
            return hit[1]
        try:
            resp = await identity(backends).ListSystems(identity_pb2.ListSystemsRequest(tenant_id=tenant_id), metadata=metadata)
        except grpc.aio.AioRpcError as err:
            if err.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAUTHENTICATED):
                resp = identity_pb2.ListSystemsResponse()
            else:
                raise
        mine = [s for s in resp.systems if s.id == system_id and s.status == identity_pb2.SYSTEM_STATUS_ACTIVE]
        types = frozenset(mine[0].event_types) if mine else None
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[system_id] = (now, types)
        return types


registrations = _Registrations()
