"""Push devices in PostgreSQL. A token is unique per platform (looked up by its hash):
registering a known token again refreshes it and moves it to the caller, since a
device belongs to whoever signed in on it last."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

_COLS = "id, user_id, platform, token, name, created_at, last_seen_at"


@dataclass(frozen=True)
class Device:
    id: uuid.UUID
    user_id: str
    platform: str
    token: str
    name: str
    created_at: datetime
    last_seen_at: datetime


def _dev(r: asyncpg.Record) -> Device:
    return Device(**{k: r[k] for k in _COLS.split(", ")})


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class DeviceRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def upsert(self, *, user_id: str, platform: str, token: str, name: str, now: datetime) -> Device:
        row = await self.conn.fetchrow(
            f"INSERT INTO devices (id, user_id, platform, token, token_hash, name, created_at, last_seen_at)"
            f" VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (platform, token_hash) DO UPDATE SET user_id = $2, name = $6,"
            f" last_seen_at = $7 RETURNING {_COLS}",
            uuid.uuid4(), user_id, platform, token, token_hash(token), name, now,
        )
        return _dev(row)

    async def of_user(self, user_id: str) -> list[Device]:
        return [_dev(r) for r in await self.conn.fetch(f"SELECT {_COLS} FROM devices WHERE user_id = $1 ORDER BY created_at DESC", user_id)]

    async def delete(self, device_id: uuid.UUID, user_id: str | None = None) -> bool:
        result = await self.conn.execute(
            "DELETE FROM devices WHERE id = $1 AND ($2::text IS NULL OR user_id = $2)", device_id, user_id)
        return result.endswith(" 1")

    async def exists(self, device_id: uuid.UUID) -> bool:
        return bool(await self.conn.fetchval("SELECT true FROM devices WHERE id = $1", device_id))
