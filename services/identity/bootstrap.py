"""Builds the identity service from the live runtime (nothing connects at import).

`build_context` is shared by the service, the CLI (`mgov keys ...`, `mgov audit
verify`) and the tests, so they all read keys and settings the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.auth import JwksCache, TokenVerifier
from mgov_common.events.consumer import EventConsumer
from mgov_common.grpc_client import create_channel
from mgov_common.ingest_admission import Admission
from mgov_common.runtime import Runtime, ServiceParts
from mgov_common.settings import SettingsError
from services.identity.adapters.nats_auth import NatsAuthWriter, credentials_of, public_url
from services.identity.service_layer.webhooks import FAN_OUT, DeliveryLog, WebhookWorker, fan_out
from services.identity.adapters.crypto import FieldCipher, Lookup, parse_key
from services.identity.adapters.passwords import Argon2Passwords
from services.identity.adapters.security_sms import NotifySecuritySms
from services.identity.adapters.signing_keys import SKEW_MARGIN, KeyRing, KeySet, SigningKeyRepository
from services.identity.adapters.tokens import TokenIssuer
from services.identity.domain.lockout import ThrottlePolicy
from services.identity.entrypoints.grpc import IdentityServicer
from services.identity.service_layer.context import Context, utc_now
from services.identity.service_layer.handlers import Handlers
from services.identity.service_layer.seed import seed_demo
from services.identity.service_layer.unit_of_work import Crypto, UnitOfWork
from services.identity.settings import IdentitySettings

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = identity_pb2.DESCRIPTOR.services_by_name["IdentityService"].full_name
log = logging.getLogger(__name__)


def crypto_from_settings(s: IdentitySettings) -> Crypto:
    return Crypto(
        FieldCipher.from_settings(s.field_key_id, s.field_key, s.field_previous_keys),
        Lookup(parse_key(s.lookup_key, "MGOV_IDENTITY_LOOKUP_KEY")),
        parse_key(s.audit_key, "MGOV_IDENTITY_AUDIT_KEY"),
    )


def build_context(settings: IdentitySettings, pool: asyncpg.Pool, clock: Callable[[], datetime] = utc_now) -> Context:
    crypto = crypto_from_settings(settings)
    hold = timedelta(seconds=settings.access_token_ttl_s + settings.key_cache_s) + SKEW_MARGIN

    def uow() -> UnitOfWork:
        return UnitOfWork(pool, crypto, clock)

    async def load_keys() -> KeySet:
        async with pool.acquire() as conn:
            keys = await SigningKeyRepository(conn, crypto.cipher).load(clock(), hold)
        if keys is None:
            raise RuntimeError("no signing key: the identity service makes one at start")
        return keys

    keyring = KeyRing(load_keys, settings.key_cache_s)
    return Context(
        uow=uow,
        passwords=Argon2Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib,
                                  parallelism=settings.argon2_parallelism, max_concurrency=settings.argon2_max_concurrency),
        keyring=keyring,
        issuer=TokenIssuer(keyring, settings.access_token_ttl_s),
        lookup=crypto.lookup,
        lockout=ThrottlePolicy(settings.throttle_threshold, settings.throttle_address_threshold, settings.throttle_account_window_s,
                               settings.throttle_address_window_s, settings.throttle_account_max_delay_s,
                               settings.throttle_address_max_delay_s, settings.throttle_known_address_days),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_s),
        session_max=timedelta(seconds=settings.session_max_s),
        key_activation_delay=timedelta(seconds=settings.key_activation_delay_s),
        key_hold=hold,
        audit_key=crypto.audit_key,
        clock=clock,
        platform_clients=settings.platform_client_secrets(),
        pages=settings.page_tokens(),
        cipher=crypto.cipher,
    )


async def prepare(handlers: Handlers, demo: bool) -> None:
    """At start: a signing key exists; the demo data exists in demo mode only."""
    await handlers.keys.ensure_signing_key()
    if demo:
        result = await seed_demo(handlers.ctx)
        if result.tenants_created or result.users_created:
            log.info("demo data seeded", extra={"tenants": result.tenants_created, "users": result.users_created})


def verifier_for(handlers: Handlers) -> TokenVerifier:
    """Identity verifies tokens from its own key store (no gRPC call to itself)."""
    return TokenVerifier(JwksCache(handlers.ctx.keyring.fresh_jwks, min_refresh_interval_s=1.0))


async def _prune_forever(handlers: Handlers, interval_s: float = 60.0) -> None:
    ctx = handlers.ctx
    while True:
        await asyncio.sleep(interval_s)
        try:
            async with ctx.uow() as uow:
                await uow.lockouts.prune(ctx.clock(), ctx.lockout.longest_window)
                # Kept a day past expiry: the registration rate limits count them.
                await uow.registrations.prune(ctx.clock() - max(timedelta(days=1), handlers.registration.policy.window))
                await uow.commit()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("pruning sign-in failures failed", extra={"error": repr(exc)})


def nats_auth_writer(settings: IdentitySettings) -> NatsAuthWriter | None:
    """The writer of the NATS authorization file, when this process manages one."""
    if settings.nats_auth_file is None:
        return None
    creds = credentials_of(settings.require_nats_url())
    if creds is None:
        raise SettingsError("MGOV_IDENTITY_NATS_AUTH_FILE needs the platform's NATS credentials in MGOV_NATS_URL (nats://user:password@host:port)")
    return NatsAuthWriter(settings.nats_auth_file, settings.nats_pid_file, *creds)


async def bootstrap(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, IdentitySettings)
    ctx = build_context(settings, runtime.pool)
    handlers = Handlers.build(ctx)
    writer = nats_auth_writer(settings)
    if writer is not None:
        async def apply_auth() -> None:
            await writer.apply(await handlers.systems.active())

        handlers.systems.on_change = apply_auth
        await apply_auth()  # the file matches the database from the start
    guard = settings.outbound_guard()
    handlers.systems.guard = guard
    notify = create_channel(settings.notify_addr, default_deadline_s=settings.client_deadline_s)
    handlers.registration.sms = NotifySecuritySms(notify, ctx.issuer, ctx.clock)
    handlers.registration.policy = settings.registration_policy()
    await prepare(handlers, settings.demo)
    servicer = IdentityServicer(handlers)
    servicer.nats_public_url = settings.nats_public_url or public_url(settings.require_nats_url())
    servicer.webhooks = DeliveryLog(ctx)
    consumers: list[EventConsumer] = []
    background: list[Callable[[], Awaitable[None]]] = [lambda: _prune_forever(handlers)]
    on_stop: list[Callable[[], Awaitable[None]]] = [notify.close]
    if settings.ingest_enabled:
        # Admission only: the stage in front of the bus. Workflow and catalog apply the
        # events they own (their `entrypoints/ingest.py`); identity calls neither.
        admission = Admission(runtime.nc, settings.ingest_quotas())
        await admission.start()
        on_stop.append(admission.stop)
    if settings.webhooks_enabled:
        consumers.append(EventConsumer(runtime.pool, runtime.js, FAN_OUT, lambda conn, ev: fan_out(conn, ev, ctx.clock())))
        worker = WebhookWorker(ctx, runtime.pool, schedule_s=settings.webhook_schedule(), poll_s=settings.webhook_poll_s,
                               timeout_s=settings.webhook_timeout_s, guard=guard)
        background.append(worker.run)
        on_stop.append(worker.close)
    return ServiceParts(
        registrations=[(identity_pb2_grpc.add_IdentityServiceServicer_to_server, servicer, SERVICE_NAME)],
        consumers=consumers,
        background=background,
        on_stop=on_stop,
        verifier=verifier_for(handlers),
    )
