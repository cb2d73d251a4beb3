"""Push providers: the interface, Web Push (VAPID, RFC 8030/8291/8292) and the demo
outbox for vendor channels.

Web Push: the payload is encrypted for the browser's keys with `http_ece` (aes128gcm,
RFC 8291 key derivation; the library pywebpush itself uses), and the request carries a
VAPID JWT (ES256, `aud` the push service's origin, 12 h) signed with the platform's
VAPID key, whose public half the web app passes to `pushManager.subscribe` (GET
/v1/devices/web-push-key). 404 and 410 mean the subscription is gone: the device is
removed. Vendor channels (Android vendors, APNs, HarmonyOS Push Kit) each need their
own credentials and SDK; `PushProvider` is the seam for them. In demo mode their
messages go to `$MGOV_HOME/notify/push-outbox.jsonl`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import http_ece
import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mgov_common.outbound import OutboundGuard, guarded_client, refusal
from services.notify.adapters.devices import Device
from services.notify.domain.delivery import Outcome, SendResult, classify_http
from services.notify.domain.devices import EndpointPolicy, parse_web_subscription

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PushMessage:
    notification_id: str
    title: str
    body: str
    link: str
    category: str
    urgent: bool = False
    ttl_s: int = 86400
    data: Mapping[str, Any] = field(default_factory=dict)

    def payload(self) -> bytes:
        return json.dumps({k: v for k, v in asdict(self).items() if k not in ("ttl_s", "urgent")}, ensure_ascii=False,
                          separators=(",", ":")).encode()


@dataclass(frozen=True)
class PushResult:
    result: SendResult
    gone: bool = False  # the token is no longer valid: forget the device


class PushProvider(Protocol):
    platforms: frozenset[str]

    async def send(self, device: Device, message: PushMessage) -> PushResult: ...


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def parse_vapid_key(raw: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PEM, 64 hex digits or base64url of the 32-byte scalar."""
    text = raw.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the VAPID key must be an EC P-256 key")
        return key
    if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
        scalar = bytes.fromhex(text)
    else:
        scalar = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(scalar) != 32:
        raise ValueError("the VAPID key is 32 bytes (hex or base64url) or a PEM P-256 key")
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return ec.derive_private_key(int.from_bytes(scalar, "big") % (order - 1) + 1, ec.SECP256R1())


def public_key_b64(key: ec.EllipticCurvePrivateKey) -> str:
    return _b64url(key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


class WebPushProvider:
    platforms = frozenset({"web"})

    def __init__(self, key: ec.EllipticCurvePrivateKey, subject: str, policy: EndpointPolicy, *, timeout_s: float = 10.0,
                 guard: OutboundGuard | None = None) -> None:
        self.key = key
        self.subject = subject
        self.policy = policy
        self.public_key = public_key_b64(key)
        # The host allow-list says which push services; the guard (mgov_common.outbound)
        # checks at every connection that the name still resolves to public addresses.
        self.client = guarded_client(guard or OutboundGuard(), timeout_s)

    def vapid_header(self, endpoint: str, now: float | None = None) -> str:
        parts = urlsplit(endpoint)
        claims = {"aud": f"{parts.scheme}://{parts.netloc}", "exp": int((now or time.time()) + 12 * 3600), "sub": self.subject}
        token = jwt.encode(claims, self.key, algorithm="ES256")
        return f"vapid t={token}, k={self.public_key}"

    async def send(self, device: Device, message: PushMessage) -> PushResult:
        try:
            sub = parse_web_subscription(device.token)
        except ValueError as exc:
            return PushResult(SendResult(Outcome.PERMANENT, f"stored subscription unusable: {exc}"), gone=True)
        if not self.policy.allows(sub.endpoint):
            return PushResult(SendResult(Outcome.PERMANENT, "endpoint no longer allowed"), gone=True)
        server_key = ec.generate_private_key(ec.SECP256R1())
        body = http_ece.encrypt(message.payload(), salt=os.urandom(16), private_key=server_key, dh=sub.p256dh,
                                auth_secret=sub.auth, version="aes128gcm")
        headers = {"Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream", "TTL": str(message.ttl_s),
                   "Urgency": "high" if message.urgent else "normal", "Authorization": self.vapid_header(sub.endpoint)}
        host = urlsplit(sub.endpoint).hostname or ""
        try:
            resp = await self.client.post(sub.endpoint, content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("push service unreachable", extra={"host": host, "error": refusal(exc) or type(exc).__name__})
            return PushResult(SendResult(Outcome.TEMPORARY, "push service unreachable", destination=host))
        if resp.status_code in (404, 410):
            return PushResult(SendResult(Outcome.PERMANENT, f"subscription gone ({resp.status_code})", destination=host), gone=True)
        outcome = classify_http(resp.status_code)
        detail = "" if outcome is Outcome.OK else f"push service answered {resp.status_code}"
        return PushResult(SendResult(outcome, detail, resp.headers.get("location", "")[:200], host))

    async def close(self) -> None:
        await self.client.aclose()


class VendorOutboxProvider:
    """Demo stand-in for the vendor channels: one JSON line per message."""

    platforms = frozenset({"android", "ios", "harmony"})

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    def _append(self, line: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as f:
            f.write(line + b"\n")

    async def send(self, device: Device, message: PushMessage) -> PushResult:
        line = json.dumps({"device_id": str(device.id), "platform": device.platform, "message": json.loads(message.payload())},
                          ensure_ascii=False).encode()
        async with self._lock:
            await asyncio.to_thread(self._append, line)
        return PushResult(SendResult(Outcome.OK, provider_message_id=f"outbox:{device.id}", destination=device.platform))

    async def close(self) -> None:
        return None
