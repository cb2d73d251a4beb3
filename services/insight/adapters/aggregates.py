"""The SQL that keeps the aggregates: one statement per change, on the consumer's connection."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

import asyncpg

from mgov_common.events.chunked import RECORD_IDS

COUNTER_COLUMNS = frozenset({"guide_views", "started", "submitted", "completed", "rejected", "withdrawn", "on_time", "supplemented",
                             "ratings", "rating_sum", "negative", "rect_opened", "rect_closed", "sla_breaches"})
# Every table the streams fill (rebuild empties them; thresholds and actions are not events').
# `accounts` is kept: identity's staff listings fill it too, and merging a replayed sign-in
# changes nothing (sign-ins and roles only move forward). Calendars are not emptied either:
# a year is announced once, and the streams keep 30 days.
PROJECTED_TABLES = ("items", "cases", "daily", "rectifications", "systems", "notices")


# How what insight is told of an item (`EXCLUDED`: by an event, or by catalog's listing,
# adapters/listed.py) merges with what it holds (`i`), so that the order never matters: the
# code, name, department and limit of the newer version, the earliest first publication,
# the latest review, retired once either says so (catalog never publishes one again).
ITEM_MERGE = """
    code = CASE WHEN EXCLUDED.reviewed_at >= i.reviewed_at THEN EXCLUDED.code ELSE i.code END,
    name = CASE WHEN EXCLUDED.reviewed_at >= i.reviewed_at THEN EXCLUDED.name ELSE i.name END,
    department = CASE WHEN EXCLUDED.reviewed_at >= i.reviewed_at THEN EXCLUDED.department ELSE i.department END,
    promised_limit_days = CASE WHEN EXCLUDED.reviewed_at >= i.reviewed_at THEN EXCLUDED.promised_limit_days ELSE i.promised_limit_days END,
    status = CASE WHEN i.status = 'retired' OR EXCLUDED.status = 'retired' THEN 'retired' ELSE 'published' END,
    first_published_at = least(i.first_published_at, EXCLUDED.first_published_at),
    reviewed_at = greatest(i.reviewed_at, EXCLUDED.reviewed_at)
