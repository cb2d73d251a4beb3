"""Tenant back-office systems in PostgreSQL (secrets only as hashes, the webhook key encrypted)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from mgov_common.errors import AlreadyExists


@dataclass
class SystemRecord:
    id: uuid.UUID
    tenant_id: str
    name: str
    event_types: tuple[str, ...]
    client_id: str
    client_secret_hash: str
    nats_user: str
    nats_password_hash: str
    webhook_url: str | None
    webhook_secret_cipher: bytes | None
    webhook_secret_key_id: str | None
    status: str
    credentials_version: int
    created_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.status == "active"


_COLUMNS = ("id, tenant_id, name, event_types, client_id, client_secret_hash, nats_user, nats_password_hash, webhook_url, "
            "webhook_secret_cipher, webhook_secret_key_id, status, credentials_version, created_at, rotated_at, revoked_at")


def _record(row: asyncpg.Record) -> SystemRecord:
    d: dict[str, Any] = dict(row)
    d["event_types"] = tuple(d["event_types"])
    return SystemRecord(**d)


class SystemRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, s: SystemRecord, created_by: str | None) -> None:
        try:
            await self.conn.execute(
                f"INSERT INTO systems ({_COLUMNS}, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
                s.id, s.tenant_id, s.name, list(s.event_types), s.client_id, s.client_secret_hash, s.nats_user,
                s.nats_password_hash, s.webhook_url, s.webhook_secret_cipher, s.webhook_secret_key_id, s.status,
                s.credentials_version, s.created_at, s.rotated_at, s.revoked_at, created_by)
        except asyncpg.UniqueViolationError:
            raise AlreadyExists(f"tenant {s.tenant_id} already has a system named {s.name!r}", field="name", code="system_exists") from None

    async def save(self, s: SystemRecord) -> None:
        await self.conn.execute(
            """UPDATE systems SET client_secret_hash = $2, nats_password_hash = $3, webhook_secret_cipher = $4,
                   webhook_secret_key_id = $5, status = $6, credentials_version = $7, rotated_at = $8, revoked_at = $9
               WHERE id = $1""",
            s.id, s.client_secret_hash, s.nats_password_hash, s.webhook_secret_cipher, s.webhook_secret_key_id, s.status,
            s.credentials_version, s.rotated_at, s.revoked_at)

    async def get(self, system_id: uuid.UUID, *, for_update: bool = False) -> SystemRecord | None:
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM systems WHERE id = $1" + (" FOR UPDATE" if for_update else ""), system_id)
        return _record(row) if row else None

    async def by_client_id(self, client_id: str) -> SystemRecord | None:
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM systems WHERE client_id = $1", client_id)
        return _record(row) if row else None

    async def list(self, *, tenant_id: str | None, include_revoked: bool, after: tuple[datetime, uuid.UUID] | None,
                   limit: int) -> list[SystemRecord]:
        rows = await self.conn.fetch(
            f"""SELECT {_COLUMNS} FROM systems
                WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2 OR status = 'active')
                  AND ($3::timestamptz IS NULL OR (created_at, id) > ($3, $4))
                ORDER BY created_at, id LIMIT $5""",
            tenant_id, include_revoked, after[0] if after else None, after[1] if after else None, limit)
        return [_record(r) for r in rows]

    async def by_nats_user(self, nats_user: str) -> SystemRecord | None:
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM systems WHERE nats_user = $1", nats_user)
        return _record(row) if row else None

    async def credentials_ended_since(self, since: datetime) -> list[tuple[str, datetime | None]]:
        """Every system rotated or revoked after `since`: its NATS user and the time before
        which its connections were opened with credentials no longer valid (None: revoked,
        all of them)."""
        rows = await self.conn.fetch(
            """SELECT nats_user, CASE WHEN status = 'revoked' THEN NULL ELSE rotated_at END AS ended
               FROM systems WHERE revoked_at > $1 OR (status = 'active' AND rotated_at > $1)""", since)
        return [(r["nats_user"], r["ended"]) for r in rows]

    async def active(self) -> list[SystemRecord]:
        rows = await self.conn.fetch(f"SELECT {_COLUMNS} FROM systems WHERE status = 'active' ORDER BY created_at, id")
        return [_record(r) for r in rows]
