"""Builds the payment service from the live runtime (nothing connects at import).

- the provider adapters (WeChat Pay API v3; in demo mode against `mgov paysim`);
- the receipt signing key (Ed25519);
- consumers: catalog's item versions (fees) and workflow's cases (orders, refunds);
- background: refunds to send, stuck payments to query, unpaid orders to expire.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mgov.payment.v1 import payment_pb2, payment_pb2_grpc
from mgov_common import wechatpay as wx
from mgov_common.auth import JwksCache, TokenVerifier, identity_jwks_fetcher
from mgov_common.clock import Clock, OffsetFileClock, SystemClock
from mgov_common.events.consumer import EventConsumer
from mgov_common.grpc_client import create_channel
from mgov_common.runtime import Runtime, ServiceParts
from mgov_common.tenants import apply_tenant_event, consumer_spec
from services.payment.adapters.wechatpay import WechatPay
from services.payment.entrypoints import consumers
from services.payment.entrypoints.grpc import PaymentServicer
from services.payment.service_layer import reconcile, worker
from services.payment.service_layer.context import Context
from services.payment.settings import PaymentSettings

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = payment_pb2.DESCRIPTOR.services_by_name["PaymentService"].full_name


def make_providers(settings: PaymentSettings) -> dict[str, WechatPay]:
    """A WeChat Pay adapter per merchant account (the default one and MERCHANTS_DIR's);
    none without a merchant account (a province that takes no fees yet, or a cluster's
    demo without the simulator): orders are still made, and paying answers
    provider_unavailable until the credentials are given."""
    try:
        accounts = settings.merchant_accounts()
    except ValueError as missing:
        log.warning("no payment provider configured; paying answers provider_unavailable", extra={"reason": str(missing)})
        return {}
    return {name: WechatPay(name=name, base_url=m["base_url"], mchid=m["mchid"], appid=m["appid"], serial_no=m["serial_no"],
                            merchant_key=wx.load_private(m["private_key"]),
                            platform_keys={m["platform_key_id"]: wx.load_public(m["platform_public_key"])},
                            apiv3_key=m["apiv3_key"].encode(), notify_url=settings.notify_url_of(name, m),
                            guard=settings.outbound_guard(), timeout_s=settings.provider_timeout_s)
            for name, m in accounts.items()}


def make_context(settings: PaymentSettings, runtime: Runtime, clock: Clock | None = None) -> Context:
    assert settings.receipt_signing_key is not None
    key = Ed25519PrivateKey.from_private_bytes(settings.receipt_seed())
    return Context(
        pool=runtime.pool,
        clock=clock or (OffsetFileClock(settings.demo_clock_path()) if settings.demo else SystemClock()),
        providers=dict(make_providers(settings)), receipt_key=key, pages=settings.page_tokens(), default_merchant=settings.default_merchant,
        order_ttl=timedelta(seconds=settings.order_ttl_s), refund_on=frozenset(settings.refund_on),
        stuck_after=timedelta(seconds=settings.stuck_after_s), public_base_url=settings.public_base_url,
    )


async def bootstrap(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, PaymentSettings)
    identity = create_channel(settings.identity_addr, default_deadline_s=settings.client_deadline_s)
    ctx = make_context(settings, runtime)
    wake = asyncio.Event()
    ctx.wake = wake.set

    async def work() -> None:
        await worker.run(ctx, settings.worker_poll_s, wake)

    async def close() -> None:
        for p in ctx.providers.values():
            await p.close()
        await identity.close()

    return ServiceParts(
        registrations=[(payment_pb2_grpc.add_PaymentServiceServicer_to_server, PaymentServicer(ctx), SERVICE_NAME)],
        consumers=[EventConsumer(runtime.pool, runtime.js, consumer_spec("payment"), apply_tenant_event),
                   EventConsumer(runtime.pool, runtime.js, consumers.ITEMS, consumers.apply_item),
                   EventConsumer(runtime.pool, runtime.js, consumers.CASES, consumers.case_handler(ctx))],
        background=[work],
        samplers=[lambda: reconcile.observe_findings(ctx)],
        on_stop=[close],
        verifier=TokenVerifier(JwksCache(identity_jwks_fetcher(identity))),
    )
