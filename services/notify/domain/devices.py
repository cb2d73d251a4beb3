"""Device registrations: which platforms exist and what a valid push token looks like.

A web token is the browser's Push API subscription as JSON (`endpoint`, `keys.p256dh`,
`keys.auth`). Its endpoint is where notify will POST, so it must be an https URL on a
known push service (Mozilla, Google, Apple, Microsoft by default): an arbitrary URL
would let any user make the platform call any address (SSRF). Loopback http endpoints
are accepted only where the settings allow it (demo and tests).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from mgov_common import safejson
from mgov_common.errors import InvalidArgument

PLATFORMS = ("web", "android", "ios", "harmony")
VENDOR_PLATFORMS = ("android", "ios", "harmony")
MAX_TOKEN = 4096
_VENDOR_TOKEN = re.compile(r"^[\x21-\x7e]{8,4096}$")
DEFAULT_PUSH_HOSTS = (
    "updates.push.services.mozilla.com", "fcm.googleapis.com", "web.push.apple.com", "*.notify.windows.com",
    "android.googleapis.com",
)


@dataclass(frozen=True)
class EndpointPolicy:
    hosts: tuple[str, ...] = DEFAULT_PUSH_HOSTS
    allow_loopback_http: bool = False

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme == "http":
            return self.allow_loopback_http and host in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" or not host:
            return False
        if self.allow_loopback_http and host in ("127.0.0.1", "localhost", "::1"):
            return True
        return any(host == h or (h.startswith("*.") and host.endswith(h[1:])) for h in self.hosts)


@dataclass(frozen=True)
class WebSubscription:
    endpoint: str
    p256dh: bytes  # the browser's public key, an uncompressed P-256 point
    auth: bytes  # 16-byte authentication secret


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_web_subscription(token: str) -> WebSubscription:
    def bad(why: str) -> InvalidArgument:
        return InvalidArgument(f"a web push token is the Push API subscription JSON: {why}", field="token", code="invalid_token")

    try:
        sub = safejson.loads(token, max_bytes=8192)  # depth bounded before parsing
    except safejson.UnsafeJson as exc:
        raise bad(str(exc)) from None
    if not isinstance(sub, dict) or not isinstance(sub.get("endpoint"), str) or not isinstance(sub.get("keys"), dict):
        raise bad("endpoint and keys are required")
    keys = sub["keys"]
    try:
        p256dh, auth = b64url_decode(str(keys.get("p256dh", ""))), b64url_decode(str(keys.get("auth", "")))
    except (binascii.Error, ValueError):
        raise bad("keys are base64url") from None
    if len(p256dh) != 65 or p256dh[0] != 4 or len(auth) != 16:
        raise bad("keys.p256dh is a P-256 public key and keys.auth 16 bytes")
    return WebSubscription(sub["endpoint"], p256dh, auth)


def check_device(platform: str, token: str, policy: EndpointPolicy) -> str:
    """The token to store (stripped), or InvalidArgument naming what is wrong."""
    if platform not in PLATFORMS:
        raise InvalidArgument(f"platform is one of {', '.join(PLATFORMS)}", field="platform", code="unknown_platform")
    token = (token or "").strip()
    if not token:
        raise InvalidArgument("a device needs its push token", field="token", code="required")
    if len(token) > MAX_TOKEN:
        raise InvalidArgument(f"a push token has at most {MAX_TOKEN} characters", field="token", code="too_long")
    if platform == "web":
        sub = parse_web_subscription(token)
        if not policy.allows(sub.endpoint):
            raise InvalidArgument("the subscription endpoint is not a known push service (https)", field="token", code="endpoint_not_allowed")
    elif not _VENDOR_TOKEN.match(token):
        raise InvalidArgument("a vendor push token is 8 or more printable characters without spaces", field="token", code="invalid_token")
    return token
