"""Builds the notify service from the live runtime (nothing connects at import).

- identity over gRPC: the JWKS (callers' tokens), and with the platform token the
  staff lists and phone numbers;
- providers from the settings: SMS (HTTP gateway, demo outbox or none), Web Push
  (VAPID) and the vendor outbox in demo mode;
- the consumers: tenant events into the projection, platform events into notifications;
- background: the delivery worker, which also fires rating invitations;
- in demo mode, the base templates, seeded before the server answers.
"""

from __future__ import annotations

from dataclasses import replace
import logging
from datetime import timedelta
from pathlib import Path

from mgov.notify.v1 import notify_pb2, notify_pb2_grpc
from mgov_common.auth import JwksCache, TokenVerifier, identity_jwks_fetcher
from mgov_common.events.consumer import EventConsumer
from mgov_common.grpc_client import create_channel
from mgov_common.runtime import Runtime, ServiceParts
from mgov_common.tenants import apply_tenant_event, consumer_spec
from mgov_common.clock import Clock, OffsetFileClock, SystemClock
from services.notify.adapters.identity import ContactDirectory, PlatformToken, StaffDirectory
from services.notify.adapters.live import LivePublisher
from services.notify.adapters.push import PushProvider, VendorOutboxProvider, WebPushProvider, parse_vapid_key
from services.notify.adapters.sms import HttpSmsProvider, OutboxSmsProvider, SmsProvider
from services.notify.domain.delivery import RetryPolicy
from services.notify.domain.devices import EndpointPolicy
from services.notify.domain.rate_limit import Bucket
from services.notify.entrypoints.consumer import EVENTS, NotifyConsumer
from services.notify.entrypoints.grpc import NotifyServicer
from services.notify.service_layer.context import Context
from services.notify.service_layer.dispatch import Dispatcher
from services.notify.service_layer.invitations import InvitationWorker
from services.notify.service_layer.seed import seed_demo
from services.notify.service_layer.sender import DeliveryWorker
from services.notify.settings import NotifySettings

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = notify_pb2.DESCRIPTOR.services_by_name["NotifyService"].full_name
DEMO_PROVINCE = "zhejiang"
log = logging.getLogger(__name__)


def make_sms(settings: NotifySettings) -> SmsProvider | None:
    kind = settings.effective_sms_provider()
    if kind == "http":
        assert settings.sms_gateway_secret is not None
        return HttpSmsProvider(settings.sms_gateway_url, settings.sms_gateway_key_id,
                               settings.sms_gateway_secret.get_secret_value().encode(), timeout_s=settings.sms_timeout_s,
                               guard=settings.outbound_guard())
    if kind == "outbox":
        return OutboxSmsProvider(settings.outbox_dir() / "sms-outbox.jsonl")
    return None


def make_push(settings: NotifySettings, policy: EndpointPolicy) -> tuple[list[PushProvider], str]:
    providers: list[PushProvider] = []
    public = ""
    if settings.vapid_private_key is not None:
        web = WebPushProvider(parse_vapid_key(settings.vapid_private_key.get_secret_value()), settings.vapid_subject, policy,
                              guard=settings.outbound_guard())
        providers.append(web)
        public = web.public_key
    if settings.effective_vendor_push() == "outbox":
        providers.append(VendorOutboxProvider(settings.outbox_dir() / "push-outbox.jsonl"))
    return providers, public


def make_context(settings: NotifySettings, runtime: Runtime, identity: object, clock: Clock | None = None) -> Context:
    assert settings.platform_secret is not None  # required outside demo mode, derived in it
    token = PlatformToken(identity, "notify", settings.platform_secret.get_secret_value())  # type: ignore[arg-type]
    policy = EndpointPolicy(tuple(settings.web_push_hosts), allow_loopback_http=settings.demo)
    push, public = make_push(settings, policy)
    return Context(
        pool=runtime.pool,
        clock=clock or (OffsetFileClock(settings.demo_clock_path()) if settings.demo else SystemClock()),
        staff=StaffDirectory(identity, token),  # type: ignore[arg-type]
        contacts=ContactDirectory(identity, token),  # type: ignore[arg-type]
        sms=make_sms(settings), push=push, endpoint_policy=policy, outbound=settings.outbound_guard(),
        retry=RetryPolicy(timedelta(seconds=settings.retry_base_s), timedelta(seconds=settings.retry_cap_s), settings.max_attempts),
        rates={"sms": Bucket(settings.sms_rate_per_s, settings.sms_burst), "push": Bucket(settings.push_rate_per_s, settings.push_burst)},
        sms_sign_name=settings.sms_sign_name, vapid_public_key=public,
        rating_delay=timedelta(seconds=settings.rating_invitation_delay_s), send_lease=timedelta(seconds=settings.send_lease_s),
        pages=settings.page_tokens(),
    )


async def bootstrap(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, NotifySettings)
    identity = create_channel(settings.identity_addr, default_deadline_s=settings.client_deadline_s)
    ctx = make_context(settings, runtime, identity)
    if settings.demo and settings.seed_demo:
        made = await seed_demo(ctx, DEMO_PROVINCE, ctx.clock.now())
        if made:
            log.info("demo templates seeded", extra={"templates": made})
    live = LivePublisher(runtime.nc)
    dispatcher = Dispatcher(ctx)
    worker = DeliveryWorker(ctx, batch=settings.worker_batch)
    invitations = InvitationWorker(dispatcher, live)

    async def work() -> None:
        await worker.run(settings.worker_poll_s, also=[invitations.run_once])

    async def close() -> None:
        for provider in [ctx.sms, *ctx.push]:
            if provider is not None:
                await provider.close()  # type: ignore[attr-defined]
        await identity.close()

    return ServiceParts(
        registrations=[(notify_pb2_grpc.add_NotifyServiceServicer_to_server, NotifyServicer(ctx), SERVICE_NAME)],
        consumers=[EventConsumer(runtime.pool, runtime.js, consumer_spec("notify"), apply_tenant_event),
                   NotifyConsumer(runtime.pool, runtime.js, dispatcher, live, worker.wake,
                                  replace(EVENTS, linger_s=settings.consumer_linger_ms / 1000),
                                  concurrency=settings.consumer_concurrency)],
        background=[work],
        on_stop=[close],
        verifier=TokenVerifier(JwksCache(identity_jwks_fetcher(identity))),
    )