"""


class OpenedCase(NamedTuple):
    """A submitted case as `open_cases` takes it (`day`: the China date it counts on)."""

    id: uuid.UUID
    tenant_id: str
    item_id: uuid.UUID
    department: str
    channel: str
    submitted_at: datetime
    due_at: datetime | None
    day: date
    roles: str = ""  # who may act on it now: its eligible roles, comma-separated (one text per case in `unnest`)


# After `input` (the cases to open, in stream order `ord`): open the new ones, count them
# per day, tenant, item and channel, and move their items' last application.
_OPEN_TAIL = """
opened AS (
    INSERT INTO cases (id, tenant_id, item_id, department, channel, submitted_at, due_at, eligible_roles, state_since)
    SELECT id, tenant_id, item_id, department, channel, submitted_at, due_at, coalesce(string_to_array(roles, ','), '{}'), submitted_at
    FROM input ORDER BY ord
    ON CONFLICT (id) DO NOTHING RETURNING id
), new AS (
    SELECT input.* FROM input JOIN opened USING (id)
), counted AS (
    INSERT INTO daily (day, tenant_id, item_id, channel, department, submitted)
    SELECT day, tenant_id, item_id, channel,
           coalesce((array_agg(department ORDER BY ord DESC) FILTER (WHERE department <> ''))[1], ''), count(*)
    FROM new GROUP BY day, tenant_id, item_id, channel
    ON CONFLICT (day, tenant_id, item_id, channel) DO UPDATE SET submitted = daily.submitted + EXCLUDED.submitted,
        department = CASE WHEN EXCLUDED.department <> '' THEN EXCLUDED.department ELSE daily.department END
), applied AS (
    UPDATE items SET last_application_at = greatest(items.last_application_at, latest.at)
    FROM (SELECT item_id, max(submitted_at) AS at FROM new GROUP BY item_id) AS latest WHERE items.id = latest.item_id
)"""
_CASE_COLUMNS = "id, tenant_id, item_id, department, channel, submitted_at, due_at, day, roles"


def _case_arrays(first: int) -> str:
    """The parameters of the `OpenedCase` columns, one array each, from `$first` on."""
    types = ("uuid", "text", "uuid", "text", "text", "timestamptz", "timestamptz", "date", "text")
    return ", ".join(f"${first + i}::{t}[]" for i, t in enumerate(types))


_OPEN_CASES = f"""
WITH input AS (
    SELECT * FROM unnest({_case_arrays(1)}) WITH ORDINALITY AS i ({_CASE_COLUMNS}, ord)
), {_OPEN_TAIL}
SELECT count(*) FROM opened
"""
# The same, recording the events' ids ($1 consumer, $2 ids, one per case) with the
# platform's statement first: only the cases of fresh events are opened (the first
# fresh submission of each). The fresh ids come back.
_RECORD_AND_OPEN = f"""
WITH fresh AS ({RECORD_IDS}), input AS (
    SELECT DISTINCT ON (id) i.* FROM unnest({_case_arrays(3)}, $2::uuid[]) WITH ORDINALITY AS i ({_CASE_COLUMNS}, event_id, ord)
    JOIN fresh USING (event_id) ORDER BY id, ord
), {_OPEN_TAIL}
SELECT coalesce((SELECT array_agg(event_id) FROM fresh), '{{}}') AS fresh, (SELECT count(*) FROM opened) AS opened
"""


class Aggregates:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, day: date, tenant_id: str, item_id: uuid.UUID, channel: str, department: str, **counts: int) -> None:
        """Add `counts` to the day's row of (tenant, item, channel)."""
        cols = sorted(counts)
        if not cols or not set(cols) <= COUNTER_COLUMNS:
            raise ValueError(f"unknown counters {cols}")
        names = ", ".join(cols)
        values = ", ".join(f"${i + 6}" for i in range(len(cols)))
        updates = ", ".join(f"{c} = daily.{c} + EXCLUDED.{c}" for c in cols)
        await self.conn.execute(
            f"INSERT INTO daily (day, tenant_id, item_id, channel, department, {names}) VALUES ($1, $2, $3, $4, $5, {values}) "
            f"ON CONFLICT (day, tenant_id, item_id, channel) DO UPDATE SET {updates}, "
            "department = CASE WHEN EXCLUDED.department <> '' THEN EXCLUDED.department ELSE daily.department END",
            day, tenant_id, item_id, channel, department, *(counts[c] for c in cols))

    # -- cases
    async def case(self, case_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT * FROM cases WHERE id = $1", case_id)

    async def open_case(self, case_id: uuid.UUID, tenant_id: str, item_id: uuid.UUID, department: str, channel: str,
                        at: datetime, due_at: datetime | None, eligible_roles: tuple[str, ...] = ()) -> bool:
        status = await self.conn.execute(
            "INSERT INTO cases (id, tenant_id, item_id, department, channel, submitted_at, due_at, eligible_roles, state_since) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $6) ON CONFLICT (id) DO NOTHING",
            case_id, tenant_id, item_id, department, channel, at, due_at, list(eligible_roles))
        return status.endswith(" 1")

    async def case_moved(self, case_id: uuid.UUID, eligible_roles: tuple[str, ...], at: datetime) -> None:
        """The case entered a state: who may act now, and since when (a later event wins)."""
        await self.conn.execute("UPDATE cases SET eligible_roles = $2, state_since = $3 WHERE id = $1 AND finished_at IS NULL "
                                "AND (state_since IS NULL OR state_since <= $3)", case_id, list(eligible_roles), at)

    async def finished_cases(self, tenants: list[str], lo: datetime, hi: datetime) -> list[asyncpg.Record]:
        """Finished cases of `tenants` whose time [submitted, finished] meets [lo, hi)."""
        return await self.conn.fetch("SELECT id, tenant_id, submitted_at, finished_at FROM cases WHERE tenant_id = ANY($1::text[]) "
                                     "AND finished_at IS NOT NULL AND finished_at >= $2 AND submitted_at < $3", tenants, lo, hi)

    async def set_working_days(self, case_id: uuid.UUID, working_days: float) -> None:
        await self.conn.execute("UPDATE cases SET working_days = $2 WHERE id = $1", case_id, working_days)

    async def open_cases(self, cases: Sequence[OpenedCase]) -> int:
        """Open every case not yet known, in one statement, with what `open_case` and
        then `add(submitted=1)` and `item_applied` do for each new one: the daily
        counters added per (day, tenant, item, channel), the department the last one
        that names it, the items' last application the latest. How many were new."""
        if not cases:
            return 0
        return await self.conn.fetchval(_OPEN_CASES, *zip(*cases, strict=True)) or 0

    async def record_and_open_cases(self, consumer: str, submissions: Sequence[tuple[uuid.UUID, OpenedCase]]) -> set[uuid.UUID]:
        """`open_cases` for the submissions (event id, case) of events not yet recorded
        for `consumer`, recording their ids, in one statement (its own transaction when
        the connection is in none). The ids that were fresh."""
        if not submissions:
            return set()
        ids, cases = zip(*submissions, strict=True)
        row = await self.conn.fetchrow(_RECORD_AND_OPEN, consumer, list(ids), *zip(*cases, strict=True))
        assert row is not None
        return set(row["fresh"])

    async def mark_supplemented(self, case_id: uuid.UUID) -> bool:
        status = await self.conn.execute("UPDATE cases SET supplemented = true WHERE id = $1 AND NOT supplemented", case_id)
        return status.endswith(" 1")

    async def set_due(self, case_id: uuid.UUID, due_at: datetime) -> None:
        await self.conn.execute("UPDATE cases SET due_at = $2 WHERE id = $1 AND finished_at IS NULL", case_id, due_at)

    async def finish_case(self, case_id: uuid.UUID, at: datetime, outcome: str, on_time: bool, working_days: float) -> bool:
        status = await self.conn.execute(
            "UPDATE cases SET finished_at = $2, outcome = $3, on_time = $4, working_days = $5 WHERE id = $1 AND finished_at IS NULL",
            case_id, at, outcome, on_time, working_days)
        return status.endswith(" 1")

    # -- items
    async def item_published(self, item_id: uuid.UUID, tenant_id: str, code: str, name: dict[str, str], department: str,
                             limit: int | None, at: datetime) -> None:
        """A version published; a retired item stays retired (catalog never publishes one
        again, and a listing may have told insight first: adapters/listed.py)."""
        await self.conn.execute(
            "INSERT INTO items AS i (id, tenant_id, code, name, department, status, promised_limit_days, first_published_at, reviewed_at) "
            f"VALUES ($1, $2, $3, $4, $5, 'published', $6, $7, $7) ON CONFLICT (id) DO UPDATE SET {ITEM_MERGE}",
            item_id, tenant_id, code, name, department, limit, at)

    async def item_retired(self, item_id: uuid.UUID) -> None:
        await self.conn.execute("UPDATE items SET status = 'retired' WHERE id = $1", item_id)

    async def item_applied(self, item_id: uuid.UUID, at: datetime) -> None:
        await self.conn.execute("UPDATE items SET last_application_at = greatest(last_application_at, $2) WHERE id = $1", item_id, at)

    async def promised_limit(self, item_id: uuid.UUID) -> int | None:
        value = await self.conn.fetchval("SELECT promised_limit_days FROM items WHERE id = $1", item_id)
        return int(value) if value is not None else None

    async def item_department(self, item_id: uuid.UUID) -> tuple[str, str] | None:
        row = await self.conn.fetchrow("SELECT tenant_id, department FROM items WHERE id = $1", item_id)
        return (row["tenant_id"], row["department"]) if row else None

    # -- rectifications
    async def rectification_opened(self, rid: uuid.UUID, tenant_id: str, item_id: uuid.UUID | None, department: str,
                                   due_at: datetime | None, at: datetime) -> bool:
        status = await self.conn.execute(
            "INSERT INTO rectifications (id, tenant_id, item_id, department, due_at, status, opened_at) "
            "VALUES ($1, $2, $3, $4, $5, 'open', $6) ON CONFLICT (id) DO NOTHING", rid, tenant_id, item_id, department, due_at, at)
        return status.endswith(" 1")

    async def rectification_closed(self, rid: uuid.UUID) -> asyncpg.Record | None:
        return await self.conn.fetchrow("UPDATE rectifications SET status = 'closed' WHERE id = $1 AND status = 'open' RETURNING *", rid)

    # -- systems and accounts
    async def system_registered(self, system_id: str, tenant_id: str, name: str, at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO systems (id, tenant_id, name, status, registered_at) VALUES ($1, $2, $3, 'active', $4) "
            "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name", system_id, tenant_id, name, at)

    async def system_revoked(self, system_id: str) -> None:
        await self.conn.execute("UPDATE systems SET status = 'revoked' WHERE id = $1", system_id)

    async def system_seen(self, system_id: str, at: datetime) -> None:
        await self.conn.execute("UPDATE systems SET last_seen_at = greatest(last_seen_at, $2) WHERE id = $1", system_id, at)

    async def signed_in(self, user_id: uuid.UUID, tenant_id: str, roles: list[str], at: datetime) -> None:
        """A sign-in: the account's last one moves forward; its roles are those of the newest
        sign-in or staff listing, whichever is later (so a replay never undoes a newer listing)."""
        await self.conn.execute(
            "INSERT INTO accounts (user_id, tenant_id, roles, last_sign_in_at, roles_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (user_id) "
            "DO UPDATE SET tenant_id = EXCLUDED.tenant_id, "
            "roles = CASE WHEN accounts.roles_at IS NULL OR accounts.roles_at <= EXCLUDED.roles_at THEN EXCLUDED.roles ELSE accounts.roles END, "
            "roles_at = greatest(accounts.roles_at, EXCLUDED.roles_at), "
            "last_sign_in_at = greatest(accounts.last_sign_in_at, EXCLUDED.last_sign_in_at)", user_id, tenant_id, roles, at)

    async def staff_listed(self, user_id: uuid.UUID, tenant_id: str, name: str, roles: list[str], disabled: bool,
                           created_at: datetime | None, last_sign_in_at: datetime | None, at: datetime) -> None:
        """An account as identity's staff listing showed it at `at` (its stored last sign-in too)."""
        await self.conn.execute(
            "INSERT INTO accounts (user_id, tenant_id, name, roles, last_sign_in_at, disabled, created_at, roles_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, "
            "name = EXCLUDED.name, created_at = EXCLUDED.created_at, disabled = accounts.disabled OR EXCLUDED.disabled, "
            "roles = CASE WHEN accounts.roles_at IS NULL OR accounts.roles_at <= EXCLUDED.roles_at THEN EXCLUDED.roles ELSE accounts.roles END, "
            "roles_at = greatest(accounts.roles_at, EXCLUDED.roles_at), "
            "last_sign_in_at = greatest(accounts.last_sign_in_at, EXCLUDED.last_sign_in_at)",
            user_id, tenant_id, name, roles, last_sign_in_at, disabled, created_at, at)

    # -- notices
    async def notice_published(self, notice_id: uuid.UUID, tenant_id: str, title: dict[str, str], at: datetime) -> None:
        await self.conn.execute("INSERT INTO notices (id, tenant_id, title, published_at) VALUES ($1, $2, $3, $4) "
                                "ON CONFLICT (id) DO NOTHING", notice_id, tenant_id, title, at)

    async def account_disabled(self, user_id: uuid.UUID, disabled: bool) -> None:
        await self.conn.execute("UPDATE accounts SET disabled = $2 WHERE user_id = $1", user_id, disabled)
