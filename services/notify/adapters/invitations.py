"""好差评 invitation timers in PostgreSQL, fired by whichever worker locks them first."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg


class InvitationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def schedule(self, *, application_id: uuid.UUID, applicant_id: str, tenant_id: str, case_number: str,
                       service_name: dict[str, str], due_at: datetime, now: datetime) -> None:
        """A pending invitation, unless one exists (a rating already cancelled it, or a
        redelivered outcome event)."""
        await self.conn.execute(
            "INSERT INTO rating_invitations (application_id, applicant_id, tenant_id, case_number, service_name, due_at, status, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) ON CONFLICT (application_id) DO NOTHING",
            application_id, applicant_id, tenant_id, case_number, service_name, due_at, now,
        )

    async def cancel(self, *, application_id: uuid.UUID, applicant_id: str, tenant_id: str, case_number: str, now: datetime) -> None:
        """The case was rated: no invitation, even if the outcome event comes later."""
        await self.conn.execute(
            "INSERT INTO rating_invitations (application_id, applicant_id, tenant_id, case_number, due_at, status, created_at)"
            " VALUES ($1, $2, $3, $4, $5, 'cancelled', $5) ON CONFLICT (application_id) DO UPDATE SET status = 'cancelled'"
            " WHERE rating_invitations.status = 'pending'",
            application_id, applicant_id, tenant_id, case_number, now,
        )

    async def due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT * FROM rating_invitations WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            now, limit,
        )
        return [dict(r) for r in rows]

    async def mark_sent(self, application_ids: list[uuid.UUID], now: datetime) -> None:
        await self.conn.execute(
            "UPDATE rating_invitations SET status = 'sent', fired_at = $2 WHERE application_id = ANY($1::uuid[])", application_ids, now)

    async def status(self, application_id: uuid.UUID) -> str | None:
        return await self.conn.fetchval("SELECT status FROM rating_invitations WHERE application_id = $1", application_id)
