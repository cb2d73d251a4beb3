"""The staff inbox (cases and rectification tasks), ratings and rectifications in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from services.workflow.adapters.applications import actor_from
from services.workflow.domain.rating import Rating, Rectification

# One row shape for both kinds of task, ordered by due time (none last), then id.
_INBOX = """
WITH tasks AS (
    SELECT CASE WHEN a.kind = 'report' THEN 'report' ELSE 'case' END AS kind, a.id, a.id AS application_id, a.case_number, a.tenant_id, a.service_id, a.service_name, a.department,
           a.status, a.assignee_id, coalesce(a.state_due_at, a.case_due_at) AS due_at, a.submitted_at AS created_at,
           NULL::uuid AS rectification_id, a.definition_tenant, a.definition_id, a.definition_version, a.version, a.applicant_id,
           EXISTS (SELECT 1 FROM timers t WHERE t.application_id = a.id AND t.kind = 'breached' AND t.fired_at IS NOT NULL) AS escalated,
           rp.lat, rp.lng
      FROM applications a LEFT JOIN reports rp ON rp.application_id = a.id
     WHERE NOT a.terminal AND ($2 = '' OR ($2 = 'case' AND a.kind = 'application') OR ($2 = 'report' AND a.kind = 'report'))
       AND (a.eligible && $1::text[]
            OR (a.tenant_id = ANY($3::text[]) AND EXISTS (SELECT 1 FROM timers t WHERE t.application_id = a.id
                                                           AND t.kind = 'breached' AND t.fired_at IS NOT NULL)))
    UNION ALL
    SELECT 'rectification', r.id, r.application_id, a.case_number, r.tenant_id, a.service_id, a.service_name, r.department,
           r.status, r.assignee_id, r.due_at, r.created_at, r.id, a.definition_tenant, a.definition_id, a.definition_version,
           a.version, a.applicant_id, false, NULL::float8, NULL::float8
      FROM rectifications r JOIN applications a ON a.id = r.application_id
     WHERE r.status = 'open' AND $2 IN ('', 'rectification') AND r.eligible && $1::text[]
)
SELECT * FROM tasks
 WHERE ($4 = '' OR ($4 = 'me' AND assignee_id = $5) OR ($4 = 'unassigned' AND assignee_id IS NULL))
   AND ($6::text IS NULL OR (coalesce(due_at, 'infinity'), id) > ($6::text::timestamptz, $7::uuid))
 ORDER BY coalesce(due_at, 'infinity'), id
 LIMIT $8
