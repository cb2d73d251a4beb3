"""argon2id password hashing off the event loop, bounded in concurrency.

Each hash takes tens of milliseconds and `memory_kib` of memory, so it runs in a
thread and at most `max_concurrency` run at once. An unknown account is verified
against a dummy hash of the same cost, so it answers like a wrong password, in the
same time.
"""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2Passwords:
    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int, max_concurrency: int = 4) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        self._slots = asyncio.Semaphore(max_concurrency)
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    @property
    def parameters(self) -> dict[str, int]:
        h = self._hasher
        return {"time_cost": h.time_cost, "memory_kib": h.memory_cost, "parallelism": h.parallelism}

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when `password` matches; with no hash (unknown user) the dummy is checked."""
        target = stored_hash or self._dummy
        async with self._slots:
            ok = await asyncio.to_thread(self._verify, target, password)
        return ok and stored_hash is not None

    def _verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """The stored hash was made with other parameters (they were raised since)."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
