"""Hash chains: the draw log and each inspection's evidence.

Every entry carries the hash of the one before (`prev_hash`; the first carries
`GENESIS`) and its own `hash` = SHA-256 of its canonical JSON without `hash`. Changing
an entry changes its hash; removing or reordering entries breaks the link of the entry
after. The holder of the chain also keeps its head (count and last hash), so removing
the last entries is found too. `verify_chain` names the first entry that does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.enforcement.domain.canonical import GENESIS, digest


def entry_hash(body: dict[str, Any]) -> str:
    return digest({k: v for k, v in body.items() if k != "hash"})


def link(body: dict[str, Any], prev_hash: str) -> dict[str, Any]:
    """`body` as the next entry after `prev_hash`: with its seq-independent link and hash."""
    entry = {**body, "prev_hash": prev_hash}
    entry["hash"] = entry_hash(entry)
    return entry


@dataclass(frozen=True)
class Break:
    seq: int  # the entry that does not hold (or the first missing one)
    reason: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.reason}"


def verify_chain(entries: list[dict[str, Any]], head_count: int | None = None, head_hash: str | None = None) -> list[Break]:
    """The breaks of a chain given in stored order (by `seq`); empty when it holds."""
    breaks: list[Break] = []
    prev = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        seq = int(entry.get("seq", 0))
        if seq != expected_seq:
            breaks.append(Break(expected_seq, f"missing or out of order (found entry {seq} in its place)"))
            return breaks
        if entry_hash(entry) != entry.get("hash"):
            breaks.append(Break(seq, "its content was changed (its hash does not match)"))
            return breaks
        if entry.get("prev_hash") != prev:
            breaks.append(Break(seq, "it does not follow the entry before it (an entry was removed or reordered)"))
            return breaks
        prev = entry["hash"]
    if head_count is not None and len(entries) != head_count:
        breaks.append(Break(len(entries) + 1, f"missing: the chain's head records {head_count} entries, {len(entries)} are stored"))
    elif head_hash is not None and entries and prev != head_hash:
        breaks.append(Break(len(entries), "the last entry is not the one the chain's head records"))
    return breaks
