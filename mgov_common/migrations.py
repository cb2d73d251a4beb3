"""Numbered SQL migrations, one schema per service.

A service keeps `NNNN_name.sql` files in its `migrations/` folder. Before them, the
platform's own migrations (outbox, processed events) are applied into the same
schema, so every service has the plumbing tables without copying their SQL.

Some platform tables only some services need (the tenant projection,
`mgov_common.tenants`). A service opts in by naming them, one a line, in a
`platform.txt` beside its migrations; those run after the service's own files, so
they can adopt a table a service created itself before the platform owned it.
Each file runs in its own transaction under an advisory lock, so two replicas
starting together do not race; an applied file whose text changed is refused.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from mgov_common.db import check_schema_name

log = logging.getLogger(__name__)

PLATFORM_MIGRATIONS = Path(__file__).parent / "sql"
_NAME_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
OPT_IN_FILE = "platform.txt"


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: str  # "platform/0001_outbox" or "0001_init"
    sql: str

    @property
    def checksum(self) -> str:
        """Of the statements only: full-line `--` comments are left out, so correcting a
        migration's explanation never makes a database refuse to start."""
        statements = "\n".join(line for line in self.sql.splitlines() if not line.lstrip().startswith("--"))
        return hashlib.sha256(statements.encode()).hexdigest()

    def accepts(self, stored: str) -> bool:
        """Whether a checksum recorded when this migration was applied still matches it:
        today's, or one of the whole-text checksums recorded before comments were left out."""
        whole = hashlib.sha256(self.sql.encode()).hexdigest()
        return stored in (self.checksum, whole) or stored in _BEFORE_COMMENTS_WERE_IGNORED.get(self.version, ())


# Whole-text checksums of migrations whose header comments were reworded after release
# (the statements are unchanged); databases that applied those texts keep working.
_BEFORE_COMMENTS_WERE_IGNORED: dict[str, tuple[str, ...]] = {
    "platform/0001_outbox": ("e1b35031e25c995a35b555d3bc05371e885d2c9108c89266551cfd35929aa2bf",),
    "0001_catalog": ("6ecfd3c2374d4763fe92c52e42b786b4202d7f6ee697a8775b555ad797ac6b01",),
    "0003_systems": ("b434a9efb88dd4be9ad52c0eb9f5676af79e53bbbfc653726602c1f7f9cf0908",),
    "0001_workflow": ("22b9d08b3bad27d61b091d0dbb093ff94020eb534b07fd4626ebc4b232a625a8",),
}


def discover(folder: Path, prefix: str = "") -> list[Migration]:
    if not folder.is_dir():
        raise MigrationError(f"migrations folder not found: {folder}")
    found: list[Migration] = []
    numbers: set[str] = set()
    for path in sorted(folder.glob("*.sql")):
        m = _NAME_RE.match(path.name)
        if not m:
            raise MigrationError(f"{path}: migration files are named NNNN_lower_snake.sql")
        if m.group(1) in numbers:
            raise MigrationError(f"{path}: two migrations share the number {m.group(1)}")
        numbers.add(m.group(1))
        found.append(Migration(prefix + path.stem, path.read_text(encoding="utf-8")))
    return found


def opted_in(folder: Path) -> list[str]:
    """The optional platform parts a service's `platform.txt` names (none without one)."""
    path = folder / OPT_IN_FILE
    if not path.is_file():
        return []
    names = [ln.split("#", 1)[0].strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    names = [n for n in names if n]
    for name in names:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or not (PLATFORM_MIGRATIONS / name).is_dir():
            raise MigrationError(f"{path}: no optional platform migrations named {name!r}")
    return names


def plan(folder: Path | None) -> list[Migration]:
    """Every migration of a schema in the order applied: platform, the service's own, opted-in."""
    migrations = discover(PLATFORM_MIGRATIONS, "platform/")
    if folder is not None:
        migrations += discover(folder)
        for name in opted_in(folder):
            migrations += discover(PLATFORM_MIGRATIONS / name, f"platform/{name}/")
    return migrations


async def migrate(dsn: str, schema: str, folder: Path | None) -> list[str]:
    """Apply what is missing; return the versions applied now."""
    check_schema_name(schema)
    migrations = plan(folder)
    conn = await asyncpg.connect(dsn, server_settings={"application_name": f"mgov-migrate-{schema}"})
    applied_now: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"mgov-migrate:{schema}")
        try:
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            await conn.execute(f'SET search_path TO "{schema}", public')
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"]: r["checksum"] for r in await conn.fetch("SELECT version, checksum FROM schema_migrations")}
            for mig in migrations:
                if mig.version in done:
                    if not mig.accepts(done[mig.version]):
                        raise MigrationError(
                            f"{schema}: migration {mig.version} was changed after it was applied; add a new migration instead"
                        )
                    continue
                async with conn.transaction():
                    try:
                        await conn.execute(mig.sql)
                    except asyncpg.PostgresError as exc:
                        raise MigrationError(f"{schema}: migration {mig.version} failed: {exc}") from exc
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", mig.version, mig.checksum
                    )
                applied_now.append(mig.version)
                log.info("applied migration", extra={"schema": schema, "version": mig.version})
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"mgov-migrate:{schema}")
    finally:
        await conn.close()
    return applied_now
