"""Numbered migrations, each service in its own schema, against real PostgreSQL."""

import uuid
from pathlib import Path

import asyncpg
import pytest

from mgov_common.migrations import MigrationError, migrate
from tests.conftest import Servers


async def tables(dsn: str, schema: str) -> set[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema)
    finally:
        await conn.close()
    return {r["table_name"] for r in rows}


async def test_a_service_gets_the_platform_tables_and_its_own_in_its_own_schema(servers: Servers, tmp_path: Path) -> None:
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    a, b = f"a_{uuid.uuid4().hex[:8]}", f"b_{uuid.uuid4().hex[:8]}"
    applied = await migrate(servers.dsn, a, tmp_path)
    await migrate(servers.dsn, b, None)
    assert applied == ["platform/0001_outbox", "0001_init"]
    assert {"things", "outbox", "processed_events", "schema_migrations"} <= await tables(servers.dsn, a)
    assert "things" not in await tables(servers.dsn, b)


async def test_a_second_run_applies_nothing(servers: Servers, tmp_path: Path) -> None:
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    schema = f"s_{uuid.uuid4().hex[:8]}"
    await migrate(servers.dsn, schema, tmp_path)
    (tmp_path / "0002_more.sql").write_text("ALTER TABLE things ADD COLUMN name text;")
    assert await migrate(servers.dsn, schema, tmp_path) == ["0002_more"]
    assert await migrate(servers.dsn, schema, tmp_path) == []


async def test_an_applied_migration_that_was_edited_is_refused(servers: Servers, tmp_path: Path) -> None:
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    schema = f"s_{uuid.uuid4().hex[:8]}"
    await migrate(servers.dsn, schema, tmp_path)
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE things (id bigint PRIMARY KEY);")
    with pytest.raises(MigrationError, match="0001_init was changed after it was applied"):
        await migrate(servers.dsn, schema, tmp_path)


async def test_rewording_a_migrations_comments_is_not_a_change(servers: Servers, tmp_path: Path) -> None:
    (tmp_path / "0001_init.sql").write_text("-- Things, as first explained.\nCREATE TABLE things (id int PRIMARY KEY);")
    schema = f"s_{uuid.uuid4().hex[:8]}"
    await migrate(servers.dsn, schema, tmp_path)
    (tmp_path / "0001_init.sql").write_text("-- Things, explained better.\n  -- with a second line\nCREATE TABLE things (id int PRIMARY KEY);")
    assert await migrate(servers.dsn, schema, tmp_path) == []
    (tmp_path / "0001_init.sql").write_text("-- Things.\nCREATE TABLE things (id int PRIMARY KEY); -- a trailing note is a change\n")
    with pytest.raises(MigrationError, match="0001_init was changed after it was applied"):
        await migrate(servers.dsn, schema, tmp_path)


async def test_a_database_that_applied_a_migration_before_its_comments_were_reworded_still_starts(servers: Servers) -> None:
    """The released texts' whole-text checksums are still accepted (their statements are unchanged)."""
    schema = f"s_{uuid.uuid4().hex[:8]}"
    await migrate(servers.dsn, schema, None)
    conn = await asyncpg.connect(servers.dsn)
    try:
        await conn.execute(f'UPDATE "{schema}".schema_migrations SET checksum = $1 WHERE version = $2',
                           "e1b35031e25c995a35b555d3bc05371e885d2c9108c89266551cfd35929aa2bf", "platform/0001_outbox")
    finally:
        await conn.close()
    assert await migrate(servers.dsn, schema, None) == []


async def test_a_failing_migration_leaves_nothing_half_applied(servers: Servers, tmp_path: Path) -> None:
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE things (id int PRIMARY KEY); SELECT * FROM nowhere;")
    schema = f"s_{uuid.uuid4().hex[:8]}"
    with pytest.raises(MigrationError, match="0001_init failed"):
        await migrate(servers.dsn, schema, tmp_path)
    assert "things" not in await tables(servers.dsn, schema)
