"""Merchant accounts chosen per tenant, against two real payment simulators (two
WeChat Pay merchants with their own keys and merchant numbers): a county pays into the
account its city configured, another city into the province's; each account's
notifications verify only with its own platform key; reconciliation compares each
account's bill with that account's orders only, and a payment the platform never made
is reported to the tenant that owns the account."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mgov_common import wechatpay as wx
from mgov_common.clock import SystemClock
from mgov_common.db import create_pool
from mgov_common.errors import PermissionDenied
from mgov_common.events.envelope import CloudEvent
from mgov_common.migrations import migrate
from mgov_common.paging import PageTokens
from mgov_common.ports import free_port
from mgov_common.principal import Principal
from mgov_common.tenant_tree import TenantNode
from mgov_common.tenants import TenantProjection
from services.payment.bootstrap import make_providers
from services.payment.service_layer import notifications, orders, reconcile, worker
from services.payment.service_layer.context import Context
from services.payment.service_layer.tenant_settings import configure
from services.payment.settings import PaymentSettings
from tests.conftest import Servers, repo_root

MIGRATIONS = repo_root() / "services" / "payment" / "migrations"
CST = timezone(timedelta(hours=8))
TREE = [("zhejiang", None, "330000", "province"), ("hangzhou", "zhejiang", "330100", "city"), ("xihu", "hangzhou", "330106", "county"),
        ("ningbo", "zhejiang", "330200", "city")]
SERVICE_ID = uuid.uuid4()


@dataclass
class Sim:
    name: str
    home: Path
    url: str
    proc: subprocess.Popen[bytes]

    def provider_keys(self) -> dict[str, Any]:
        return json.loads((self.home / "paysim" / "provider.json").read_text())  # type: ignore[no-any-return]

    def merchant(self) -> dict[str, Any]:
        return json.loads((self.home / "paysim" / "merchant.json").read_text())  # type: ignore[no-any-return]


def start_sim(root: Path, name: str, mchid: str) -> Sim:
    home, port = root / name, free_port()
    env = {**os.environ, "MGOV_HOME": str(home), "MGOV_PAYSIM_PORT": str(port), "MGOV_PAYSIM_MCHID": mchid}
    proc = subprocess.Popen([sys.executable, "-m", "paysim"], cwd=repo_root(), env=env, stdout=subprocess.DEVNULL,
                            stderr=open(root / f"{name}.log", "wb"))  # noqa: SIM115 - closed with the process
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:  # its health answers once it serves
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return Sim(name, home, url, proc)
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, f"paysim {name} did not start"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Sim]]:
    root = tmp_path_factory.mktemp("paysims")
    started = [start_sim(root, "province", "1900000109"), start_sim(root, "hangzhou", "1900000555")]
    try:
        for s in started:  # nobody listens for notifications here: each payment is found by asking the provider
            httpx.post(s.url + "/sim/hold-notifications", json={"hold": True}).raise_for_status()
        yield {s.name: s for s in started}
    finally:
        for s in started:
            s.proc.terminate()
            s.proc.wait(10)


@pytest.fixture(scope="module")
async def ctx(servers: Servers, sims: dict[str, Sim], tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Context]:
    schema = f"pay_{uuid.uuid4().hex[:10]}"
    await migrate(servers.dsn, schema, MIGRATIONS)
    accounts = tmp_path_factory.mktemp("merchants")
    # The default account (the province's) and Hangzhou's own, as files of MERCHANTS_DIR.
    (accounts / "wechatpay.json").write_text(json.dumps(sims["province"].merchant()))
    (accounts / "hz-pay.json").write_text(json.dumps(sims["hangzhou"].merchant()))
    settings = PaymentSettings(merchants_dir=accounts, demo=True, notify_url="http://127.0.0.1:9/v1/payments/notifications/wechatpay")
    providers = make_providers(settings)
    assert sorted(providers) == ["hz-pay", "wechatpay"]
    pool = await create_pool(servers.dsn, schema, min_size=1, max_size=4)
    c = Context(pool=pool, clock=SystemClock(), providers=dict(providers), receipt_key=Ed25519PrivateKey.generate(),
                pages=PageTokens.ephemeral(), stuck_after=timedelta(0))
    async with pool.acquire() as conn:
        for tid, parent, code, level in TREE:
            await TenantProjection(conn).upsert(TenantNode(tid, parent, code, level, {"zh": tid, "en": tid}, "active"), datetime.now(UTC))
        await conn.execute("INSERT INTO item_fees (service_id, version, tenant_id, name, fees) VALUES ($1, 1, 'zhejiang', $2::jsonb, $3::jsonb)",
                           SERVICE_ID, json.dumps({"zh": "不动产登记"}), json.dumps([{"name": {"zh": "登记费"}, "amount_fen": 8000}]))
    await configure(c, "zhejiang", "wechatpay", None)
    await configure(c, "hangzhou", "hz-pay", ["rejected"])
    try:
        yield c
    finally:
        for p in providers.values():
            await p.close()
        await pool.close()


async def case_awaiting_payment(ctx: Context, tenant: str) -> tuple[dict[str, Any], Principal]:
    applicant = Principal(f"citizen-{uuid.uuid4().hex[:8]}", tenant)
    case = {"application_id": str(uuid.uuid4()), "tenant_id": tenant, "case_number": f"{tenant}-{uuid.uuid4().hex[:6]}",
            "applicant_id": applicant.subject, "service_id": str(SERVICE_ID), "service_version": 1, "awaits_payment": True,
            "status": "awaiting_payment"}
    event = CloudEvent.new(service="workflow", entity="application", verb="transitioned", tenant=tenant, subject=case["application_id"],
                           data=case)
    async with ctx.pool.acquire() as conn, conn.transaction():
        await orders.on_case_event(ctx, conn, event)
    return case, applicant


async def pay(ctx: Context, tenant: str) -> dict[str, Any]:
    """A case of `tenant` paid on the simulator its order's merchant account led to."""
    case, applicant = await case_awaiting_payment(ctx, tenant)
    order, _ = await orders.get_for_case(ctx, applicant, case["application_id"])
    started = await orders.start_payment(ctx, applicant, str(order.id), "127.0.0.1")
    page = httpx.get(started.pay_url)
    prepay = started.pay_url.split("/pay/", 1)[1].split("?", 1)[0]
    assert "确认支付" in page.text
    done = httpx.post(started.pay_url.split("/pay/", 1)[0] + f"/pay/{prepay}/confirm")
    assert "支付成功" in done.text
    assert await worker.resolve_stuck(ctx) >= 1  # asked at the order's own merchant account
    paid, _ = await orders.get_for_case(ctx, applicant, case["application_id"])
    return {"case": case, "order": paid, "out_trade_no": started.out_trade_no, "pay_url": started.pay_url}


