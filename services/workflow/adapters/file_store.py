"""Where the bytes of uploaded materials live, behind one small interface.

`PgFileStore` keeps them in the workflow schema (`file_blobs`, bytea): one backup, one
transaction with the metadata, nothing else to run; fine for the 10 MB files of a
province's cases at this scale. `DirFileStore` keeps them under a local directory
(`$MGOV_HOME/files/workflow`) for a single machine. An object store (S3, OSS) would
be a third class with the same two methods. Keys are `<sha256>/<material id>`.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Protocol

import asyncpg


class FileStore(Protocol):
    async def put(self, conn: asyncpg.Connection, key: str, content: bytes) -> None: ...

    async def get(self, conn: asyncpg.Connection, key: str) -> bytes | None: ...


class PgFileStore:
    """Bytes in PostgreSQL, written in the caller's transaction (so metadata and bytes commit together)."""

    async def put(self, conn: asyncpg.Connection, key: str, content: bytes) -> None:
        await conn.execute("INSERT INTO file_blobs (key, content) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", key, content)

    async def get(self, conn: asyncpg.Connection, key: str) -> bytes | None:
        return await conn.fetchval("SELECT content FROM file_blobs WHERE key = $1", key)  # type: ignore[no-any-return]


class DirFileStore:
    """Bytes in files under `root`, written atomically (temp file, fsync, rename) before the
    metadata commits; a crash in between leaves an unreferenced file, never a dangling row."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if ".." in key or key.startswith("/"):
            raise ValueError(f"bad file key {key!r}")
        return self.root / key

    def _write(self, key: str, content: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    async def put(self, conn: asyncpg.Connection, key: str, content: bytes) -> None:
        await asyncio.to_thread(self._write, key, content)

    async def get(self, conn: asyncpg.Connection, key: str) -> bytes | None:
        path = self._path(key)
        return await asyncio.to_thread(path.read_bytes) if path.exists() else None
