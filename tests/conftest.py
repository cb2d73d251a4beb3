"""Test tiers and the session's real servers.

Tests under tests/unit are marked `unit`, tests/integration `integration`, tests/e2e
`e2e`. Integration and e2e tests share one embedded NATS (JetStream) and one
PostgreSQL per session, started on free loopback ports and always stopped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from pydantic_settings import SettingsConfigDict

from launcher.embedded import EmbeddedNats, EmbeddedPostgres
from launcher.pg_placement import discard
from mgov_common.bus import connect_nats
from mgov_common.db import create_pool
from mgov_common.events.streams import ensure_streams
from mgov_common.migrations import migrate
from mgov_common.ports import free_port
from mgov_common.settings import ServiceSettings

TIERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in TIERS:
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))


@dataclass
class Servers:
    nats_url: str
    dsn: str
    root: Path

    async def new_database(self, prefix: str) -> str:
        """A new, empty database on the session's PostgreSQL (`prefix_` and a random
        suffix); its DSN. For a service whose schema name is fixed, or a test that needs
        a database no other test touched."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        finally:
            await conn.close()
        return self.dsn.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    root = tmp_path_factory.mktemp("servers")
    nats = EmbeddedNats(root / "nats", free_port())
    pg = EmbeddedPostgres(root / "pg", free_port(), fast=True)
    try:
        nats.start()
        pg.start()
        yield Servers(nats.url, pg.dsn, root)
    finally:
        pg.stop()
        nats.stop()
        discard(pg.root)


@pytest.fixture
async def schema(servers: Servers) -> str:
    """A freshly migrated schema of its own for each test (platform tables included)."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, name, None)
    return name


@pytest.fixture
async def pool(servers: Servers, schema: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(servers.dsn, schema, min_size=1, max_size=5)
    try:
        yield p
    finally:
        await p.close()


@pytest.fixture
async def nc(servers: Servers) -> AsyncIterator[NATS]:
    conn = await connect_nats(servers.nats_url, "tests")
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def js(nc: NATS) -> JetStreamContext:
    ctx = nc.jetstream()
    await ensure_streams(ctx)
    return ctx


@pytest.fixture
def tenant() -> str:
    """A tenant slug no other test uses, so subjects never collide."""
    return "t" + uuid.uuid4().hex[:12]


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def venv_bin(name: str) -> str:
    import sys

    return str(Path(sys.executable).parent / name)


os.environ.setdefault("MGOV_LOG_JSON", "1")
# Every NATS server of a test run (several at once: the shared one, `mgov up`'s) reserves
# its streams' limits on the one disk; the tests' are small so the run does not depend
# on how much of the machine's disk is free.
for _stream, _mib in (("EVENTS", 256), ("INGEST", 128), ("DLQ", 32), ("REJECTED", 32)):
    os.environ.setdefault(f"MGOV_STREAM_MAX_BYTES_{_stream}", str(_mib * 1024 * 1024))


class ExampleServiceSettings(ServiceSettings):
    """Settings of a service made up for plumbing tests: no secrets, its own schema."""

    model_config = SettingsConfigDict(env_prefix="MGOV_EXAMPLE_", extra="ignore")
    service_name: ClassVar[str] = "example"
