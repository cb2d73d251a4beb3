"""The WeChat Pay API v3 provider (as the merchant), over the outbound guard.

Requests carry the merchant's RSA-SHA256 signature; every answer and notification is
accepted only with the platform key's valid signature (`mgov_common.wechatpay`), and a
notification's resource is decrypted with the APIv3 key. H5 payments
(`/v3/pay/transactions/h5`), query by out_trade_no, domestic refunds and the trade bill.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from mgov_common import wechatpay as wx
from mgov_common.outbound import OutboundGuard, guarded_client, refusal
from services.payment.adapters.provider import Notification, ProviderPayment, ProviderRefund, ProviderUnavailable

log = logging.getLogger(__name__)
MAX_BILL_BYTES = 16 * 1024 * 1024


def _time(raw: Any) -> datetime | None:
    return datetime.fromisoformat(raw) if isinstance(raw, str) and raw else None


def _payment(r: dict[str, Any]) -> ProviderPayment:
    amount = r.get("amount") or {}
    total = amount.get("total")
    if not isinstance(total, int) or isinstance(total, bool):
        raise wx.ProtocolError("bad_resource", "amount.total is not an integer")
    return ProviderPayment(str(r.get("out_trade_no", "")), str(r.get("transaction_id", "")), str(r.get("trade_state", "")), total,
                           str(amount.get("currency", "")), _time(r.get("success_time")), str(r.get("mchid", "")))


def _refund(r: dict[str, Any]) -> ProviderRefund:
    amount = r.get("amount") or {}
    refund = amount.get("refund")
    if not isinstance(refund, int) or isinstance(refund, bool):
        raise wx.ProtocolError("bad_resource", "amount.refund is not an integer")
    status = str(r.get("refund_status") or r.get("status") or "")
    return ProviderRefund(str(r.get("out_refund_no", "")), str(r.get("out_trade_no", "")), str(r.get("refund_id", "")), status, refund)


class WechatPay:
    """One merchant account at WeChat Pay; `name` is the account's (its notifications
    arrive at /v1/payments/notifications/<name>)."""

    def __init__(self, *, name: str = "wechatpay", base_url: str, mchid: str, appid: str, serial_no: str, merchant_key: rsa.RSAPrivateKey,
                 platform_keys: dict[str, rsa.RSAPublicKey], apiv3_key: bytes, notify_url: str, guard: OutboundGuard,
                 timeout_s: float = 10.0) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.mchid, self.appid, self.serial_no = mchid, appid, serial_no
        self.merchant_key, self.platform_keys, self.apiv3_key = merchant_key, platform_keys, apiv3_key
        self.notify_url = notify_url
        self.http = guarded_client(guard, timeout_s)

    async def close(self) -> None:
        await self.http.aclose()

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None, *, ok_missing: bool = False) -> dict[str, Any] | None:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body is not None else ""
        auth = wx.authorization(self.merchant_key, mchid=self.mchid, serial_no=self.serial_no, method=method, path_with_query=path,
                                body=text, timestamp=int(time.time()))
        try:
            resp = await self.http.request(method, self.base_url + path, content=text.encode() if text else None,
                                           headers={"Authorization": auth, "Accept": "application/json",
                                                    "Content-Type": "application/json", "User-Agent": "mgov-payment"})
        except httpx.HTTPError as exc:
            log.warning("payment provider unreachable", extra={"path": path.split("?")[0], "reason": refusal(exc) or type(exc).__name__})
            raise ProviderUnavailable("the payment provider is unreachable") from None
        if ok_missing and resp.status_code == 404:
            return None
        if resp.status_code >= 300:
            log.warning("payment provider refused a call", extra={"path": path.split("?")[0], "status_code": resp.status_code,
                                                                   "provider_code": resp.text[:200]})
            raise ProviderUnavailable(f"the payment provider answered {resp.status_code}")
        try:
            wx.verify_platform(self.platform_keys, {k.lower(): v for k, v in resp.headers.items()}, resp.text, int(time.time()))
        except wx.ProtocolError as exc:
            log.error("a provider answer failed verification", extra={"path": path.split("?")[0], "code": exc.code})
            raise ProviderUnavailable("the provider's answer does not verify") from None
        return resp.json() if resp.content else {}

    async def prepay(self, *, out_trade_no: str, description: str, amount_fen: int, expire_time: datetime, client_ip: str) -> str:
        answer = await self._call("POST", "/v3/pay/transactions/h5", {
            "appid": self.appid, "mchid": self.mchid, "description": description[:127], "out_trade_no": out_trade_no,
            "time_expire": expire_time.isoformat(timespec="seconds"), "notify_url": self.notify_url,
            "amount": {"total": amount_fen, "currency": "CNY"},
            "scene_info": {"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}},
        })
        url = (answer or {}).get("h5_url")
        if not isinstance(url, str) or not url:
            raise ProviderUnavailable("the provider gave no h5_url")
        return url

    async def query(self, out_trade_no: str) -> ProviderPayment | None:
        answer = await self._call("GET", f"/v3/pay/transactions/out-trade-no/{out_trade_no}?{urlencode({'mchid': self.mchid})}", ok_missing=True)
        return _payment(answer) if answer is not None else None

    async def refund(self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str) -> ProviderRefund:
        answer = await self._call("POST", "/v3/refund/domestic/refunds", {
            "out_trade_no": out_trade_no, "out_refund_no": out_refund_no, "reason": reason[:80], "notify_url": self.notify_url,
            "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
        })
        return _refund(answer or {})

    def read_notification(self, headers: dict[str, str], body: bytes, now: datetime) -> Notification:
        try:
            text = body.decode()
        except UnicodeDecodeError:
            raise wx.ProtocolError("malformed", "the notification is not UTF-8") from None
        wx.verify_platform(self.platform_keys, headers, text, int(now.timestamp()))
        try:
            envelope = json.loads(text)
        except ValueError:
            raise wx.ProtocolError("malformed", "the notification is not JSON") from None
        if not isinstance(envelope, dict):
            raise wx.ProtocolError("malformed", "the notification is not a JSON object")
        resource = wx.decrypt_resource(self.apiv3_key, envelope.get("resource"))
        event_type = str(envelope.get("event_type", ""))
        nid = str(envelope.get("id", ""))
        if resource.get("mchid") not in (None, self.mchid):
            raise wx.ProtocolError("wrong_merchant", "the notification is for another merchant")
        if event_type.startswith("TRANSACTION."):
            return Notification(nid, event_type, payment=_payment(resource))
        if event_type.startswith("REFUND."):
            return Notification(nid, event_type, refund=_refund(resource))
        raise wx.ProtocolError("unknown_event_type", f"unknown event_type {event_type[:40]!r}")

    async def trade_bill(self, day: date) -> list[wx.BillLine]:
        answer = await self._call("GET", f"/v3/bill/tradebill?{urlencode({'bill_date': day.isoformat(), 'bill_type': 'ALL'})}") or {}
        url, expected = str(answer.get("download_url", "")), str(answer.get("hash_value", ""))
        parts = urlsplit(url)
        if not url.startswith(self.base_url + "/"):
            raise ProviderUnavailable("the bill's download_url is not the provider's")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        auth = wx.authorization(self.merchant_key, mchid=self.mchid, serial_no=self.serial_no, method="GET", path_with_query=path,
                                body="", timestamp=int(time.time()))
        try:
            resp = await self.http.get(url, headers={"Authorization": auth})
        except httpx.HTTPError:
            raise ProviderUnavailable("the bill could not be downloaded") from None
        if resp.status_code != 200 or len(resp.content) > MAX_BILL_BYTES:
            raise ProviderUnavailable(f"the bill download answered {resp.status_code}")
        if hashlib.sha1(resp.content).hexdigest() != expected.lower():  # noqa: S324 - the protocol's own digest of the file
            raise ProviderUnavailable("the bill does not match its hash_value")
        return wx.parse_bill(resp.content.decode("utf-8-sig"))
