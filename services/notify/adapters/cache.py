"""Short-lived in-process copies of what every event reads and admins rarely change:
the tenant chain (from the projection) and a key's templates.

Each event would otherwise read both from PostgreSQL; at a few hundred events per
second those reads are a third of the work. A tenant tree change or a template saved
through another replica shows within `ttl_s` (default 5 s); a template saved through
this process shows at once (the save clears the cache).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class ReferenceCache:
    def __init__(self, ttl_s: float = 5.0, max_entries: int = 4096) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[Any, tuple[float, Any]] = {}

    async def get(self, key: Any, load: Callable[[], Awaitable[T]], *, keep_empty: bool = True) -> T:
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]  # type: ignore[no-any-return]
        value = await load()
        if not value and not keep_empty:
            return value
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (now, value)
        return value

    def clear(self) -> None:
        self._entries.clear()
