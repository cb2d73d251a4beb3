"""Builds the identity service from the live runtime (nothing connects at import).

`build_context` is shared by the service, the CLI (`mgov keys ...`, `mgov audit
verify`) and the tests, so they all read keys and settings the same way.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
from mgov_common.auth import JwksCache, TokenVerifier
from mgov_common.bus import connect_nats, with_credentials
from mgov_common.events.consumer import EventConsumer
from mgov_common.grpc_client import create_channel
from mgov_common.ingest_admission import Admission
from mgov_common.runtime import Runtime, ServiceParts
from mgov_common.settings import SettingsError
from services.identity.adapters.nats_auth import public_url
from services.identity.adapters.nats_callout import CalloutResponder
from services.identity.adapters.nats_sessions import BusSessions
from services.identity.service_layer.webhooks import FAN_OUT, DeliveryLog, FanOut, WebhookWorker
from services.identity.adapters.crypto import FieldCipher, Lookup, parse_key
from services.identity.adapters.passwords import Argon2Passwords
from services.identity.adapters.security_sms import NotifySecuritySms
from services.identity.adapters.signing_keys import SKEW_MARGIN, KeyRing, KeySet, SigningKeyRepository
from services.identity.adapters.tokens import TokenIssuer
from services.identity.domain.lockout import ThrottlePolicy
from services.identity.entrypoints.grpc import IdentityServicer
from services.identity.service_layer.context import Context, utc_now
from services.identity.service_layer.handlers import Handlers
from services.identity.service_layer.phone_verification import PHONE_CONTACT_DAYS
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
                await uow.registrations.prune_phones(ctx.clock() - PHONE_CONTACT_DAYS)
                await uow.commit()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("pruning sign-in failures failed", extra={"error": repr(exc)})


async def _sweep_forever(handlers: Handlers, sessions: BusSessions, ttl_s: int, interval_s: float) -> None:
    """Close again what every rotation and revocation within the user JWTs' lifetime left
    open: a kick lost to a crash between the commit and the kick, or to a NATS blip."""
    ctx = handlers.ctx
    while True:
        await asyncio.sleep(interval_s)
        try:
            for user, before in await handlers.systems.credentials_ended_since(ctx.clock() - timedelta(seconds=ttl_s + 60)):
                await sessions.end(user, before)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            log.warning("closing ended NATS sessions failed; next sweep retries", extra={"error": repr(exc)})


async def bus_parts(settings: IdentitySettings, runtime: Runtime, handlers: Handlers) -> tuple[
        list[Callable[[], Awaitable[None]]], list[Callable[[], Awaitable[None]]]]:
    """The auth callout and the system-account connection that ends sessions, when configured:
    (background loops, stop hooks)."""
    if settings.nats_callout_seed is None:
        log.warning("MGOV_IDENTITY_NATS_CALLOUT_SEED is not set: tenant systems cannot connect over NATS")
        return [], []
    try:
        responder = CalloutResponder(runtime.nc, settings.nats_callout_seed.get_secret_value(), handlers.systems.authorize_bus,
                                     ttl_s=settings.nats_user_jwt_ttl_s)
    except ValueError as exc:
        raise SettingsError(f"MGOV_IDENTITY_NATS_CALLOUT_SEED: {exc}") from None
    background: list[Callable[[], Awaitable[None]]] = [responder.run]
    on_stop: list[Callable[[], Awaitable[None]]] = []
    if settings.nats_system_password is None:
        log.warning("MGOV_IDENTITY_NATS_SYSTEM_PASSWORD is not set: a revoked system's open NATS connections last until their JWT expires")
        return background, on_stop
    url = with_credentials(settings.require_nats_url(), settings.nats_system_user, settings.nats_system_password.get_secret_value())
    sys_nc = await connect_nats(url, "mgov-identity-sys", **settings.nats_options())
    sessions = BusSessions(sys_nc)
    handlers.systems.on_credentials_ended = _kick_after(sessions)
    background.append(lambda: _sweep_forever(handlers, sessions, settings.nats_user_jwt_ttl_s, settings.nats_sweep_s))
    on_stop.append(sys_nc.close)
    return background, on_stop


def _kick_after(sessions: BusSessions) -> Callable[[str, datetime | None], Awaitable[None]]:
    async def end(user: str, before: datetime | None) -> None:
        try:
            await sessions.end(user, before)
        except Exception as exc:  # noqa: BLE001 - the change is committed; the sweep closes them
            log.warning("closing a system's NATS connections failed; the sweep retries", extra={"error": repr(exc)})
    return end


async def bootstrap(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, IdentitySettings)
    ctx = build_context(settings, runtime.pool)
    handlers = Handlers.build(ctx)
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
    bus_background, bus_stop = await bus_parts(settings, runtime, handlers)
    background: list[Callable[[], Awaitable[None]]] = [lambda: _prune_forever(handlers), *bus_background]
    on_stop: list[Callable[[], Awaitable[None]]] = [notify.close, *bus_stop]
    if settings.ingest_enabled:
        # Admission only: the stage in front of the bus. Workflow and catalog apply the
        # events they own (their `entrypoints/ingest.py`); identity calls neither.
        admission = Admission(runtime.nc, settings.ingest_quotas())
        await admission.start()
        on_stop.append(admission.stop)
    if settings.webhooks_enabled:
        consumers.append(FanOut(runtime.pool, runtime.js, ctx.clock, spec=replace(FAN_OUT, linger_s=settings.webhook_linger_ms / 1000)))
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
