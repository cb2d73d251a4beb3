"""One database role per service, with rights on its own schema only, on real PostgreSQL.

The grants the Kubernetes migrate Job applies (the ConfigMap mgov-db-grants, taken from
the rendered production overlay) are run as the database owner, then every service's
migrations, as on a cluster; then each service's role is tried for real: it reads and
writes its own tables, and is refused the other services' tables, any DDL, and the
public schema. A role the grants do not name cannot even connect.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from launcher.topology import SERVICES
from mgov_common.migrations import migrate
from tests.conftest import Servers
from tests.k8s_support import get, rendered


def _dsn(base: str, user: str, database: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(netloc=f"{user}@{parts.hostname}:{parts.port}", path=f"/{database}"))


@pytest.fixture
async def database(servers: Servers) -> AsyncIterator[tuple[str, str]]:
    """A database owned by a fresh owner role, with the four service roles (as the
    CloudNativePG Cluster's managed roles: LOGIN and nothing else)."""
    suffix = uuid.uuid4().hex[:8]
    owner, name, stranger = f"owner_{suffix}", f"roles_{suffix}", f"stranger_{suffix}"
    admin = await asyncpg.connect(servers.dsn)
    created: list[str] = []
    try:
        for role in (*SERVICES, owner, stranger):
            if not await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
                await admin.execute(f'CREATE ROLE "{role}" LOGIN NOINHERIT')
                created.append(role)
        await admin.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        inside = await asyncpg.connect(_dsn(servers.dsn, urlsplit(servers.dsn).username or "postgres", name))
        try:  # as CloudNativePG's bootstrap does (postInitApplicationSQL)
            await inside.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        finally:
            await inside.close()
        yield name, owner
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in created:
            await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


async def test_each_service_role_uses_its_own_schema_and_nothing_else(servers: Servers, database: tuple[str, str]) -> None:
    name, owner = database
    grants = get(rendered("production"), "ConfigMap", "mgov-db-grants")["data"]["grants.sql"]
    owner_dsn = _dsn(servers.dsn, owner, name)
    conn = await asyncpg.connect(owner_dsn)
    try:
        # As the Job does: grants first, then migrations create the tables (so the
        # services' rights on them come from the default privileges).
        await conn.execute(grants)
        for service in SERVICES:
            await migrate(owner_dsn, service, SERVICES[service].migrations)
        tables = {
            schema: [r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1", schema)]
            for schema in SERVICES
        }
    finally:
        await conn.close()
    assert all(tables.values()), tables

    for service in SERVICES:
        role = await asyncpg.connect(_dsn(servers.dsn, service, name))
        try:
            for table in tables[service]:
                await role.fetchval(f'SELECT count(*) FROM "{service}"."{table}"')
                assert await role.fetchval(
                    "SELECT has_table_privilege($1, $2, 'SELECT, INSERT, UPDATE, DELETE')", service, f'"{service}"."{table}"'
                ), f"{service}.{table}"
            # Writes for real (they match no row): the outbox every service has.
            await role.execute(f'UPDATE "{service}".outbox SET published_at = published_at WHERE false')
            await role.execute(f'DELETE FROM "{service}".outbox WHERE false')
            for other in SERVICES:
                if other == service:
                    continue
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await role.fetchval(f'SELECT count(*) FROM "{other}"."{tables[other][0]}"')
            for ddl in (f'CREATE TABLE "{service}".intruder (id int)', "CREATE TABLE public.intruder (id int)", "CREATE SCHEMA intruder",
                        f'DROP TABLE "{service}"."{tables[service][0]}"'):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await role.execute(ddl)
        finally:
            await role.close()

    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await asyncpg.connect(_dsn(servers.dsn, f"stranger_{owner.removeprefix('owner_')}", name))
    conn = await asyncpg.connect(owner_dsn)
    try:
        await conn.execute(grants)  # every sync runs it again: idempotent
    finally:
        await conn.close()
