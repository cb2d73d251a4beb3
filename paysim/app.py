"""The payment provider simulator: WeChat Pay API v3 as the merchant sees it.

Every API call must carry a valid merchant signature (`Authorization:
WECHATPAY2-SHA256-RSA2048 …`) and every answer is signed with the platform key, as the
real provider does. A payment is confirmed on the H5 page (确认支付); the simulator then
notifies the merchant's `notify_url` with an AES-256-GCM encrypted resource, retrying
(1 s, 2 s, 4 s … up to 8 tries) until it gets a 2xx. Refunds are notified the same way.
State lives in memory: the simulator is for demos and tests, not a ledger.

`/sim/…` routes exist only here, to stage what tests need from a provider: a bill line
with another amount, a payment of an order the merchant never made, payments whose
notification is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from mgov_common import wechatpay as wx
from mgov_common.outbound import OutboundGuard, guarded_client

log = logging.getLogger("paysim")
CST = timezone(timedelta(hours=8))
MAX_BODY = 64 * 1024
RETRY_DELAYS_S = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)


@dataclass
class Txn:
    out_trade_no: str
    prepay_id: str
    description: str
    amount_fen: int
    currency: str
    notify_url: str
    time_expire: str
    state: str = "NOTPAY"
    transaction_id: str = ""
    success_time: str = ""
    refunds: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Sim:
    keys: dict[str, Any]
    base_url: str
    guard: OutboundGuard
    txns: dict[str, Txn] = field(default_factory=dict)
    by_prepay: dict[str, str] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    bill_overrides: dict[str, int] = field(default_factory=dict)
    extra_lines: list[wx.BillLine] = field(default_factory=list)
    bills: dict[str, str] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # Staging: payments confirmed while this is on are not notified (a lost notification).
    hold_notifications: bool = False

    def __post_init__(self) -> None:
        self.platform = wx.load_private(self.keys["platform_private_key"])
        self.merchant_public = wx.load_public(self.keys["merchant_public_key"])
        self.apiv3 = self.keys["apiv3_key"].encode()


def _now_iso() -> str:
    return datetime.now(CST).isoformat(timespec="seconds")


def create_app(sim: Sim, *, notify_inside: bool = False) -> FastAPI:
    """`notify_inside`: notifications may go to private addresses too (the simulator as a
    sidecar of a development cluster, notifying the gateway's Service); otherwise only to
    loopback receivers, through the platform's outbound guard."""
    http = httpx.AsyncClient(timeout=5.0, trust_env=False, follow_redirects=False) if notify_inside else guarded_client(sim.guard, 5.0)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        for t in list(sim.tasks):
            t.cancel()
        await http.aclose()

    app = FastAPI(title="mgov paysim", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    def signed(status: int, body: dict[str, Any] | None) -> Response:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body is not None else ""
        headers = wx.platform_headers(sim.platform, sim.keys["platform_key_id"], text, int(time.time()))
        return Response(text, status_code=status, media_type="application/json" if text else None, headers=headers)

    def error(status: int, code: str, message: str) -> Response:
        return signed(status, {"code": code, "message": message})

    async def checked(request: Request) -> tuple[str, Response | None]:
        body = await request.body()
        if len(body) > MAX_BODY:
            return "", error(400, "PARAM_ERROR", "body too large")
        text = body.decode("utf-8", "replace")
        try:
            auth = wx.parse_authorization(request.headers.get("authorization", ""))
        except wx.ProtocolError as exc:
            return text, error(401, "SIGN_ERROR", str(exc))
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = wx.request_message(request.method, path, auth.timestamp, auth.nonce_str, text)
        if auth.mchid != sim.keys["mchid"] or auth.serial_no != sim.keys["merchant_serial_no"]:
            return text, error(401, "SIGN_ERROR", "unknown merchant or certificate serial")
        if not auth.timestamp.isdigit() or abs(int(time.time()) - int(auth.timestamp)) > wx.MAX_CLOCK_SKEW_S:
            return text, error(401, "SIGN_ERROR", "timestamp outside the allowed window")
        if not wx.verify(sim.merchant_public, message, auth.signature):
            return text, error(401, "SIGN_ERROR", "the signature does not verify")
        return text, None

    async def deliver(url: str, event: dict[str, Any]) -> None:
        text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        record = {"id": event["id"], "event_type": event["event_type"], "attempts": 0, "status": 0}
        sim.deliveries.append(record)
        for delay in RETRY_DELAYS_S:
            await asyncio.sleep(delay)  # the provider's retry schedule, not a test's wait
            record["attempts"] += 1
            headers = {"Content-Type": "application/json",
                       **wx.platform_headers(sim.platform, sim.keys["platform_key_id"], text, int(time.time()))}
            try:
                resp = await http.post(url, content=text.encode(), headers=headers)
                record["status"] = resp.status_code
                if 200 <= resp.status_code < 300:
                    return
            except Exception as exc:  # noqa: BLE001 - any failure is retried on the schedule
                log.warning("notification not delivered", extra={"url": url, "error": type(exc).__name__})
        log.error("notification given up", extra={"id": event["id"]})

    def notify(url: str, event_type: str, summary: str, resource: dict[str, Any], original_type: str) -> None:
        event = {"id": str(secrets.token_hex(16)), "create_time": _now_iso(), "resource_type": "encrypt-resource",
                 "event_type": event_type, "summary": summary,
                 "resource": wx.encrypt_resource(sim.apiv3, resource, original_type, original_type)}
        task = asyncio.create_task(deliver(url, event))
        sim.tasks.add(task)
        task.add_done_callback(sim.tasks.discard)

    def resource_of(t: Txn) -> dict[str, Any]:
        out: dict[str, Any] = {"appid": sim.keys["appid"], "mchid": sim.keys["mchid"], "out_trade_no": t.out_trade_no,
                               "trade_type": "MWEB", "trade_state": t.state, "trade_state_desc": t.state,
                               "amount": {"total": t.amount_fen, "currency": t.currency, "payer_total": t.amount_fen,
                                          "payer_currency": t.currency}}
        if t.transaction_id:
            out.update({"transaction_id": t.transaction_id, "bank_type": "OTHERS", "success_time": t.success_time})
        return out

    @app.post("/v3/pay/transactions/h5")
    async def h5(request: Request) -> Response:
        text, refused = await checked(request)
        if refused:
            return refused
        try:
            b = json.loads(text)
            amount = b["amount"]
            total, currency = amount["total"], amount.get("currency", "CNY")
            out_trade_no, notify_url = str(b["out_trade_no"]), str(b["notify_url"])
            if not isinstance(total, int) or isinstance(total, bool) or total <= 0 or b["mchid"] != sim.keys["mchid"]:
                raise ValueError
            if not 6 <= len(out_trade_no) <= 32:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return error(400, "PARAM_ERROR", "invalid request")
        if out_trade_no in sim.txns:
            return error(400, "ORDER_NO_DUP", "out_trade_no already used")
        prepay_id = "wx" + secrets.token_hex(14)
        sim.txns[out_trade_no] = Txn(out_trade_no, prepay_id, str(b.get("description", ""))[:127], total, currency, notify_url,
                                     str(b.get("time_expire", "")))
        sim.by_prepay[prepay_id] = out_trade_no
        return signed(200, {"h5_url": f"{sim.base_url}/pay/{prepay_id}?prepay_id={prepay_id}"})

    @app.get("/v3/pay/transactions/out-trade-no/{out_trade_no}")
    async def query(out_trade_no: str, request: Request) -> Response:
        _, refused = await checked(request)
        if refused:
            return refused
        t = sim.txns.get(out_trade_no)
        if t is None:
            return error(404, "ORDER_NOT_EXIST", "no such order")
        return signed(200, resource_of(t))

    @app.post("/v3/refund/domestic/refunds")
    async def refund(request: Request) -> Response:
        text, refused = await checked(request)
        if refused:
            return refused
        try:
            b = json.loads(text)
            out_trade_no, out_refund_no = str(b["out_trade_no"]), str(b["out_refund_no"])
            refund_fen, total = b["amount"]["refund"], b["amount"]["total"]
        except (ValueError, KeyError, TypeError):
            return error(400, "PARAM_ERROR", "invalid request")
        t = sim.txns.get(out_trade_no)
        if t is None or t.state not in ("SUCCESS", "REFUND"):
            return error(404, "RESOURCE_NOT_EXISTS", "no paid order")
        if out_refund_no in sim.refunds:  # idempotent by out_refund_no
            return signed(200, sim.refunds[out_refund_no])
        if total != t.amount_fen or not isinstance(refund_fen, int) or refund_fen <= 0 or \
                refund_fen + sum(r["amount"]["refund"] for r in t.refunds) > t.amount_fen:
            return error(400, "PARAM_ERROR", "refund amount invalid")
        r = {"refund_id": "50" + secrets.token_hex(14), "out_refund_no": out_refund_no, "transaction_id": t.transaction_id,
             "out_trade_no": out_trade_no, "channel": "ORIGINAL", "status": "PROCESSING", "create_time": _now_iso(),
             "amount": {"total": total, "refund": refund_fen, "payer_total": total, "payer_refund": refund_fen, "currency": "CNY"}}
        sim.refunds[out_refund_no] = r
        t.refunds.append(r)
        t.state = "REFUND"
        done = {"mchid": sim.keys["mchid"], "out_trade_no": out_trade_no, "transaction_id": t.transaction_id,
                "out_refund_no": out_refund_no, "refund_id": r["refund_id"], "refund_status": "SUCCESS", "success_time": _now_iso(),
                "amount": {"total": total, "refund": refund_fen, "payer_total": total, "payer_refund": refund_fen}}
        notify(str(b.get("notify_url") or t.notify_url), "REFUND.SUCCESS", "退款成功", done, "refund")
        return signed(200, r)

    def bill_lines(day: date) -> list[wx.BillLine]:
        lines = []
        for t in sim.txns.values():
            if t.success_time and datetime.fromisoformat(t.success_time).astimezone(CST).date() == day:
                amount = sim.bill_overrides.get(t.out_trade_no, t.amount_fen)
                lines.append(wx.BillLine(t.success_time, t.transaction_id, t.out_trade_no, "SUCCESS", t.currency, amount))
        return lines + [x for x in sim.extra_lines if datetime.fromisoformat(x.trade_time).astimezone(CST).date() == day]

    @app.get("/v3/bill/tradebill")
    async def tradebill(request: Request, bill_date: str = "", bill_type: str = "ALL") -> Response:
        _, refused = await checked(request)
        if refused:
            return refused
        try:
            day = date.fromisoformat(bill_date)
        except ValueError:
            return error(400, "PARAM_ERROR", "bill_date is YYYY-MM-DD")
        text = wx.render_bill(bill_lines(day), appid=sim.keys["appid"], mchid=sim.keys["mchid"])
        token = secrets.token_urlsafe(16)
        sim.bills[token] = text
        return signed(200, {"hash_type": "SHA1", "hash_value": hashlib.sha1(text.encode()).hexdigest(),  # noqa: S324 - the protocol's
                            "download_url": f"{sim.base_url}/v3/billdownload/file?token={token}"})

    @app.get("/v3/billdownload/file")
    async def billfile(request: Request, token: str = "") -> Response:
        _, refused = await checked(request)
        if refused:
            return refused
        text = sim.bills.pop(token, None)
        if text is None:
            return error(404, "RESOURCE_NOT_EXISTS", "no such bill")
        return PlainTextResponse(text)

    def page(title: str, body: str) -> HTMLResponse:
        return HTMLResponse(f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}}
.amount{{font-size:2rem;margin:1rem 0}}button,a.btn{{display:block;width:100%;padding:.8rem;font-size:1.1rem;background:#07c160;
color:#fff;border:0;border-radius:.4rem;text-align:center;text-decoration:none}}.note{{color:#666;font-size:.85rem}}</style>
</head><body>{body}<p class="note">支付模拟器（演示用，不产生真实扣款）· Payment simulator (demo only)</p></body></html>""")

    def safe_redirect(raw: str) -> str:
        parts = urlsplit(raw)
        return raw if parts.scheme in ("http", "https") and parts.hostname in ("127.0.0.1", "localhost", "::1") else ""

    @app.get("/pay/{prepay_id}")
    async def pay_page(prepay_id: str, redirect_url: str = "") -> Response:
        t = sim.txns.get(sim.by_prepay.get(prepay_id, ""))
        if t is None:
            return page("订单不存在", "<h1>订单不存在</h1>")
        if t.state != "NOTPAY":
            return page("已支付", "<h1>该订单已支付</h1>")
        action = f"/pay/{quote(prepay_id)}/confirm?redirect_url={quote(safe_redirect(redirect_url))}"
        return page("确认支付", f"""<h1>微信支付</h1><p>{html.escape(t.description)}</p>
<p class="amount">￥{wx.yuan(t.amount_fen)}</p><form method="post" action="{html.escape(action)}">
<button type="submit">确认支付</button></form>""")

    @app.post("/pay/{prepay_id}/confirm")
    async def confirm(prepay_id: str, redirect_url: str = "") -> Response:
        t = sim.txns.get(sim.by_prepay.get(prepay_id, ""))
        if t is None:
            return page("订单不存在", "<h1>订单不存在</h1>")
        if t.state == "NOTPAY":
            t.state, t.transaction_id, t.success_time = "SUCCESS", "42" + secrets.token_hex(13), _now_iso()
            if not sim.hold_notifications:
                notify(t.notify_url, "TRANSACTION.SUCCESS", "支付成功", resource_of(t), "transaction")
        back = safe_redirect(redirect_url)
        link = f'<a class="btn" href="{html.escape(back)}">返回</a>' if back else ""
        return page("支付成功", f"<h1>支付成功</h1><p class=\"amount\">￥{wx.yuan(t.amount_fen)}</p>{link}")

    # -- staging for tests and demos (the simulator only)
    @app.post("/sim/bill-amount")
    async def sim_bill_amount(request: Request) -> Response:
        b = json.loads(await request.body())
        sim.bill_overrides[str(b["out_trade_no"])] = int(b["amount_fen"])
        return JSONResponse({"ok": True})

    @app.post("/sim/bill-extra")
    async def sim_bill_extra(request: Request) -> Response:
        b = json.loads(await request.body())
        line = wx.BillLine(_now_iso(), "42" + secrets.token_hex(13), str(b["out_trade_no"]), "SUCCESS", "CNY", int(b["amount_fen"]))
        sim.extra_lines.append(line)
        return JSONResponse({"ok": True})

    @app.post("/sim/hold-notifications")
    async def sim_hold(request: Request) -> Response:
        sim.hold_notifications = bool(json.loads(await request.body()).get("hold"))
        return JSONResponse({"hold": sim.hold_notifications})

    @app.get("/sim/deliveries")
    async def sim_deliveries() -> Response:
        return JSONResponse(sim.deliveries)

    @app.get("/healthz")
    async def healthz() -> Response:
        return JSONResponse({"status": "ok"})

    return app
