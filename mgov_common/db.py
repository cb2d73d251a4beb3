"""PostgreSQL access: one asyncpg pool per process, confined to its service's schema."""

from __future__ import annotations

import json
import re

import asyncpg

_SCHEMA_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def check_schema_name(schema: str) -> str:
    if not _SCHEMA_RE.fullmatch(schema):
        raise ValueError(f"invalid schema name {schema!r}: lower-case letters, digits and _ only")
    return schema


async def _init_connection(conn: asyncpg.Connection) -> None:
    # asyncpg hands JSONB back as str without a codec; every service wants dicts.
    for typ in ("jsonb", "json"):
        await conn.set_type_codec(typ, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _reset_connection(conn: asyncpg.Connection) -> None:
    """Cheaper than asyncpg's default reset (a round trip of RESET ALL, UNLISTEN *, …
    on every release): services set no session state (search_path is a startup
    parameter), the relay removes its own listener, and an open transaction is still
    rolled back by the pool. Only listeners left behind by mistake are cleared."""
    if conn._listeners:  # noqa: SLF001 - asyncpg keeps no public view of them
        await conn.execute("UNLISTEN *")


# What a lost or restarting database looks like to a caller: the connection refused or
# dropped, the server starting up or shutting down, no connection slot free.
_UNAVAILABLE = (
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
# Seconds a client should wait before retrying while the database is unavailable.
RETRY_AFTER_S = 2
# A connection attempt that gets no answer gives up after this (asyncpg waits 60 s),
# well within a caller's deadline (the gateway's is 5 s), so it is UNAVAILABLE, not a hang.
CONNECT_TIMEOUT_S = 2.0


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached right now (worth a retry later),
    as opposed to a failure of the query itself.

    The exceptions it was raised from count too: a rollback on a connection that just
    died fails with an asyncpg client error whose context is the lost connection."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, _UNAVAILABLE):
            return True
        if isinstance(seen, asyncpg.InterfaceError) and "connection" in str(seen) and "closed" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def create_pool(dsn: str, schema: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see only `schema` (then `public`) on their search path.

    The schema is the service's ownership boundary; unqualified table names
    in a service's SQL therefore always mean its own tables.
    """
    check_schema_name(schema)
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_reset_connection,
        timeout=CONNECT_TIMEOUT_S,
        server_settings={"search_path": f"{schema},public", "application_name": f"mgov-{schema}"},
    )
    assert pool is not None
    return pool


async def pool_is_live(pool: asyncpg.Pool, timeout: float = 2.0) -> bool:
    """True when a connection can be had and answers; used by the health reporter."""
    if pool.is_closing():
        return False
    try:
        async with pool.acquire(timeout=timeout) as conn:
            return await conn.fetchval("SELECT 1", timeout=timeout) == 1
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        return False
