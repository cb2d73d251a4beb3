"""Refresh-token sessions: single use, rotated on every refresh, reuse ends the family.

A family is one sign-in and the chain of refresh tokens rotated from it. Presenting a
token that was already rotated means two parties hold it (one of them stole it), so the
whole family is revoked: both the thief and the user must sign in again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from mgov_common.errors import Unauthenticated


class RefreshTokenInvalid(Unauthenticated):
    code = "invalid_refresh_token"


class RefreshTokenReused(RefreshTokenInvalid):
    """A rotated token came back: the service revokes its family and audits it."""

    code = "refresh_token_reused"


@dataclass
class RefreshSession:
    id: uuid.UUID
    family_id: uuid.UUID
    user_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime
    family_expires_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    source_address: str | None = None
    user_agent: str | None = None

    @classmethod
    def start(cls, user_id: uuid.UUID, now: datetime, ttl: timedelta, session_max: timedelta,
              source_address: str | None = None, user_agent: str | None = None) -> "RefreshSession":
        family_end = now + session_max
        return cls(uuid.uuid4(), uuid.uuid4(), user_id, now, min(now + ttl, family_end), family_end,
                   source_address=source_address, user_agent=user_agent)

    def check_usable(self, now: datetime) -> None:
        """Raise unless this token may be exchanged now (reuse is its own error)."""
        if self.revoked_at is not None:
            raise RefreshTokenInvalid("the refresh token has been revoked; sign in again")
        if self.rotated_at is not None:
            raise RefreshTokenReused("the refresh token was already used; every session of this sign-in is revoked")
        if now >= self.expires_at:
            raise RefreshTokenInvalid("the refresh token has expired; sign in again", code="refresh_token_expired")

    def rotate(self, now: datetime, ttl: timedelta, source_address: str | None = None) -> "RefreshSession":
        """Mark this token used and return its successor in the same family."""
        self.check_usable(now)
        self.rotated_at = now
        return RefreshSession(uuid.uuid4(), self.family_id, self.user_id, now,
                              min(now + ttl, self.family_expires_at), self.family_expires_at,
                              source_address=source_address, user_agent=self.user_agent)
