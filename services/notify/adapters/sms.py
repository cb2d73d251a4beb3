"""SMS providers: the interface, an HTTP gateway client, and the demo outbox.

Chinese SMS gateways are called with signed JSON over HTTPS: the message (a sign name
such as 【浙里办】, the template and the rendered text) is POSTed to the gateway URL with
an HMAC-SHA256 signature. `HttpSmsProvider` sends

    POST <MGOV_NOTIFY_SMS_GATEWAY_URL>
    Content-Type: application/json; charset=utf-8
    X-Mgov-Key-Id: <MGOV_NOTIFY_SMS_GATEWAY_KEY_ID>
    X-Mgov-Timestamp: <unix seconds>
    X-Mgov-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>
    {"message_id": <delivery id>, "phone": "139…", "sign_name": "…", "template": "<key>",
     "content": "…", "tenant_id": "…"}

A gateway checks the signature and that the timestamp is recent (replays), and may
deduplicate on `message_id` (a retried delivery keeps its id). Its answer is classified
by `domain.delivery.classify_http`; a JSON body's `message_id` (or `biz_id`) is kept as
the provider's id. The demo provider appends the same JSON, one line per message, to
`$MGOV_HOME/notify/sms-outbox.jsonl` instead of sending anything.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import httpx

from mgov_common.outbound import OutboundGuard, guarded_client, refusal
from mgov_common.phone import mask_phone
from services.notify.domain.delivery import Outcome, SendResult, classify_http

SIGNATURE_HEADER = "X-Mgov-Signature"
TIMESTAMP_HEADER = "X-Mgov-Timestamp"
KEY_ID_HEADER = "X-Mgov-Key-Id"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    message_id: str
    phone: str
    sign_name: str
    template: str
    content: str
    tenant_id: str

    def body(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":")).encode()


class SmsProvider(Protocol):
    name: str

    async def send(self, message: SmsMessage) -> SendResult: ...


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class HttpSmsProvider:
    name = "http"

    def __init__(self, url: str, key_id: str, secret: bytes, *, timeout_s: float = 5.0, guard: OutboundGuard | None = None) -> None:
        self.url = url
        self.key_id = key_id
        self.secret = secret
        # Every connection is checked (mgov_common.outbound): the gateway's name must keep
        # resolving to public addresses; loopback only in demo mode.
        self.client = guarded_client(guard or OutboundGuard(), timeout_s)

    async def send(self, message: SmsMessage) -> SendResult:
        body = message.body()
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/json; charset=utf-8", KEY_ID_HEADER: self.key_id, TIMESTAMP_HEADER: ts,
                   SIGNATURE_HEADER: sign(self.secret, ts, body)}
        try:
            resp = await self.client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return SendResult(Outcome.TEMPORARY, "the SMS gateway timed out", destination=mask_phone(message.phone))
        except httpx.HTTPError as exc:
            log.warning("SMS gateway unreachable", extra={"error": refusal(exc) or type(exc).__name__})
            return SendResult(Outcome.TEMPORARY, "the SMS gateway is unreachable", destination=mask_phone(message.phone))
        outcome = classify_http(resp.status_code)
        provider_id = ""
        try:
            answer = resp.json()
            if isinstance(answer, dict):
                provider_id = str(answer.get("message_id") or answer.get("biz_id") or "")[:200]
        except ValueError:
            pass
        detail = "" if outcome is Outcome.OK else f"SMS gateway answered {resp.status_code}: {resp.text[:200]}"
        return SendResult(outcome, detail, provider_id, mask_phone(message.phone))

    async def close(self) -> None:
        await self.client.aclose()


class OutboxSmsProvider:
    name = "outbox"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    def _append(self, line: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as f:
            f.write(line + b"\n")
        self.path.chmod(0o600)

    async def send(self, message: SmsMessage) -> SendResult:
        async with self._lock:
            await asyncio.to_thread(self._append, message.body())
        return SendResult(Outcome.OK, provider_message_id=f"outbox:{message.message_id}", destination=mask_phone(message.phone))

    async def close(self) -> None:
        return None
