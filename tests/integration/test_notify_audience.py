"""The audience of a chunk of events (each recipient's preferences and whether they have a
push device), read in one statement that PostgreSQL plans once, against real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from mgov_common.db import create_pool
from mgov_common.migrations import migrate
from services.notify.adapters.devices import DeviceRepository
from services.notify.adapters.preferences import PreferenceRepository
from services.notify.bootstrap import MIGRATIONS
from services.notify.domain.preferences import Preferences
from tests.conftest import Servers

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def pool(servers: Servers) -> AsyncIterator[asyncpg.Pool]:
    schema = f"na_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, schema, MIGRATIONS)
    pool = await create_pool(servers.dsn, schema, min_size=1, max_size=2)
    try:
        yield pool
    finally:
        await pool.close()


async def test_the_audience_gives_each_users_preferences_and_whether_they_have_a_push_device(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        prefs, devices = PreferenceRepository(conn), DeviceRepository(conn)
        await prefs.put(Preferences("with-both", {("case_progress", "push"): False}, locale="en", time_zone="Europe/London"), NOW)
        await prefs.put(Preferences("prefs-only", locale="en"), NOW)
        await devices.upsert(user_id="with-both", platform="web", token="t1", name="laptop", now=NOW)
        await devices.upsert(user_id="device-only", platform="android", token="t2", name="phone", now=NOW)
        await devices.upsert(user_id="device-only", platform="ios", token="t3", name="tablet", now=NOW)
        found = await prefs.audience(["with-both", "prefs-only", "device-only", "neither"])
    assert {u: has for u, (_, has) in found.items()} == {"with-both": True, "prefs-only": False, "device-only": True, "neither": False}
    both, _ = found["with-both"]
    assert (both.locale, both.time_zone, both.allows("case_progress", "push")) == ("en", "Europe/London", False)
    assert found["prefs-only"][0].locale == "en"
    assert found["neither"][0] == Preferences("neither") and found["device-only"][0] == Preferences("device-only")


async def test_the_audience_statement_is_planned_once_not_again_for_every_chunk(pool: asyncpg.Pool) -> None:
    """A statement PostgreSQL plans anew at every execution (custom plans) costs the
    notify consumer's database several times the query itself, once per chunk. After
    its first five executions PostgreSQL compares the generic plan with the custom ones
    it made; this statement's generic plan must win, for any audience size."""
    async with pool.acquire() as conn:
        prefs = PreferenceRepository(conn)
        for n in range(12):
            await prefs.audience([f"user-{i}" for i in range(1 + n % 4)])
        row = await conn.fetchrow("SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                                  " WHERE statement LIKE '%AS has_device%' AND statement NOT LIKE '%pg_prepared_statements%'")
    assert row is not None
    assert row["custom_plans"] <= 5 and row["generic_plans"] >= 7, dict(row)
