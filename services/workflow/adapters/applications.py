"""Cases, their timelines and their SLA timers in PostgreSQL (asyncpg)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from mgov_common.events.envelope import CloudEvent
from services.workflow.adapters.definitions import DefinitionRepository
from services.workflow.adapters.submission import SUBMIT_SQL, submit_args
from services.workflow.domain.application import Actor, Application, Transition
from services.workflow.domain.sla import SlaClocks, TimerPlan

_COLUMNS = """id, case_number, tenant_id, service_id, service_version, service_name, department, applicant_id,
    applicant_tenant_id, status, terminal, form, version, definition_tenant, definition_id, definition_version,
    last_seq, assignee_id, eligible, submitted_at, updated_at, completed_at, state_entered_at, state_seq, state_budget_s,
    state_due_at, case_budget_s, case_used_s, case_segment_start, case_due_at, paused_at, request_id, request_hash"""


def actor_from(raw: dict[str, Any]) -> Actor:
    return Actor(raw.get("kind", ""), raw.get("id", ""), raw.get("tenant_id", ""), raw.get("display_name", ""))


class ApplicationRepository:
    def __init__(self, conn: asyncpg.Connection, definitions: DefinitionRepository) -> None:
        self.conn = conn
        self.definitions = definitions
        self.seen: list[Application] = []

    async def _from_row(self, row: asyncpg.Record) -> Application:
        defn = await self.definitions.get(row["definition_tenant"], row["definition_id"], row["definition_version"])
        clocks = SlaClocks(
            state_entered_at=row["state_entered_at"], state_seq=row["state_seq"], state_budget_s=row["state_budget_s"],
            state_due_at=row["state_due_at"], case_budget_s=row["case_budget_s"], case_used_s=row["case_used_s"],
            case_segment_start=row["case_segment_start"], case_due_at=row["case_due_at"], paused_at=row["paused_at"],
        )
        app = Application(
            id=row["id"], case_number=row["case_number"], tenant_id=row["tenant_id"], service_id=row["service_id"],
            service_version=row["service_version"], service_name=row["service_name"], department=row["department"],
            applicant_id=row["applicant_id"], applicant_tenant_id=row["applicant_tenant_id"], status=row["status"],
            form=row["form"], definition=defn, submitted_at=row["submitted_at"], updated_at=row["updated_at"], clocks=clocks,
            version=row["version"], terminal=row["terminal"], assignee_id=row["assignee_id"], completed_at=row["completed_at"], seq=row["last_seq"],
        )
        self.seen.append(app)
        return app

    async def get(self, app_id: uuid.UUID, *, for_update: bool = False) -> Application | None:
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM applications WHERE id = $1{' FOR UPDATE' if for_update else ''}", app_id)
        return await self._from_row(row) if row else None

    async def by_request(self, applicant_id: str, request_id: str) -> tuple[Application, str] | None:
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM applications WHERE applicant_id = $1 AND request_id = $2", applicant_id, request_id)
        return (await self._from_row(row), row["request_hash"]) if row else None

    async def create(self, app: Application, *, prefix: str, year: int, placeholder: str, timers: list[TimerPlan],
                     material_ids: list[uuid.UUID], events: list[CloudEvent], request_id: str | None,
                     request_hash: str | None) -> str | None:
        """Write a new case in one statement, which is its own transaction: the next serial
        of (prefix, year), the case under that number, its first transition, its timers,
        its materials and its outbox events (`placeholder` in their payload becomes the
        number). The case number, or None when (applicant, request_id) already exists
        (a concurrent repeat): then nothing was written, the counter included, so
        numbers stay gap-free."""
        try:
            number: str = await self.conn.fetchval(SUBMIT_SQL, *submit_args(
                app, prefix=prefix, year=year, placeholder=placeholder, timers=timers, material_ids=material_ids, events=events,
                request_id=request_id, request_hash=request_hash))
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "applications_applicant_id_request_id_key":
                return None
            raise
        app.case_number = number
        app.new_transitions = []
        return number

    async def save(self, app: Application, loaded_version: int) -> None:
        c = app.clocks
        status = await self.conn.execute(
            """UPDATE applications SET status=$3, terminal=$4, version=$5, assignee_id=$6, eligible=$7, updated_at=$8,
                   completed_at=$9, state_entered_at=$10, state_seq=$11, state_budget_s=$12, state_due_at=$13, case_budget_s=$14,
                   case_used_s=$15, case_segment_start=$16, case_due_at=$17, paused_at=$18, last_seq=$19, form=$20
               WHERE id=$1 AND version=$2""",
            app.id, loaded_version, app.status, app.terminal, app.version, app.assignee_id, app.eligible_keys, app.updated_at,
            app.completed_at, c.state_entered_at, c.state_seq, c.state_budget_s, c.state_due_at, c.case_budget_s, c.case_used_s,
            c.case_segment_start, c.case_due_at, c.paused_at, app.seq, app.form,
        )
        if status != "UPDATE 1":
            raise RuntimeError(f"case {app.id} changed under a locked update")  # the row lock makes this unreachable
        await self._write_children(app)

    async def _write_children(self, app: Application) -> None:
        if app.new_transitions:
            await self.conn.executemany(
                "INSERT INTO transitions (application_id, seq, action, from_state, to_state, actor, comment, at, material_ids, request_id,"
                " form_sha256) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                [(app.id, t.seq, t.action, t.from_state, t.to_state, t.actor.to_dict() | {"display_name": t.actor.display_name},
                  t.comment, t.at, list(t.material_ids), t.request_id, t.form_sha256) for t in app.new_transitions],
            )
            app.new_transitions = []

    async def sync_timers(self, app_id: uuid.UUID, plans: list[TimerPlan]) -> None:
        """Pending timers become exactly `plans`; a fired timer with a planned key stays fired."""
        await self.conn.execute("DELETE FROM timers WHERE application_id = $1 AND fired_at IS NULL", app_id)
        if plans:
            await self.conn.executemany(
                "INSERT INTO timers (application_id, scope, kind, instance, state, fire_at, due_at) VALUES ($1,$2,$3,$4,$5,$6,$7)"
                " ON CONFLICT (application_id, scope, kind, instance) DO NOTHING",
                [(app_id, p.scope, p.kind, p.instance, p.state, p.fire_at, p.due_at) for p in plans],
            )

    async def timeline(self, app_id: uuid.UUID) -> list[Transition]:
        rows = await self.conn.fetch("SELECT * FROM transitions WHERE application_id = $1 ORDER BY seq", app_id)
        return [_transition(r) for r in rows]

    async def transition_by_request(self, app_id: uuid.UUID, request_id: str) -> Transition | None:
        r = await self.conn.fetchrow("SELECT * FROM transitions WHERE application_id = $1 AND request_id = $2", app_id, request_id)
        return None if r is None else _transition(r)

    async def list_for_applicant(self, applicant_id: str, *, status: str, service_id: uuid.UUID | None, after: tuple[datetime, uuid.UUID] | None,
                                 limit: int) -> list[Application]:
        rows = await self.conn.fetch(
            f"""SELECT {_COLUMNS} FROM applications WHERE applicant_id = $1 AND ($2 = '' OR status = $2)
                AND ($3::uuid IS NULL OR service_id = $3)
                AND ($4::timestamptz IS NULL OR (submitted_at, id) < ($4, $5::uuid))
                ORDER BY submitted_at DESC, id DESC LIMIT $6""",
            applicant_id, status, service_id, after[0] if after else None, after[1] if after else None, limit,
        )
        return [await self._from_row(r) for r in rows]

    async def open_in(self, tenants: list[str]) -> list[uuid.UUID]:
        return [r["id"] for r in await self.conn.fetch("SELECT id FROM applications WHERE NOT terminal AND tenant_id = ANY($1)", tenants)]


def _transition(r: asyncpg.Record) -> Transition:
    return Transition(r["seq"], r["action"], r["from_state"], r["to_state"], actor_from(r["actor"]), r["comment"], r["at"],
                      tuple(r["material_ids"]), r["request_id"], r["form_sha256"])