async def test_a_county_pays_into_its_citys_merchant_account_and_another_city_into_the_provinces(ctx: Context, sims: dict[str, Sim]) -> None:
    county = await pay(ctx, "xihu")
    other = await pay(ctx, "ningbo")
    assert county["pay_url"].startswith(sims["hangzhou"].url + "/pay/") and county["order"].provider == "hz-pay"
    assert other["pay_url"].startswith(sims["province"].url + "/pay/") and other["order"].provider == "wechatpay"
    assert county["order"].status == other["order"].status == "paid"
    # Each provider knows its own merchant's payment only.
    assert await ctx.provider("hz-pay").query(county["out_trade_no"]) is not None
    assert await ctx.provider("wechatpay").query(county["out_trade_no"]) is None
    assert (await ctx.provider("hz-pay").query(county["out_trade_no"])).mchid == "1900000555"  # type: ignore[union-attr]


async def test_a_notification_verifies_only_with_its_own_accounts_platform_key(ctx: Context, sims: dict[str, Sim]) -> None:
    county = await pay(ctx, "xihu")
    keys = sims["hangzhou"].provider_keys()
    resource = {"mchid": keys["mchid"], "appid": keys["appid"], "out_trade_no": county["out_trade_no"], "transaction_id": "42" + "1" * 26,
                "trade_state": "SUCCESS", "success_time": datetime.now(CST).isoformat(timespec="seconds"),
                "amount": {"total": 8000, "currency": "CNY"}}
    body = json.dumps({"id": uuid.uuid4().hex, "event_type": "TRANSACTION.SUCCESS", "resource_type": "encrypt-resource",
                       "resource": wx.encrypt_resource(keys["apiv3_key"].encode(), resource, "transaction", "transaction")})
    headers = wx.platform_headers(wx.load_private(keys["platform_private_key"]), keys["platform_key_id"], body, int(time.time()))
    with pytest.raises(PermissionDenied):  # posted to the province's account: not its platform's key
        await notifications.handle(ctx, "wechatpay", headers, body.encode())
    assert await notifications.handle(ctx, "hz-pay", headers, body.encode()) == "duplicate"  # already applied, nothing changes


async def test_each_accounts_bill_is_compared_with_its_own_orders_and_a_stranger_is_the_owning_tenants(ctx: Context, sims: dict[str, Sim]) -> None:
    county = await pay(ctx, "xihu")
    other = await pay(ctx, "ningbo")
    stranger = "stranger" + uuid.uuid4().hex[:16]
    httpx.post(sims["hangzhou"].url + "/sim/bill-extra", json={"out_trade_no": stranger, "amount_fen": 500}).raise_for_status()
    today = datetime.now(CST).date()
    hz = {(f.kind, f.out_trade_no): f for f in await reconcile.reconcile(ctx, today, "hz-pay")}
    province = {(f.kind, f.out_trade_no): f for f in await reconcile.reconcile(ctx, today, "wechatpay")}
    # Each paid order is on its own account's bill, and is not missed on the other's.
    assert not [k for k in {**hz, **province} if k[1] in (county["out_trade_no"], other["out_trade_no"])], {**hz, **province}
    found = hz[("unknown_order", stranger)]
    assert found.tenant_id == "hangzhou" and found.merchant == "hz-pay"


async def test_refunds_follow_the_outcomes_the_tenant_inherits(ctx: Context) -> None:
    async def end(tenant: str, verb: str, action: str) -> Any:
        paid = await pay(ctx, tenant)
        case = {**paid["case"], "awaits_payment": False, "terminal": True, "action": action, "status": verb}
        event = CloudEvent.new(service="workflow", entity="application", verb=verb, tenant=tenant, subject=case["application_id"], data=case)
        async with ctx.pool.acquire() as conn, conn.transaction():
            await orders.on_case_event(ctx, conn, event)
        async with ctx.pool.acquire() as conn:
            return await conn.fetchval("SELECT status FROM orders WHERE id = $1", paid["order"].id)

    # Hangzhou gives fees back on rejection only, and Xihu inherits it; Ningbo has the defaults (both).
    assert await end("xihu", "rejected", "reject") == "refunding"
    assert await end("xihu", "transitioned", "withdraw") == "paid"
    # A withdrawal into a state whose outcome is "rejected" also brings a `rejected` event: it is still a withdrawal.
    assert await end("xihu", "rejected", "withdraw") == "paid"
    assert await end("ningbo", "transitioned", "withdraw") == "refunding"
