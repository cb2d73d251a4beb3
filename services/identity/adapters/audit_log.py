"""The audit log table: appends chained under a lock, and an ordered read for verifying.

Appends are buffered by the unit of work and written just before it commits, under a
transaction-scoped advisory lock, so rows are numbered without gaps in commit order and
the lock is held only for the last statements of the transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg

from services.identity.domain.audit import AuditEntry, AuditRecord, next_record

_LOCK = "mgov-identity:audit-chain"
_COLUMNS = "seq, at, action, outcome, actor_kind, actor_id, tenant_id, subject, source_address, details, prev_hash, hash"


def _record(row: asyncpg.Record) -> AuditRecord:
    entry = AuditEntry(row["action"], row["outcome"], row["actor_kind"], row["actor_id"], row["tenant_id"],
                       row["subject"], row["source_address"], row["details"])
    return AuditRecord(row["seq"], row["at"], entry, bytes(row["prev_hash"]), bytes(row["hash"]))


class AuditLog:
    def __init__(self, conn: asyncpg.Connection, key: bytes) -> None:
        self.conn = conn
        self.key = key

    async def append(self, entries: list[tuple[datetime, AuditEntry]]) -> list[AuditRecord]:
        if not entries:
            return []
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _LOCK)
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT 1")
        head = _record(row) if row else None
        written = []
        for at, entry in entries:
            head = next_record(self.key, head, at, entry)
            written.append(head)
        await self.conn.executemany(
            f"INSERT INTO audit_log ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            [(r.seq, r.at, r.entry.action, r.entry.outcome, r.entry.actor_kind, r.entry.actor_id, r.entry.tenant_id,
              r.entry.subject, r.entry.source_address, r.entry.details, r.prev_hash, r.hash) for r in written],
        )
        return written


async def read_chain(conn: asyncpg.Connection, batch: int = 1000) -> AsyncIterator[AuditRecord]:
    """Every row in `seq` order, fetched in batches (keyset), for the verifier."""
    after = 0
    while True:
        rows = await conn.fetch(f"SELECT {_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", after, batch)
        for row in rows:
            yield _record(row)
        if len(rows) < batch:
            return
        after = rows[-1]["seq"]
