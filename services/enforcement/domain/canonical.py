"""One byte form for everything that is hashed or re-run: canonical JSON (sorted keys, no
spaces, UTF-8), so a record hashes the same in the service, the CLI and a reviewer's
script."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of a chain's first entry


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()
