"""Orders to correct waiting to be sent (`correction_orders`) and the way to the subject's
phone: notify's `SendEnforcementSms`, called as the enforcement platform service."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Protocol

import asyncpg
import grpc

from mgov.notify.v1 import notify_pb2, notify_pb2_grpc
from mgov_common.platform_token import PlatformToken

# Notify refused the message itself (a bad number, no SMS channel): trying again will not help.
_PERMANENT = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.FAILED_PRECONDITION)


class SendRefused(Exception):
    """The message will never be sent as it is."""


class CorrectionSms(Protocol):
    async def send(self, *, message_id: uuid.UUID, tenant_id: str, phone: str, subject_name: str, due_date: str,
                   items: list[str]) -> None: ...


class NotifyCorrectionSms:
    def __init__(self, channel: grpc.aio.Channel, token: PlatformToken) -> None:
        self.stub = notify_pb2_grpc.NotifyServiceStub(channel)
        self.token = token

    async def send(self, *, message_id: uuid.UUID, tenant_id: str, phone: str, subject_name: str, due_date: str,
                   items: list[str]) -> None:
        """Raises SendRefused when notify refuses the message; any other error may pass."""
        try:
            await self.stub.SendEnforcementSms(notify_pb2.SendEnforcementSmsRequest(
                kind="correction_order", phone=phone, tenant_id=tenant_id, message_id=str(message_id), subject_name=subject_name,
                due_date=due_date, items=items), metadata=await self.token.metadata())
        except grpc.aio.AioRpcError as exc:
            if exc.code() in _PERMANENT:
                raise SendRefused(f"{exc.code().name}: {exc.details()}") from None
            raise


class OrderRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, inspection_id: uuid.UUID, tenant_id: str, now: datetime) -> None:
        await self.conn.execute("""INSERT INTO correction_orders (inspection_id, tenant_id, status, next_time, create_time)
                                   VALUES ($1, $2, 'pending', $3, $3) ON CONFLICT DO NOTHING""", inspection_id, tenant_id, now)

    async def claim(self, now: datetime, lease: timedelta, limit: int, inspection_id: uuid.UUID | None = None) -> list[asyncpg.Record]:
        """Pending orders due by `now` (or just `inspection_id`'s), leased: another sender skips them
        until the lease ends, so one order is not sent by two at once."""
        return await self.conn.fetch(
            """UPDATE correction_orders o SET next_time = $2, attempts = attempts + 1 FROM (
                   SELECT inspection_id FROM correction_orders WHERE status = 'pending' AND next_time <= $1
                   AND ($4::uuid IS NULL OR inspection_id = $4) ORDER BY next_time LIMIT $3 FOR UPDATE SKIP LOCKED) due
               WHERE o.inspection_id = due.inspection_id RETURNING o.inspection_id, o.attempts""",
            now, now + lease, limit, inspection_id)

    async def finish(self, inspection_id: uuid.UUID, status: str, *, sent_time: datetime | None = None, error: str = "",
                     retry_time: datetime | None = None) -> None:
        await self.conn.execute(
            """UPDATE correction_orders SET status = $2, sent_time = $3, last_error = $4, next_time = COALESCE($5, next_time)
               WHERE inspection_id = $1""", inspection_id, status, sent_time, error[:500], retry_time)

    async def get(self, inspection_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT * FROM correction_orders WHERE inspection_id = $1", inspection_id)
