"""Identity's way to a phone: the notify service's `SendSecuritySms`, which sends at
once through the deployment's SMS provider (the demo outbox in demo mode) and stores
nothing. Identity proves itself with a platform token it issues to itself."""

from __future__ import annotations

from datetime import datetime
from collections.abc import Callable
from typing import Protocol

import grpc

from mgov.notify.v1 import notify_pb2, notify_pb2_grpc
from mgov_common.errors import Unavailable
from services.identity.adapters.tokens import TokenIssuer

SERVICE = "identity"


class SecuritySms(Protocol):
    async def send(self, kind: str, phone: str, code: str, tenant_id: str, message_id: str, expires_in_minutes: int) -> None: ...


class NotifySecuritySms:
    def __init__(self, channel: grpc.aio.Channel, issuer: TokenIssuer, clock: Callable[[], datetime]) -> None:
        self.stub = notify_pb2_grpc.NotifyServiceStub(channel)
        self.issuer = issuer
        self.clock = clock

    async def send(self, kind: str, phone: str, code: str, tenant_id: str, message_id: str, expires_in_minutes: int) -> None:
        token = await self.issuer.issue_platform(SERVICE, self.clock())
        try:
            await self.stub.SendSecuritySms(
                notify_pb2.SendSecuritySmsRequest(kind=kind, phone=phone, code=code, tenant_id=tenant_id, message_id=message_id,
                                                  expires_in_minutes=expires_in_minutes),
                metadata=(("authorization", f"Bearer {token.token}"),))
        except grpc.aio.AioRpcError as exc:
            # Whatever went wrong on the way (notify down, no SMS channel, the gateway
            # refusing), the citizen can only try again later.
            raise Unavailable("the code could not be sent by SMS; try again shortly", code="sms_unavailable") from exc
