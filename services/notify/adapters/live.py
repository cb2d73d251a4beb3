"""Publishes committed in-app notifications to their recipients' live subjects.

Fire and forget on core NATS, after the commit: a notification whose live message is
lost (a crash right after the commit, NATS briefly away) is still in the inbox, and
the stream's `Last-Event-ID` resume or the app's next list finds it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from nats.aio.client import Client as NATS

from mgov_common.live import live_subject
from services.notify.adapters.inbox import Notification

log = logging.getLogger(__name__)


class LivePublisher:
    def __init__(self, nc: NATS) -> None:
        self.nc = nc
        self.published = 0

    async def publish(self, notifications: Iterable[Notification]) -> None:
        for n in notifications:
            subject = live_subject(n.recipient_id)
            if subject is None:
                continue
            try:
                await self.nc.publish(subject, json.dumps(n.to_live(), ensure_ascii=False).encode())
                self.published += 1
            except Exception as exc:  # noqa: BLE001 - the inbox already has it; live is best effort
                log.warning("live publish failed", extra={"error": repr(exc)})
