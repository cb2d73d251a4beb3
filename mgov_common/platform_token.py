"""A platform service's access token (docs/identity.md, "Platform services"): it trades
the service's client secret (`MGOV_<SERVICE>_PLATFORM_SECRET`) with identity's
`IssuePlatformToken` and keeps the token until a minute before it expires. A service
calling another as itself (notify asking identity for phones, enforcement asking notify
to send an SMS) puts `metadata()` on the call."""

from __future__ import annotations

import asyncio
import time

import grpc

from mgov.identity.v1 import identity_pb2, identity_pb2_grpc


class PlatformToken:
    def __init__(self, channel: grpc.aio.Channel, service: str, secret: str, *, renew_before_s: float = 60.0) -> None:
        self.stub = identity_pb2_grpc.IdentityServiceStub(channel)
        self.service = service
        self.secret = secret
        self.renew_before_s = renew_before_s
        self._token = ""
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def metadata(self) -> tuple[tuple[str, str], ...]:
        async with self._lock:
            if time.monotonic() >= self._expires - self.renew_before_s:
                resp = await self.stub.IssuePlatformToken(identity_pb2.IssuePlatformTokenRequest(service=self.service, client_secret=self.secret))
                self._token, self._expires = resp.access_token, time.monotonic() + resp.expires_in
        return (("authorization", f"Bearer {self._token}"),)
