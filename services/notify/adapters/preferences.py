"""Users' preferences in PostgreSQL; a user without a row has the defaults."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

import asyncpg

from services.notify.domain.preferences import Preferences, QuietHours


def _prefs(r: asyncpg.Record) -> Preferences:
    quiet = None
    if r["quiet_start"] and r["quiet_end"]:
        quiet = QuietHours(time.fromisoformat(r["quiet_start"]), time.fromisoformat(r["quiet_end"]))
    overrides = {(o[0], o[1]): bool(o[2]) for o in r["overrides"]}
    return Preferences(r["user_id"], overrides, quiet, r["locale"], r["time_zone"], tuple(r["notice_tenants"]))


class PreferenceRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, user_id: str) -> Preferences:
        row = await self.conn.fetchrow("SELECT * FROM preferences WHERE user_id = $1", user_id)
        return _prefs(row) if row else Preferences(user_id)

    async def get_many(self, user_ids: Sequence[str]) -> dict[str, Preferences]:
        rows = await self.conn.fetch("SELECT * FROM preferences WHERE user_id = ANY($1::text[])", list(user_ids))
        found = {r["user_id"]: _prefs(r) for r in rows}
        return {u: found.get(u) or Preferences(u) for u in user_ids}

    async def audience(self, user_ids: Sequence[str]) -> dict[str, tuple[Preferences, bool]]:
        """Each user's preferences and whether they have a push device, in one query.

        The devices are looked up once for the whole list (an InitPlan), not by a
        subquery per user: PostgreSQL then settles on a generic plan for the statement,
        where with the correlated `EXISTS` it planned it again for every chunk the
        consumer wrote (~0.2 ms of backend CPU each time, three times the query's own)."""
        rows = await self.conn.fetch(
            "SELECT u.id AS uid, p.*, u.id = ANY(ARRAY(SELECT user_id FROM devices WHERE user_id = ANY($1::text[]))) AS has_device"
            " FROM unnest($1::text[]) AS u(id) LEFT JOIN preferences p ON p.user_id = u.id", list(user_ids))
        return {r["uid"]: (_prefs(r) if r["user_id"] else Preferences(r["uid"]), r["has_device"]) for r in rows}

    async def put(self, p: Preferences, now: datetime) -> None:
        overrides = [[c, ch, on] for (c, ch), on in sorted(p.overrides.items())]
        start, end = (p.quiet.start.strftime("%H:%M"), p.quiet.end.strftime("%H:%M")) if p.quiet else (None, None)
        await self.conn.execute(
            "INSERT INTO preferences (user_id, overrides, quiet_start, quiet_end, locale, time_zone, notice_tenants, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id) DO UPDATE SET overrides = $2, quiet_start = $3,"
            " quiet_end = $4, locale = $5, time_zone = $6, notice_tenants = $7, updated_at = $8",
            p.user_id, overrides, start, end, p.locale, p.time_zone, list(p.notice_tenants), now,
        )

    async def notice_subscribers(self, tenants: Sequence[str], *, after: str = "", limit: int = 5000) -> list[str]:
        """Users following any of `tenants`, in id order (paged for large audiences)."""
        rows = await self.conn.fetch(
            "SELECT user_id FROM preferences WHERE notice_tenants && $1::text[] AND user_id > $2 ORDER BY user_id LIMIT $3",
            list(tenants), after, limit,
        )
        return [r["user_id"] for r in rows]
