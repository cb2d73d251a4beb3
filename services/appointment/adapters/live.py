"""Queue places to citizens' live subjects (`mgov_common.live`), after the commit.

Fire and forget on core NATS, like notify's in-app notifications: a lost message only
delays the app's number until its next read of the appointment."""

from __future__ import annotations

import json
import logging
from typing import Any

from nats.aio.client import Client as NATS

from mgov_common.live import live_subject

log = logging.getLogger(__name__)


class LiveQueue:
    def __init__(self, nc: NATS) -> None:
        self.nc = nc

    async def publish(self, updates: list[dict[str, Any]]) -> None:
        for u in updates:
            subject = live_subject(str(u.get("recipient_id") or ""))
            if subject is None:
                continue
            try:
                await self.nc.publish(subject, json.dumps(u, ensure_ascii=False).encode())
            except Exception as exc:  # noqa: BLE001 - the appointment itself has the number; live is best effort
                log.warning("live queue publish failed", extra={"error": repr(exc)})
