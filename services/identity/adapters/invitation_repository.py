"""Staff invitations in PostgreSQL, found by the invited phone's lookup HMAC."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass
class Invitation:
    id: uuid.UUID
    tenant_id: str
    phone_masked: str
    roles: tuple[str, ...]
    invited_by: str
    status: str
    created_at: datetime
    expires_at: datetime


_COLUMNS = "id, tenant_id, phone_masked, roles, invited_by, status, created_at, expires_at"


def _invitation(row: asyncpg.Record) -> Invitation:
    return Invitation(row["id"], row["tenant_id"], row["phone_masked"], tuple(row["roles"]), row["invited_by"], row["status"],
                      row["created_at"], row["expires_at"])


class InvitationRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, inv: Invitation, phone_lookup: bytes) -> None:
        await self.conn.execute(
            f"INSERT INTO staff_invitations ({_COLUMNS}, phone_lookup) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            inv.id, inv.tenant_id, inv.phone_masked, list(inv.roles), inv.invited_by, inv.status, inv.created_at, inv.expires_at,
            phone_lookup)

    async def pending_for(self, phone_lookup: bytes, now: datetime) -> list[Invitation]:
        rows = await self.conn.fetch(
            f"SELECT {_COLUMNS} FROM staff_invitations WHERE phone_lookup = $1 AND status = 'pending' AND expires_at > $2"
            " ORDER BY created_at, id LIMIT 100", phone_lookup, now)
        return [_invitation(r) for r in rows]

    async def get_for(self, invitation_id: uuid.UUID, phone_lookup: bytes) -> Invitation | None:
        """The invitation, if it was sent to this phone (locked for the answer)."""
        row = await self.conn.fetchrow(
            f"SELECT {_COLUMNS} FROM staff_invitations WHERE id = $1 AND phone_lookup = $2 FOR UPDATE", invitation_id, phone_lookup)
        return _invitation(row) if row else None

    async def answer(self, invitation_id: uuid.UUID, status: str, user_id: uuid.UUID, now: datetime) -> None:
        await self.conn.execute("UPDATE staff_invitations SET status = $2, answered_by = $3, answered_at = $4 WHERE id = $1",
                                invitation_id, status, user_id, now)
