"""Penalty decisions and their public entries in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from services.enforcement.domain.decisions import DecisionFacts


class DecisionRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, case_id: str, *, for_update: bool = False) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT * FROM penalty_decisions WHERE case_id = $1" + (" FOR UPDATE" if for_update else ""),
                                        case_id)

    async def ensure(self, case_id: str, inspection_id: uuid.UUID, tenant_id: str, by: str, now: datetime) -> None:
        await self.conn.execute("""INSERT INTO penalty_decisions (case_id, inspection_id, tenant_id, status, update_by, update_time)
                                   VALUES ($1, $2, $3, 'draft', $4, $5) ON CONFLICT DO NOTHING""", case_id, inspection_id, tenant_id, by, now)

    async def set_facts(self, case_id: str, f: DecisionFacts, by: str, now: datetime) -> None:
        await self.conn.execute("""UPDATE penalty_decisions SET decision_number = $2, summary = $3, legal_basis = $4, penalty = $5,
                                   update_by = $6, update_time = $7 WHERE case_id = $1""",
                                case_id, f.decision_number, f.summary, f.legal_basis, f.penalty, by, now)

    async def publish(self, case_id: str, subject_name: str, credit_code: str, summary: str, decided: date, now: datetime) -> None:
        await self.conn.execute("""UPDATE penalty_decisions SET status = 'published', subject_name = $2, credit_code = $3, summary = $4,
                                   decision_date = $5, publish_time = $6, retract_time = NULL, update_by = 'workflow', update_time = $6
                                   WHERE case_id = $1""", case_id, subject_name, credit_code, summary, decided, now)

    async def retract(self, case_id: str, now: datetime) -> None:
        await self.conn.execute("""UPDATE penalty_decisions SET status = 'retracted', retract_time = $2, update_by = 'workflow',
                                   update_time = $2 WHERE case_id = $1""", case_id, now)

    async def published(self, tenant_ids: list[str], limit: int, after: tuple[datetime, str] | None) -> list[asyncpg.Record]:
        return await self.conn.fetch(
            """SELECT * FROM penalty_decisions WHERE status = 'published' AND tenant_id = ANY($1::text[])
               AND ($3::timestamptz IS NULL OR (publish_time, case_id) < ($3, $4)) ORDER BY publish_time DESC, case_id DESC LIMIT $2""",
            tenant_ids, limit, after[0] if after else None, after[1] if after else "")
