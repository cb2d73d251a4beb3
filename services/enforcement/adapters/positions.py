"""Teams' last reported positions in PostgreSQL (one row per inspection and inspector)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from services.enforcement.domain.evidence import Position


class TeamPositions:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def put(self, inspection_id: uuid.UUID, inspector_id: str, at: Position, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO team_positions (inspection_id, inspector_id, latitude, longitude, accuracy_m, receive_time)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (inspection_id, inspector_id) DO UPDATE SET latitude = EXCLUDED.latitude,"
            " longitude = EXCLUDED.longitude, accuracy_m = EXCLUDED.accuracy_m, receive_time = EXCLUDED.receive_time",
            inspection_id, inspector_id, at.latitude, at.longitude, at.accuracy_m, now)

    async def under_way(self, tenant_ids: list[str], limit: int) -> list[uuid.UUID]:
        """Inspections started and not yet completed in these tenants, most recently started first."""
        rows = await self.conn.fetch("SELECT id FROM inspections WHERE tenant_id = ANY($1::text[]) AND status IN ('in_progress', 'recorded')"
                                     " ORDER BY start_time DESC, id LIMIT $2", tenant_ids, limit)
        return [r["id"] for r in rows]

    async def of(self, inspection_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(
            "SELECT inspection_id, inspector_id, latitude, longitude, accuracy_m, receive_time FROM team_positions"
            " WHERE inspection_id = ANY($1::uuid[]) ORDER BY inspection_id, inspector_id", inspection_ids))