"""


class TaskRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.rectifications: list[Rectification] = []

    async def inbox(self, keys: list[str], escalation_tenants: list[str], *, kind: str, assignee: str, me: str,
                    after: tuple[str, uuid.UUID] | None, limit: int) -> list[asyncpg.Record]:
        return await self.conn.fetch(_INBOX, keys, kind, escalation_tenants, assignee, me,
                                     after[0] if after else None, after[1] if after else None, limit)

    # -- ratings
    async def rating(self, app_id: uuid.UUID) -> Rating | None:
        r = await self.conn.fetchrow("SELECT * FROM ratings WHERE application_id = $1", app_id)
        return Rating(r["application_id"], r["score"], r["comment"], r["created_at"], r["rectification_id"]) if r else None

    async def add_rating(self, rating: Rating, *, tenant_id: str, service_id: uuid.UUID, service_name: dict[str, str],
                         department: str, applicant_id: str) -> bool:
        """False when the case was rated concurrently (the primary key decides)."""
        return bool(await self.conn.fetchval(
            """INSERT INTO ratings (application_id, tenant_id, service_id, service_name, department, applicant_id, score, comment,
                   rectification_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT DO NOTHING RETURNING true""",
            rating.application_id, tenant_id, service_id, service_name, department, applicant_id, rating.score, rating.comment,
            rating.rectification_id, rating.created_at))

    async def stats(self, tenants: list[str], group_by: str, service_id: uuid.UUID | None, department: str,
                    start: datetime | None, end: datetime | None) -> list[asyncpg.Record]:
        key = {"item": "g.service_id::text", "department": "g.department", "tenant": "g.tenant_id"}[group_by]
        label = {"item": "max(g.service_name->>'zh')", "department": "g.department", "tenant": "g.tenant_id"}[group_by]
        return await self.conn.fetch(
            f"""SELECT {key} AS key, {label} AS label, count(*) AS count, avg(g.score)::float AS average,
                       array[count(*) FILTER (WHERE g.score = 1), count(*) FILTER (WHERE g.score = 2), count(*) FILTER (WHERE g.score = 3),
                             count(*) FILTER (WHERE g.score = 4), count(*) FILTER (WHERE g.score = 5)] AS score_counts,
                       count(*) FILTER (WHERE g.score <= 2) AS negative,
                       count(r.id) FILTER (WHERE r.status = 'open') AS open, count(r.id) FILTER (WHERE r.status = 'closed') AS closed
                  FROM ratings g LEFT JOIN rectifications r ON r.application_id = g.application_id
                 WHERE g.tenant_id = ANY($1) AND ($2::uuid IS NULL OR g.service_id = $2) AND ($3 = '' OR g.department = $3)
                   AND ($4::timestamptz IS NULL OR g.created_at >= $4) AND ($5::timestamptz IS NULL OR g.created_at < $5)
                 GROUP BY {key}{', g.department' if group_by == 'department' else ''}{', g.tenant_id' if group_by == 'tenant' else ''}
                 ORDER BY count(*) DESC, 1""",
            tenants, service_id, department, start, end)

    # -- rectifications
    async def add_rectification(self, rect: Rectification) -> None:
        await self.conn.execute(
            """INSERT INTO rectifications (id, application_id, tenant_id, department, score, rating_comment, status, eligible, due_at, created_at)
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)""",
            rect.id, rect.application_id, rect.tenant_id, rect.department, rect.score, rect.rating_comment, rect.status,
            rect.eligible_keys, rect.due_at, rect.created_at)

    async def rectification(self, rect_id: uuid.UUID, *, for_update: bool = False) -> Rectification | None:
        r = await self.conn.fetchrow(
            "SELECT r.*, a.case_number FROM rectifications r JOIN applications a ON a.id = r.application_id WHERE r.id = $1"
            + (" FOR UPDATE OF r" if for_update else ""), rect_id)
        if r is None:
            return None
        rect = Rectification(r["id"], r["application_id"], r["case_number"], r["tenant_id"], r["department"], r["score"],
                             r["rating_comment"], r["due_at"], sorted({k.split(":", 1)[1] for k in r["eligible"]}), r["created_at"],
                             r["status"], r["callback"], r["outcome"], actor_from(r["closed_by"]) if r["closed_by"] else None,
                             r["closed_at"], r["assignee_id"])
        self.rectifications.append(rect)
        return rect

    async def rectification_for(self, app_id: uuid.UUID) -> uuid.UUID | None:
        return await self.conn.fetchval("SELECT id FROM rectifications WHERE application_id = $1", app_id)  # type: ignore[no-any-return]

    async def save_rectification(self, rect: Rectification) -> None:
        await self.conn.execute(
            "UPDATE rectifications SET status=$2, callback=$3, outcome=$4, closed_by=$5, closed_at=$6, assignee_id=$7 WHERE id=$1",
            rect.id, rect.status, rect.callback, rect.outcome, rect.closed_by.to_dict() if rect.closed_by else None, rect.closed_at,
            rect.assignee_id)



class MaterialRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, row: dict[str, Any]) -> None:
        await self.conn.execute(
            """INSERT INTO materials (id, application_id, owner_id, material_code, filename, content_type, sha256, size_bytes, storage_key,
                   uploaded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)""",
            row["id"], row["application_id"], row["owner_id"], row["material_code"], row["filename"], row["content_type"], row["sha256"],
            row["size_bytes"], row["storage_key"], row["uploaded_by"], row["created_at"])

    async def of_application(self, app_id: uuid.UUID) -> list[asyncpg.Record]:
        return await self.conn.fetch("SELECT * FROM materials WHERE application_id = $1 ORDER BY created_at, id", app_id)

    async def get_many(self, ids: list[uuid.UUID]) -> list[asyncpg.Record]:
        return await self.conn.fetch("SELECT * FROM materials WHERE id = ANY($1)", ids)

    async def attach(self, ids: list[uuid.UUID], app_id: uuid.UUID) -> None:
        await self.conn.execute("UPDATE materials SET application_id = $2 WHERE id = ANY($1) AND application_id IS NULL", ids, app_id)
