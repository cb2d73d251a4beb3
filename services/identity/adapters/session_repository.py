"""Refresh-token sessions and sign-in failure counters in PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from services.identity.domain.lockout import Scope
from services.identity.domain.sessions import RefreshSession

_COLUMNS = "id, family_id, user_id, issued_at, expires_at, family_expires_at, rotated_at, revoked_at, source_address, user_agent"


class SessionRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, session: RefreshSession, token_hash: bytes) -> None:
        await self.conn.execute(
            f"INSERT INTO refresh_tokens ({_COLUMNS}, token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            session.id, session.family_id, session.user_id, session.issued_at, session.expires_at,
            session.family_expires_at, session.rotated_at, session.revoked_at, session.source_address,
            session.user_agent, token_hash,
        )

    async def by_token_hash(self, token_hash: bytes) -> RefreshSession | None:
        """The session of a refresh token, locked: concurrent refreshes of one token serialise."""
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE", token_hash)
        return RefreshSession(**dict(row)) if row else None

    async def mark_rotated(self, session: RefreshSession) -> None:
        await self.conn.execute("UPDATE refresh_tokens SET rotated_at = $2 WHERE id = $1", session.id, session.rotated_at)

    async def revoke_family(self, family_id: uuid.UUID, now: datetime, reason: str) -> int:
        result = await self.conn.execute(
            "UPDATE refresh_tokens SET revoked_at = $2, revoke_reason = $3 WHERE family_id = $1 AND revoked_at IS NULL",
            family_id, now, reason,
        )
        return int(result.split()[-1])

    async def revoke_user(self, user_id: uuid.UUID, now: datetime, reason: str) -> int:
        result = await self.conn.execute(
            "UPDATE refresh_tokens SET revoked_at = $2, revoke_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL",
            user_id, now, reason,
        )
        return int(result.split()[-1])


@dataclass(frozen=True)
class Attempt:
    failure_id: int | None  # the provisional failure row (None when locked)
    failures: int  # failures of the key within the window, this one included
    locked_until: datetime | None


class LockoutRepository:
    """Failure rows per (scope, key) and lock rows; times come from the caller's clock."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def locked_until(self, scope: Scope, key: str, now: datetime) -> datetime | None:
        return await self.conn.fetchval(  # type: ignore[no-any-return]
            "SELECT locked_until FROM sign_in_locks WHERE scope = $1 AND key = $2 AND locked_until > $3", scope, key, now
        )

    async def attempt(self, scope: Scope, key: str, now: datetime, window: timedelta) -> Attempt:
        """Count one attempt as a failure unless the key is locked.

        Under a per-key lock held to the end of the transaction, so concurrent attempts
        see each other's failures and locks (a lock set by one is seen by the next).
        """
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"mgov-signin:{scope}:{key}")
        locked_until = await self.locked_until(scope, key, now)
        if locked_until is not None:
            return Attempt(None, 0, locked_until)
        await self.conn.execute(
            "DELETE FROM sign_in_failures WHERE scope = $1 AND key = $2 AND failed_at <= $3", scope, key, now - window
        )
        row_id = await self.conn.fetchval(
            "INSERT INTO sign_in_failures (scope, key, failed_at) VALUES ($1, $2, $3) RETURNING id", scope, key, now
        )
        count = await self.conn.fetchval("SELECT count(*) FROM sign_in_failures WHERE scope = $1 AND key = $2", scope, key)
        return Attempt(int(row_id), int(count), None)

    async def forget_failures(self, ids: list[int]) -> None:
        await self.conn.execute("DELETE FROM sign_in_failures WHERE id = ANY($1::bigint[])", ids)

    async def clear(self, scope: Scope, key: str) -> None:
        await self.conn.execute("DELETE FROM sign_in_failures WHERE scope = $1 AND key = $2", scope, key)

    async def lock(self, scope: Scope, key: str, until: datetime) -> None:
        """Lock the key; its failures are forgotten, so counting starts afresh after the lock."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"mgov-signin:{scope}:{key}")
        await self.clear(scope, key)
        await self.conn.execute(
            "INSERT INTO sign_in_locks (scope, key, locked_until) VALUES ($1, $2, $3)"
            " ON CONFLICT (scope, key) DO UPDATE SET locked_until = GREATEST(sign_in_locks.locked_until, EXCLUDED.locked_until)",
            scope, key, until,
        )

    async def prune(self, now: datetime, window: timedelta) -> None:
        """Drop failures older than the window and ended locks (a periodic chore)."""
        await self.conn.execute("DELETE FROM sign_in_failures WHERE failed_at <= $1", now - window)
        await self.conn.execute("DELETE FROM sign_in_locks WHERE locked_until <= $1", now)
