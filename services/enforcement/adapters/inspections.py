"""Inspections and their evidence chains in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from services.enforcement.domain.inspection import Inspection

_COLS = ("id, tenant_id, plan_id, subject_id, inspector_ids, category, checklist, checklist_version, due_date, status, answers, "
         "outcome, rectify_due_date, outcome_note, submit_request_id, confirmations, representative_signature_sha256, follow_up_of, "
         "case_id, evidence_count, evidence_head, start_time, complete_time, version")


def _inspection(r: asyncpg.Record) -> Inspection:
    return Inspection(
        id=r["id"], tenant_id=r["tenant_id"], plan_id=r["plan_id"], subject_id=r["subject_id"],
        inspector_ids=(r["inspector_ids"][0], r["inspector_ids"][1]), category=r["category"], checklist=r["checklist"],
        checklist_version=r["checklist_version"], due_date=r["due_date"], status=r["status"], answers=r["answers"],
        outcome=r["outcome"], rectify_due_date=r["rectify_due_date"], outcome_note=r["outcome_note"],
        submit_request_id=r["submit_request_id"], confirmations=r["confirmations"],
        representative_signature_sha256=r["representative_signature_sha256"], follow_up_of=r["follow_up_of"], case_id=r["case_id"],
        evidence_count=r["evidence_count"], evidence_head=r["evidence_head"], start_time=r["start_time"],
        complete_time=r["complete_time"], version=r["version"])


class InspectionRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.seen: list[Inspection] = []

    def _keep(self, insp: Inspection | None) -> Inspection | None:
        if insp is not None:
            self.seen.append(insp)
        return insp

    async def get(self, inspection_id: uuid.UUID, *, for_update: bool = False) -> Inspection | None:
        r = await self.conn.fetchrow(f"SELECT {_COLS} FROM inspections WHERE id = $1" + (" FOR UPDATE" if for_update else ""),
                                     inspection_id)
        return self._keep(_inspection(r)) if r else None

    async def add(self, i: Inspection, now: datetime, draw_id: uuid.UUID | None = None) -> None:
        await self.conn.execute(
            "INSERT INTO inspections (id, tenant_id, plan_id, draw_id, subject_id, inspector_ids, category, checklist, checklist_version,"
            " due_date, status, answers, outcome, rectify_due_date, outcome_note, submit_request_id, confirmations,"
            " representative_signature_sha256, follow_up_of, case_id, evidence_count, evidence_head, create_time, version)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,'',NULL,'','',$13,'',$14,'',0,$15,$16,1)",
            i.id, i.tenant_id, i.plan_id, draw_id, i.subject_id, list(i.inspector_ids), i.category, i.checklist, i.checklist_version,
            i.due_date, i.status, i.answers, i.confirmations, i.follow_up_of, i.evidence_head, now)
        i.version = 1
        self.seen.append(i)

    async def save(self, i: Inspection) -> None:
        await self.conn.execute(
            "UPDATE inspections SET status=$2, answers=$3, outcome=$4, rectify_due_date=$5, outcome_note=$6, submit_request_id=$7,"
            " confirmations=$8, representative_signature_sha256=$9, case_id=$10, evidence_count=$11, evidence_head=$12,"
            " start_time=$13, complete_time=$14, version=version+1 WHERE id=$1",
            i.id, i.status, i.answers, i.outcome, i.rectify_due_date, i.outcome_note, i.submit_request_id, i.confirmations,
            i.representative_signature_sha256, i.case_id, i.evidence_count, i.evidence_head, i.start_time, i.complete_time)
        i.version += 1

    async def for_inspector(self, user_id: str, tenant_ids: list[str], open_only: bool, limit: int) -> list[Inspection]:
        rows = await self.conn.fetch(
            f"SELECT {_COLS} FROM inspections WHERE $1 = ANY(inspector_ids) AND tenant_id = ANY($2::text[])"
            " AND (NOT $3 OR status IN ('assigned', 'in_progress', 'recorded')) ORDER BY due_date, create_time LIMIT $4",
            user_id, tenant_ids, open_only, limit)
        return [_inspection(r) for r in rows]

    async def of_plan(self, plan_id: uuid.UUID) -> list[Inspection]:
        rows = await self.conn.fetch(f"SELECT {_COLS} FROM inspections WHERE plan_id = $1 AND follow_up_of IS NULL"
                                     " AND status <> 'cancelled' ORDER BY create_time, id", plan_id)
        return [_inspection(r) for r in rows]

    async def cancel_of_draw(self, draw_id: uuid.UUID) -> int:
        """A redraw cancels the inspections of the draw it replaces that have not started."""
        status = await self.conn.execute("UPDATE inspections SET status = 'cancelled', version = version + 1"
                                         " WHERE draw_id = $1 AND status = 'assigned'", draw_id)
        return int(status.split()[-1])

    async def started_of_draw(self, draw_id: uuid.UUID) -> int:
        return int(await self.conn.fetchval("SELECT count(*) FROM inspections WHERE draw_id = $1 AND status NOT IN ('assigned', 'cancelled')",
                                            draw_id))

    async def rectifications_due(self, today: date, limit: int) -> list[Inspection]:
        """Completed orders to correct whose date has come and that have no follow-up yet."""
        rows = await self.conn.fetch(
            f"SELECT {_COLS} FROM inspections i WHERE status = 'completed' AND outcome = 'rectify' AND rectify_due_date <= $1"
            " AND NOT EXISTS (SELECT 1 FROM inspections f WHERE f.follow_up_of = i.id)"
            " ORDER BY rectify_due_date, id LIMIT $2 FOR UPDATE SKIP LOCKED", today, limit)
        return [self._keep(_inspection(r)) for r in rows]  # type: ignore[misc]

    async def cases_to_open(self, limit: int) -> list[Inspection]:
        rows = await self.conn.fetch(
            f"SELECT {_COLS} FROM inspections WHERE status = 'completed' AND outcome = 'case' AND case_id = ''"
            " ORDER BY complete_time, id LIMIT $1 FOR UPDATE SKIP LOCKED", limit)
        return [self._keep(_inspection(r)) for r in rows]  # type: ignore[misc]

    # -- evidence -------------------------------------------------------------------------
    async def by_case(self, case_id: str) -> Inspection | None:
        """The inspection that opened the penalty case `case_id`."""
        row = await self.conn.fetchrow(f"SELECT {_COLS} FROM inspections WHERE case_id = $1 AND case_id <> ''", case_id)
        return _inspection(row) if row else None

    async def evidence_by_request(self, inspection_id: uuid.UUID, request_id: str) -> dict[str, Any] | None:
        r = await self.conn.fetchrow("SELECT entry FROM evidence WHERE inspection_id = $1 AND request_id = $2", inspection_id, request_id)
        return r["entry"] if r else None

    async def append_evidence(self, inspection_id: uuid.UUID, entry: dict[str, Any], content: bytes) -> None:
        await self.conn.execute("INSERT INTO evidence (inspection_id, seq, request_id, entry, hash) VALUES ($1, $2, $3, $4, $5)",
                                inspection_id, entry["seq"], entry["request_id"], entry, entry["hash"])
        await self.conn.execute("INSERT INTO evidence_files (inspection_id, seq, content) VALUES ($1, $2, $3)",
                                inspection_id, entry["seq"], content)

    async def evidence(self, inspection_id: uuid.UUID) -> list[dict[str, Any]]:
        return [r["entry"] for r in await self.conn.fetch("SELECT entry FROM evidence WHERE inspection_id = $1 ORDER BY seq", inspection_id)]

    async def evidence_file_hashes(self, inspection_id: uuid.UUID) -> dict[int, str]:
        rows = await self.conn.fetch("SELECT seq, encode(sha256(content), 'hex') AS h FROM evidence_files WHERE inspection_id = $1",
                                     inspection_id)
        return {r["seq"]: r["h"] for r in rows}

    async def evidence_file(self, inspection_id: uuid.UUID, seq: int) -> bytes | None:
        content: bytes | None = await self.conn.fetchval("SELECT content FROM evidence_files WHERE inspection_id = $1 AND seq = $2",
                                                         inspection_id, seq)
        return content
