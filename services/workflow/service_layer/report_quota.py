"""How many 随手拍 reports one phone without an account files a day.

A phone proven by SMS code costs its holder nothing to use again and again, so the
platform caps what one phone files: at most `phone_reports_per_day` reports a day
(China time), the tenant setting nearest on the path of the tenant where the report
lands (default 10). A report merged into an open one counts too: it is a filing. The
count is taken inside the report's own transaction, one row per phone and day
(`phone_report_counts`): concurrent filings queue on that row, the one past the limit
is refused with RESOURCE_EXHAUSTED `report_quota_exceeded` (HTTP 429), and a report
that fails for any other reason rolls its count back. A repeat of an Idempotency-Key
answers the first report and costs nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mgov_common.errors import ResourceExhausted
from services.workflow.domain.calendar import local_date

DEFAULT_PER_DAY = 10


async def daily_limit(uow, chain: list[str]) -> int:  # type: ignore[no-untyped-def]
    """The limit in force for a tenant (`chain`: it and its ancestors, nearest first)."""
    settings = await uow.reference.settings_chain(chain)
    for t in chain:
        if settings.get(t, {}).get("phone_reports_per_day"):
            return int(settings[t]["phone_reports_per_day"])
    return DEFAULT_PER_DAY


async def charge(uow, chain: list[str], reporter_id: str, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Count one filing of `reporter_id` today, or refuse it past the limit (in the caller's transaction)."""
    limit, day = await daily_limit(uow, chain), local_date(now)
    filed = await uow.conn.fetchval(
        "INSERT INTO phone_report_counts (reporter_id, day, filed) VALUES ($1, $2, 1)"
        " ON CONFLICT (reporter_id, day) DO UPDATE SET filed = phone_report_counts.filed + 1"
        " WHERE phone_report_counts.filed < $3 RETURNING filed", reporter_id, day, limit)
    if filed is None:
        raise ResourceExhausted(f"a phone without an account files at most {limit} reports a day; try again tomorrow or sign in",
                                code="report_quota_exceeded")
    if filed == 1:  # the first of the day: yesterday's and older counts are done with
        await uow.conn.execute("DELETE FROM phone_report_counts WHERE reporter_id = $1 AND day < $2", reporter_id, day - timedelta(days=1))
