"""Reading the demo SMS outbox as a phone's owner reads their messages.

In demo mode the notify service's SMS provider writes each message as one JSON line to
`$MGOV_HOME/notify/sms-outbox.jsonl` (services/notify/adapters/sms.py) instead of
sending it. Registration codes are sent synchronously (the register call returns after
the line is written), so a test reads the file right after registering: no waiting.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


def messages(home: Path) -> list[dict[str, Any]]:
    path = home / "notify" / "sms-outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def to(home: Path, phone: str) -> list[dict[str, Any]]:
    return [m for m in messages(home) if m["phone"] == phone]


def registration_code(home: Path, registration_id: str, template: str = "registration_code") -> str:
    """The six digits of the code SMS sent for this registration (or, template
    `phone_code`, for this phone verification)."""
    [sms] = [m for m in messages(home) if m["message_id"] == registration_id and m["template"] == template]
    found = re.search(r"(?<![0-9])[0-9]{6}(?![0-9])", sms["content"])
    assert found, sms
    return found.group()
