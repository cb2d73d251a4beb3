"""The audit log's hash chain: each row's HMAC covers the previous row's HMAC.

`hash(n) = HMAC-SHA256(key, hash(n-1) || canonical(row n))` with an all-zero hash
before the first row. Editing a row changes its hash; inserting or deleting one breaks
the sequence or the next link; recomputing the chain needs the key, which the
database does not hold. The verifier reports the first row where the chain breaks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

GENESIS = bytes(32)
Outcome = Literal["success", "failure"]


@dataclass(frozen=True)
class AuditEntry:
    """What happened, by whom, to what. Never holds a phone number, password or token."""

    action: str  # e.g. "sign_in", "refresh_reuse", "role.grant", "tenant.create"
    outcome: Outcome = "success"
    actor_kind: str = "anonymous"  # user | system | platform | anonymous | cli
    actor_id: str | None = None
    tenant_id: str | None = None
    subject: str | None = None  # the user, tenant or key acted upon
    source_address: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: datetime
    entry: AuditEntry
    prev_hash: bytes
    hash: bytes


def canonical(seq: int, at: datetime, entry: AuditEntry) -> bytes:
    """The bytes a link covers: every column but the hashes, in a fixed JSON form."""
    body = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "action": entry.action,
        "outcome": entry.outcome,
        "actor_kind": entry.actor_kind,
        "actor_id": entry.actor_id,
        "tenant_id": entry.tenant_id,
        "subject": entry.subject,
        "source_address": entry.source_address,
        "details": entry.details,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(key: bytes, prev_hash: bytes, seq: int, at: datetime, entry: AuditEntry) -> bytes:
    return hmac.new(key, prev_hash + canonical(seq, at, entry), hashlib.sha256).digest()


def next_record(key: bytes, head: AuditRecord | None, at: datetime, entry: AuditEntry) -> AuditRecord:
    """The row that follows `head` (None: the first row)."""
    seq = head.seq + 1 if head else 1
    prev = head.hash if head else GENESIS
    return AuditRecord(seq, at, entry, prev, link_hash(key, prev, seq, at, entry))


@dataclass
class ChainReport:
    ok: bool = True
    rows_checked: int = 0
    first_broken_seq: int = 0
    reason: str = ""


class ChainVerifier:
    """Feed rows in `seq` order; stops at the first broken link."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.report = ChainReport()
        self._prev_seq = 0
        self._prev_hash = GENESIS

    def feed(self, record: AuditRecord) -> bool:
        """Check one row; False once the chain is broken (further rows are ignored)."""
        if not self.report.ok:
            return False
        reason = ""
        if record.seq != self._prev_seq + 1:
            reason = f"row {self._prev_seq + 1} is missing (next row is {record.seq})"
        elif not hmac.compare_digest(record.prev_hash, self._prev_hash):
            reason = "prev_hash does not match the previous row's hash (a row before it was changed or removed)"
        elif not hmac.compare_digest(record.hash, link_hash(self.key, record.prev_hash, record.seq, record.at, record.entry)):
            reason = "the row's content does not match its hash (the row was edited)"
        if reason:
            self.report = ChainReport(False, self.report.rows_checked, self._prev_seq + 1 if "missing" in reason else record.seq, reason)
            return False
        self.report.rows_checked += 1
        self._prev_seq, self._prev_hash = record.seq, record.hash
        return True


def verify_chain(key: bytes, records: Iterable[AuditRecord]) -> ChainReport:
    verifier = ChainVerifier(key)
    for record in records:
        if not verifier.feed(record):
            break
    return verifier.report
