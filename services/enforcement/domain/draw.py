"""双随机 (random subjects, random inspectors): the draw as a pure function.

`run_draw(seed, inputs)` is deterministic: the only randomness is the seed, which the
service takes from the operating system's CSPRNG (`new_seed`) and records with the draw,
together with the inputs exactly as used. Anyone holding both re-runs the draw and must
get the same result (`mgov draw verify`); any change to the seed or the inputs gives a
different result, and the recorded digest no longer matches.

The random stream is HMAC-SHA256(seed, counter) (a standard PRF); integers below n come
from it by rejection sampling (no modulo bias). Subjects are shuffled (Fisher–Yates over
the ids in sorted order) and the first `n` that can be staffed are taken; for each, two
distinct inspectors holding the category and without a declared conflict with it are
picked, least-loaded first (ties broken by the stream), so work is spread evenly.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mgov_common.errors import FailedPrecondition, InvalidArgument
from services.enforcement.domain.canonical import digest

SEED_BYTES = 32
ALGORITHM = "hmac-sha256-fisher-yates/1"


def new_seed() -> str:
    """A fresh seed from the CSPRNG, as 64 hex digits."""
    return secrets.token_hex(SEED_BYTES)


class Stream:
    """Uniform integers from HMAC-SHA256(seed, counter), reproducible from the seed."""

    def __init__(self, seed_hex: str) -> None:
        self.key = bytes.fromhex(seed_hex)
        self.counter = 0
        self.buffer = b""

    def _bytes(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.buffer += hmac.new(self.key, self.counter.to_bytes(8, "big"), hashlib.sha256).digest()
            self.counter += 1
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        if n <= 0:
            raise ValueError("n must be positive")
        limit = (1 << 64) - (1 << 64) % n
        while True:
            x = int.from_bytes(self._bytes(8), "big")
            if x < limit:
                return x % n

    def shuffle(self, items: list[Any]) -> list[Any]:
        out = list(items)
        for i in range(len(out) - 1, 0, -1):
            j = self.below(i + 1)
            out[i], out[j] = out[j], out[i]
        return out


@dataclass(frozen=True)
class Candidate:
    id: str
    category: str
    last_inspected: date | None = None


@dataclass(frozen=True)
class Officer:
    id: str
    certificate: str
    categories: frozenset[str]
    conflicts: frozenset[str]  # subject ids this inspector must not inspect


@dataclass(frozen=True)
class DrawInputs:
    """Everything the draw depends on besides the seed, recorded with it."""

    category: str
    as_of: date
    exclude_days: int  # subjects inspected in the last N days are left out
    subjects: tuple[Candidate, ...]
    officers: tuple[Officer, ...]
    ratio_percent: int = 0  # one of ratio and count
    count: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category, "as_of": self.as_of.isoformat(), "exclude_days": self.exclude_days,
            "ratio_percent": self.ratio_percent, "count": self.count,
            "subjects": sorted(({"id": s.id, "category": s.category,
                                 "last_inspected": s.last_inspected.isoformat() if s.last_inspected else None}
                                for s in self.subjects), key=lambda s: s["id"]),
            "officers": sorted(({"id": o.id, "certificate": o.certificate, "categories": sorted(o.categories),
                                 "conflicts": sorted(o.conflicts)} for o in self.officers), key=lambda o: o["id"]),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "DrawInputs":
        try:
            return cls(
                category=str(raw["category"]), as_of=date.fromisoformat(raw["as_of"]), exclude_days=int(raw["exclude_days"]),
                ratio_percent=int(raw.get("ratio_percent", 0)), count=int(raw.get("count", 0)),
                subjects=tuple(Candidate(str(s["id"]), str(s["category"]),
                                         date.fromisoformat(s["last_inspected"]) if s.get("last_inspected") else None)
                               for s in raw["subjects"]),
                officers=tuple(Officer(str(o["id"]), str(o["certificate"]), frozenset(o["categories"]), frozenset(o["conflicts"]))
                               for o in raw["officers"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidArgument(f"recorded draw inputs are malformed: {exc}", code="invalid_draw_inputs") from None

    def digest(self) -> str:
        return digest(self.to_json())


@dataclass(frozen=True)
class Pick:
    subject_id: str
    inspector_ids: tuple[str, str]


@dataclass(frozen=True)
class DrawResult:
    eligible: int
    picks: tuple[Pick, ...]
    unstaffed: tuple[str, ...]  # drawn subjects no two inspectors could take (skipped)

    def to_json(self) -> dict[str, Any]:
        return {"algorithm": ALGORITHM, "eligible": self.eligible,
                "picks": [{"subject_id": p.subject_id, "inspector_ids": list(p.inspector_ids)} for p in self.picks],
                "unstaffed": list(self.unstaffed)}

    def digest(self) -> str:
        return digest(self.to_json())


def sample_size(eligible: int, ratio_percent: int, count: int) -> int:
    """How many to draw: `count`, or `ratio_percent` of the eligible rounded up."""
    if (ratio_percent > 0) == (count > 0):
        raise InvalidArgument("give either a sample ratio (1-100 %) or a count", field="ratio_percent", code="ratio_or_count")
    if ratio_percent > 100:
        raise InvalidArgument("a sample ratio is at most 100 %", field="ratio_percent", code="invalid_ratio")
    n = math.ceil(eligible * ratio_percent / 100) if ratio_percent else count
    return min(n, eligible)


def eligible_subjects(inputs: DrawInputs) -> list[Candidate]:
    """Subjects of the category not inspected within `exclude_days` before `as_of`, by id."""
    cutoff = inputs.as_of - timedelta(days=inputs.exclude_days)
    return sorted((s for s in inputs.subjects if s.category == inputs.category
                   and (s.last_inspected is None or s.last_inspected <= cutoff)), key=lambda s: s.id)


def run_draw(seed_hex: str, inputs: DrawInputs) -> DrawResult:
    """The draw: the same (seed, inputs) always gives the same result."""
    stream = Stream(seed_hex)
    pool = eligible_subjects(inputs)
    n = sample_size(len(pool), inputs.ratio_percent, inputs.count)
    officers = sorted((o for o in inputs.officers if inputs.category in o.categories), key=lambda o: o.id)
    if len(officers) < 2:
        raise FailedPrecondition("a draw needs at least two inspectors holding the category", code="too_few_inspectors")
    load = {o.id: 0 for o in officers}
    picks: list[Pick] = []
    unstaffed: list[str] = []
    for subject in stream.shuffle(pool):
        if len(picks) == n:
            break
        free = [o for o in officers if subject.id not in o.conflicts]
        if len(free) < 2:
            unstaffed.append(subject.id)
            continue
        order = stream.shuffle(free)
        pair = sorted(order, key=lambda o: load[o.id])[:2]  # stable: ties keep the shuffled order
        for o in pair:
            load[o.id] += 1
        picks.append(Pick(subject.id, (pair[0].id, pair[1].id)))
    return DrawResult(len(pool), tuple(picks), tuple(unstaffed))


@dataclass(frozen=True)
class Verification:
    ok: bool
    reason: str
    result: DrawResult | None = None


def verify_draw(seed_hex: str, inputs_json: dict[str, Any], inputs_digest: str, result_json: dict[str, Any]) -> Verification:
    """Re-run a recorded draw: its inputs must hash to the recorded digest and the re-run
    must give the recorded result."""
    inputs = DrawInputs.from_json(inputs_json)
    if inputs.digest() != inputs_digest:
        return Verification(False, "the recorded inputs do not match their digest (changed after the draw)")
    again = run_draw(seed_hex, inputs)
    if digest(result_json) != again.digest():
        return Verification(False, "re-running the draw with the recorded seed and inputs gives a different result", again)
    return Verification(True, "the draw re-runs to the recorded result", again)
