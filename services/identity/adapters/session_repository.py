"""Refresh-token sessions and sign-in failure counters in PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from services.identity.domain.lockout import Scope, ThrottlePolicy
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

    async def last_sign_ins(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
        """When each user last signed in: the start (first token) of their newest session."""
        rows = await self.conn.fetch(
            "SELECT user_id, max(started) AS at FROM (SELECT user_id, min(issued_at) AS started FROM refresh_tokens"
            " WHERE user_id = ANY($1::uuid[]) GROUP BY user_id, family_id) s GROUP BY user_id", user_ids)
        return {r["user_id"]: r["at"] for r in rows}

    async def signed_in_from(self, user_id: uuid.UUID, address: str, since: datetime) -> bool:
        """Whether a session of the user, not ended by logout, was started or refreshed
        from `address` since then."""
        return bool(await self.conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL"
            " AND source_address = $2 AND issued_at > $3)",
            user_id, address, since,
        ))


@dataclass(frozen=True)
class Attempt:
    failure_id: int | None  # the provisional failure row (None when throttled)
    failures: int  # failures of the key within the window, this one included
    not_before: datetime | None  # set when throttled: the key may be tried again then


class LockoutRepository:
    """Failure rows per (scope, key); times come from the caller's clock."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def attempt(self, scope: Scope, key: str, now: datetime, policy: ThrottlePolicy) -> Attempt:
        """Count one attempt as a failure unless the key must still wait.

        Under a per-key lock held to the end of the transaction, so concurrent attempts
        see each other's failures: beyond the free ones, the second of two simultaneous
        guesses finds the first's failure and its delay.
        """
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"mgov-signin:{scope}:{key}")
        await self.conn.execute(
            "DELETE FROM sign_in_failures WHERE scope = $1 AND key = $2 AND failed_at <= $3", scope, key, now - policy.window(scope)
        )
        row = await self.conn.fetchrow(
            "SELECT count(*) AS n, max(failed_at) AS last FROM sign_in_failures WHERE scope = $1 AND key = $2", scope, key
        )
        failures = int(row["n"])
        not_before = policy.next_attempt(scope, failures, row["last"])
        if not_before is not None and not_before > now:
            return Attempt(None, failures, not_before)
        row_id = await self.conn.fetchval(
            "INSERT INTO sign_in_failures (scope, key, failed_at) VALUES ($1, $2, $3) RETURNING id", scope, key, now
        )
        return Attempt(int(row_id), failures + 1, None)

    async def forget_failures(self, ids: list[int]) -> None:
        await self.conn.execute("DELETE FROM sign_in_failures WHERE id = ANY($1::bigint[])", ids)

    async def clear(self, scope: Scope, key: str) -> None:
        await self.conn.execute("DELETE FROM sign_in_failures WHERE scope = $1 AND key = $2", scope, key)

    async def prune(self, now: datetime, window: timedelta) -> None:
        """Drop failures older than the window (a periodic chore)."""
        await self.conn.execute("DELETE FROM sign_in_failures WHERE failed_at <= $1", now - window)
