"""Helpers of the payment e2e tests: a case brought to 待缴费, the simulator's pages, and
provider notifications made with the simulator's own keys (as a replay or a forgery)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx

from mgov_common import wechatpay as wx
from tests.conftest import repo_root, venv_bin
from tests.e2e.conftest import DemoPlatform

CITIZEN, HZ_CLERK, HZ_APPROVER = "13900000100", "13900000011", "13900000012"
HZ_FINANCE, NB_FINANCE = "13900000013", "13900000023"
FORM = {"applicant_name": "张小明", "id_number": "330106199001011234", "phone": "13900000100",
        "registration_type": "转移登记", "property_address": "杭州市西湖区文三路1号"}
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 30.0) -> T:
    """The probe's first truthy answer: a condition waited on with a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(0.1)


class Payments:
    def __init__(self, p: DemoPlatform) -> None:
        self.p = p
        self.tokens = {who: p.sign_in(who)["access_token"] for who in (CITIZEN, HZ_CLERK, HZ_APPROVER)}
        with p.client() as c:
            found = c.get("/v1/tenants/hangzhou/services", params={"q": "不动产登记"}).json()["items"]
        self.service_id = next(i["id"] for i in found if i["name"]["zh"] == "不动产登记")
        self.paysim = f"http://127.0.0.1:{p.ports['PAYSIM']}"
        self.provider = json.loads((p.home / "paysim" / "provider.json").read_text())

    def client(self, who: str) -> httpx.Client:
        return self.p.client(self.tokens[who])

    def case(self, case_id: str) -> dict[str, Any]:
        with self.client(CITIZEN) as c:
            resp = c.get(f"/v1/applications/{case_id}")
        assert resp.status_code == 200, resp.text
        return resp.json()  # type: ignore[no-any-return]

    def act(self, who: str, case: dict[str, Any], action: str, comment: str = "") -> dict[str, Any]:
        with self.client(who) as c:
            resp = c.post(f"/v1/applications/{case['id']}/actions", json={"action": action, "comment": comment},
                          headers={"If-Match": f'"{case["version"]}"'})
        assert resp.status_code == 200, resp.text
        return resp.json()  # type: ignore[no-any-return]

    def case_awaiting_payment(self) -> dict[str, Any]:
        with self.client(CITIZEN) as c:
            resp = c.post("/v1/applications", json={"service_id": self.service_id, "form": FORM})
        assert resp.status_code == 201, resp.text
        case = self.act(HZ_APPROVER, self.act(HZ_CLERK, resp.json(), "accept"), "approve")
        assert case["status"] == "awaiting_payment" and case["awaits_payment"] is True, case
        return case

    def order(self, case_id: str) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            with self.client(CITIZEN) as c:
                resp = c.get(f"/v1/applications/{case_id}/payment")
            return resp.json() if resp.status_code == 200 else None

        return wait_for("the payment order", probe)

    def start(self, order_id: str) -> dict[str, Any]:
        with self.client(CITIZEN) as c:
            resp = c.post(f"/v1/payments/{order_id}/pay")
        assert resp.status_code == 200, resp.text
        return resp.json()  # type: ignore[no-any-return]

    def confirm(self, pay_url: str) -> str:
        """What a payer does on the provider's page: open it, press 确认支付."""
        page = httpx.get(pay_url, timeout=10)
        assert page.status_code == 200 and "确认支付" in page.text, page.text
        action = re.search(r'action="([^"]+)"', page.text)
        assert action is not None
        done = httpx.post(self.paysim + action.group(1).replace("&amp;", "&"), timeout=10)
        assert done.status_code == 200 and "支付成功" in done.text, done.text
        return done.text

    def notification(self, resource: dict[str, Any], *, event_type: str = "TRANSACTION.SUCCESS", key: Any = None) -> tuple[bytes, dict[str, str]]:
        """A notification as the provider sends it, signed with the platform key (or `key`)."""
        event = {"id": "e2e-" + str(time.time_ns()), "create_time": "2026-11-30T10:00:00+08:00", "resource_type": "encrypt-resource",
                 "event_type": event_type, "summary": "支付成功",
                 "resource": wx.encrypt_resource(self.provider["apiv3_key"].encode(), resource, "transaction", "transaction")}
        body = json.dumps(event, ensure_ascii=False)
        signer = key or wx.load_private(self.provider["platform_private_key"])
        headers = wx.platform_headers(signer, self.provider["platform_key_id"], body, int(time.time()))
        return body.encode(), {**headers, "Content-Type": "application/json"}

    def post_notification(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        with self.p.client() as c:
            return c.post("/v1/payments/notifications/wechatpay", content=body, headers=headers)

    def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(self.p.dsn)
            try:
                return list(await conn.fetch(query, *args))
            finally:
                await conn.close()

        return asyncio.run(run())

    def resource(self, out_trade_no: str, amount_fen: int, transaction_id: str = "4200000000000000000001") -> dict[str, Any]:
        return {"mchid": self.provider["mchid"], "appid": self.provider["appid"], "out_trade_no": out_trade_no,
                "transaction_id": transaction_id, "trade_type": "MWEB", "trade_state": "SUCCESS", "trade_state_desc": "支付成功",
                "success_time": "2026-11-30T10:00:00+08:00",
                "amount": {"total": amount_fen, "payer_total": amount_fen, "currency": "CNY", "payer_currency": "CNY"}}


def paid_case(pay: Payments) -> dict[str, Any]:
    """A Hangzhou case whose fee was paid through the simulator, advanced to 制证中."""
    case = pay.case_awaiting_payment()
    order = pay.order(case["id"])
    started = pay.start(order["id"])
    pay.confirm(started["pay_url"])
    wait_for("the case advanced", lambda: pay.case(case["id"])["status"] == "issuing")
    return {"case": case, "order": pay.order(case["id"]), "out_trade_no": started["out_trade_no"]}


def mgov(pay: Payments, *args: str) -> subprocess.CompletedProcess[str]:
    """The `mgov` command on the platform's database and home (as a scheduled job runs it)."""
    env = {**os.environ, "MGOV_DATABASE_URL": pay.p.dsn, "MGOV_DEMO": "1", "MGOV_HOME": str(pay.p.home), "MGOV_LOG_JSON": "0"}
    env.pop("MGOV_NATS_URL", None)
    return subprocess.run([venv_bin("mgov"), *args], cwd=repo_root(), env=env, capture_output=True, text=True, timeout=60)


def repo_file(*parts: str) -> Path:
    return Path(__file__).resolve().parents[2].joinpath(*parts)
