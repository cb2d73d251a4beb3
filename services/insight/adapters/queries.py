"""The reads behind the figures: counters summed over a date range, case durations and
open rectifications, grouped by item, department or a set of tenants."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from mgov_common.working_days import day_start

_SUMS = ", ".join(f"sum({c})::bigint AS {c}" for c in (
    "guide_views", "started", "submitted", "completed", "rejected", "withdrawn", "on_time", "supplemented", "ratings",
    "rating_sum", "negative", "rect_opened", "rect_closed", "sla_breaches"))
_SUMS += ", (sum(completed) FILTER (WHERE channel = 'app'))::bigint AS completed_app"


def _span(first: date, last: date) -> tuple[datetime, datetime]:
    return day_start(first), day_start(last + timedelta(days=1))


class Figures:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # -- items
    async def items_page(self, tenants: list[str], after: tuple[str, uuid.UUID] | None, limit: int,
                         department: str = "") -> list[asyncpg.Record]:
        after = after or ("", uuid.UUID(int=0))
        return await self.conn.fetch(
            "SELECT id, tenant_id, code, name, department, status FROM items WHERE tenant_id = ANY($1::text[]) "
            "AND (tenant_id, id) > ($2, $3) AND ($5 = '' OR department = $5) ORDER BY tenant_id, id LIMIT $4",
            tenants, after[0], after[1], limit, department)

    async def item(self, tenants: list[str], item_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT id, tenant_id, code, name, department, status FROM items WHERE id = $1 "
                                        "AND tenant_id = ANY($2::text[])", item_id, tenants)

    async def item_sums(self, items: list[uuid.UUID], first: date, last: date) -> dict[uuid.UUID, dict[str, Any]]:
        rows = await self.conn.fetch(f"SELECT item_id, {_SUMS} FROM daily WHERE item_id = ANY($1::uuid[]) AND day BETWEEN $2 AND $3 "
                                     "GROUP BY item_id", items, first, last)
        return {r["item_id"]: dict(r) for r in rows}

    async def item_durations(self, items: list[uuid.UUID], first: date, last: date) -> dict[uuid.UUID, list[float]]:
        lo, hi = _span(first, last)
        rows = await self.conn.fetch("SELECT item_id, array_agg(working_days) AS d FROM cases WHERE item_id = ANY($1::uuid[]) "
                                     "AND finished_at >= $2 AND finished_at < $3 GROUP BY item_id", items, lo, hi)
        return {r["item_id"]: list(r["d"]) for r in rows}

    async def item_rectifications(self, items: list[uuid.UUID], now: datetime) -> dict[uuid.UUID, tuple[int, int]]:
        rows = await self.conn.fetch("SELECT item_id, count(*) AS n, count(*) FILTER (WHERE due_at < $2) AS late FROM rectifications "
                                     "WHERE status = 'open' AND item_id = ANY($1::uuid[]) GROUP BY item_id", items, now)
        return {r["item_id"]: (r["n"], r["late"]) for r in rows}

    # -- departments
    async def departments_page(self, tenants: list[str], after: tuple[str, str] | None, limit: int,
                               department: str = "") -> list[asyncpg.Record]:
        after = after or ("", "")
        return await self.conn.fetch(
            "SELECT DISTINCT tenant_id, department FROM items WHERE tenant_id = ANY($1::text[]) AND (tenant_id, department) > ($2, $3) "
            "AND ($5 = '' OR department = $5) ORDER BY tenant_id, department LIMIT $4", tenants, after[0], after[1], limit, department)

    async def open_cases(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[list[str]]]:
        """The roles each open case of the departments waits on."""
        rows = await self.conn.fetch(
            "SELECT c.tenant_id, c.department, c.eligible_roles FROM cases c JOIN unnest($1::text[], $2::text[]) AS k(t, dep) "
            "ON c.tenant_id = k.t AND c.department = k.dep WHERE c.finished_at IS NULL", [k[0] for k in keys], [k[1] for k in keys])
        out: dict[tuple[str, str], list[list[str]]] = {}
        for r in rows:
            out.setdefault((r["tenant_id"], r["department"]), []).append(list(r["eligible_roles"]))
        return out

    async def staff_bindings(self, bindings: list[str]) -> list[list[str]]:
        """The bindings ("tenant:role") of every active staff account holding one of `bindings`."""
        rows = await self.conn.fetch("SELECT roles FROM accounts WHERE NOT disabled AND roles && $1::text[]", bindings)
        return [list(r["roles"]) for r in rows]

    async def department_sums(self, keys: list[tuple[str, str]], first: date, last: date) -> dict[tuple[str, str], dict[str, Any]]:
        rows = await self.conn.fetch(
            f"SELECT d.tenant_id, d.department, {_SUMS} FROM daily d JOIN unnest($1::text[], $2::text[]) AS k(t, dep) "
            "ON d.tenant_id = k.t AND d.department = k.dep WHERE d.day BETWEEN $3 AND $4 GROUP BY d.tenant_id, d.department",
            [k[0] for k in keys], [k[1] for k in keys], first, last)
        return {(r["tenant_id"], r["department"]): dict(r) for r in rows}

    async def department_durations(self, keys: list[tuple[str, str]], first: date, last: date) -> dict[tuple[str, str], list[float]]:
        lo, hi = _span(first, last)
        rows = await self.conn.fetch(
            "SELECT c.tenant_id, c.department, array_agg(c.working_days) AS d FROM cases c JOIN unnest($1::text[], $2::text[]) AS k(t, dep) "
            "ON c.tenant_id = k.t AND c.department = k.dep WHERE c.finished_at >= $3 AND c.finished_at < $4 GROUP BY c.tenant_id, c.department",
            [k[0] for k in keys], [k[1] for k in keys], lo, hi)
        return {(r["tenant_id"], r["department"]): list(r["d"]) for r in rows}

    async def department_rectifications(self, keys: list[tuple[str, str]], now: datetime) -> dict[tuple[str, str], tuple[int, int]]:
        rows = await self.conn.fetch(
            "SELECT r.tenant_id, r.department, count(*) AS n, count(*) FILTER (WHERE r.due_at < $3) AS late FROM rectifications r "
            "JOIN unnest($1::text[], $2::text[]) AS k(t, dep) ON r.tenant_id = k.t AND r.department = k.dep "
            "WHERE r.status = 'open' GROUP BY r.tenant_id, r.department", [k[0] for k in keys], [k[1] for k in keys], now)
        return {(r["tenant_id"], r["department"]): (r["n"], r["late"]) for r in rows}

    # -- a set of tenants as one (rankings)
    async def tenants_sums(self, tenants: list[str], first: date, last: date) -> dict[str, Any]:
        row = await self.conn.fetchrow(f"SELECT {_SUMS} FROM daily WHERE tenant_id = ANY($1::text[]) AND day BETWEEN $2 AND $3",
                                       tenants, first, last)
        return dict(row) if row else {}

    async def tenants_durations(self, tenants: list[str], first: date, last: date) -> list[float]:
        lo, hi = _span(first, last)
        rows = await self.conn.fetch("SELECT working_days FROM cases WHERE tenant_id = ANY($1::text[]) AND finished_at >= $2 "
                                     "AND finished_at < $3", tenants, lo, hi)
        return [r["working_days"] for r in rows]

    async def tenants_rectifications(self, tenants: list[str], now: datetime) -> tuple[int, int]:
        row = await self.conn.fetchrow("SELECT count(*) AS n, count(*) FILTER (WHERE due_at < $2) AS late FROM rectifications "
                                       "WHERE status = 'open' AND tenant_id = ANY($1::text[])", tenants, now)
        return (row["n"], row["late"]) if row else (0, 0)

    # -- a set of tenants day by day (trends)
    async def daily_sums(self, tenants: list[str], first: date, last: date) -> dict[date, dict[str, Any]]:
        rows = await self.conn.fetch(f"SELECT day, {_SUMS} FROM daily WHERE tenant_id = ANY($1::text[]) AND day BETWEEN $2 AND $3 "
                                     "GROUP BY day", tenants, first, last)
        return {r["day"]: dict(r) for r in rows}

    async def daily_durations(self, tenants: list[str], first: date, last: date) -> dict[date, list[float]]:
        """Working days of the cases finished on each China date."""
        lo, hi = _span(first, last)
        rows = await self.conn.fetch("SELECT (finished_at AT TIME ZONE 'Asia/Shanghai')::date AS day, array_agg(working_days) AS d "
                                     "FROM cases WHERE tenant_id = ANY($1::text[]) AND finished_at >= $2 AND finished_at < $3 GROUP BY 1",
                                     tenants, lo, hi)
        return {r["day"]: list(r["d"]) for r in rows}
