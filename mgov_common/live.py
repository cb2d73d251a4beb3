"""Live per-user updates on core NATS (not JetStream): the contract between the notify
service, which publishes a notification once it is committed, and every gateway
replica, which subscribes for the users it holds a Server-Sent Events stream for.

Subjects are `mgov.live.user.<user id>`. They carry the notification as JSON and are
platform-internal: tenant systems' NATS permissions never include them.
Nothing is kept: a client that was away resumes from the inbox (`Last-Event-ID`).
"""

from __future__ import annotations

import re

LIVE_PREFIX = "mgov.live.user"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def live_subject(user_id: str) -> str | None:
    """The subject of a user's live updates; None for an id unusable as a subject token."""
    return f"{LIVE_PREFIX}.{user_id}" if _TOKEN.match(user_id) else None
