"""Settings of the identity service (env prefix `MGOV_IDENTITY_`).

Secrets (`secret_fields`) have no default outside demo mode; in demo mode each gets a
stable value derived from its name, so a demo's encrypted data stays readable across
restarts. Every key is 32 bytes given as 64 hex digits or base64 (url-safe or not);
`python -c "import secrets; print(secrets.token_hex(32))"` makes one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mgov_common.settings import ServiceSettings, demo_secret

if TYPE_CHECKING:
    from services.identity.domain.registrations import RegistrationPolicy

# Platform services that, in demo mode, may get platform tokens with the secret they
# derive for themselves (their `MGOV_<SERVICE>_PLATFORM_SECRET` demo value).
DEMO_PLATFORM_CLIENTS = ("catalog", "workflow", "notify", "enforcement", "insight")


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_IDENTITY_", extra="ignore")
    service_name: ClassVar[str] = "identity"
    secret_fields: ClassVar[tuple[str, ...]] = ("field_key", "lookup_key", "audit_key", "page_token_secret")

    port: int = 50051

    # AES-256-GCM key encrypting phone numbers, national ID numbers and the private
    # signing keys at rest; `field_key_id` is stored beside every ciphertext.
    field_key: SecretStr | None = None
    field_key_id: str = Field(default="f1", pattern=r"^[A-Za-z0-9_-]{1,16}$")
    # Earlier field keys, still needed to read rows written before a rotation:
    # "id=key,id=key". `mgov keys reencrypt` rewrites those rows with the current key.
    field_previous_keys: SecretStr | None = None
    # HMAC-SHA256 key of the lookup columns (phone, national ID): equality search
    # without storing the plaintext.
    lookup_key: SecretStr | None = None
    # HMAC-SHA256 key chaining the audit log rows; without it nobody can rewrite the
    # chain after editing a row.
    audit_key: SecretStr | None = None

    # Platform services allowed to get platform tokens (IssuePlatformToken), with their
    # client secrets: "notify=<secret>,workflow=<secret>". Unset: none outside demo
    # mode; in demo mode each of DEMO_PLATFORM_CLIENTS with its derived demo secret.
    platform_clients: SecretStr | None = None

    # Tokens.
    access_token_ttl_s: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_s: int = Field(default=14 * 86400, ge=300)
    # A refresh family (one sign-in) ends after this however often it is refreshed.
    session_max_s: int = Field(default=30 * 86400, ge=300)
    # Signing keys are re-read from the database this often (rotation by another
    # replica or by `mgov keys rotate` is picked up within it).
    key_cache_s: float = Field(default=10.0, ge=0)
    # A rotated-in key is published this long before it signs, so that every JWKS
    # cache (identity's own for `key_cache_s`, then verifiers refreshing on an unknown
    # kid at most every 5 s) knows it first. Keep it above key_cache_s + 5.
    key_activation_delay_s: float = Field(default=30.0, ge=0)

    # Sign-in throttling (docs/identity.md): failures within a window beyond a
    # threshold make each further attempt wait 1, 2, 4, ... seconds, up to a cap;
    # counted per account (not from the holder's recent addresses) and per address.
    throttle_threshold: int = Field(default=5, ge=1)
    throttle_address_threshold: int = Field(default=10, ge=1)
    throttle_account_window_s: int = Field(default=86_400, ge=1)
    throttle_address_window_s: int = Field(default=900, ge=1)
    throttle_account_max_delay_s: int = Field(default=300, ge=1, le=3600)
    throttle_address_max_delay_s: int = Field(default=60, ge=1, le=3600)
    throttle_known_address_days: int = Field(default=30, ge=0)

    # Registration (docs/identity.md, "Registration"): the SMS code's lifetime and tries,
    # and how many registrations may start per window from one source address, for one
    # 7-digit phone prefix and for one phone. The code goes out through the notify
    # service's SMS provider (the demo outbox in demo mode).
    registration_code_ttl_s: int = Field(default=600, ge=60, le=3600)
    registration_max_attempts: int = Field(default=5, ge=1, le=10)
    registration_window_s: int = Field(default=3600, ge=60)
    registration_per_address: int = Field(default=20, ge=1)
    registration_per_prefix: int = Field(default=60, ge=1)
    registration_per_phone: int = Field(default=5, ge=1)
    notify_addr: str = Field(default="127.0.0.1:50054", validation_alias=AliasChoices("MGOV_IDENTITY_NOTIFY_ADDR", "MGOV_NOTIFY_ADDR"))

    # argon2id cost (RFC 9106 "second recommended" option by default: t=3, 64 MiB, p=4).
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8 * 1024)
    argon2_parallelism: int = Field(default=4, ge=1)
    # At most this many hashes at once: each holds `argon2_memory_kib` of memory.
    argon2_max_concurrency: int = Field(default=4, ge=1)

    # Tenant back-office systems on NATS (docs/tenant-systems.md): identity answers the
    # NATS servers' auth callout for them. The issuer's account nkey seed ("SA..."; the
    # servers' `auth_callout.issuer` is its public key); unset = systems cannot connect
    # over NATS (HTTP ingest still works).
    nats_callout_seed: SecretStr | None = None
    # How long a system's user JWT lives: the connection is closed at its end and the
    # client reconnects through the callout. Revocation does not wait for it (below).
    nats_user_jwt_ttl_s: int = Field(default=3600, ge=60, le=86_400)
    # A user of the NATS system account: closes a revoked or rotated system's open
    # connections on every server ($SYS.REQ.SERVER.<id>.KICK). Its password usually
    # comes as the file MGOV_IDENTITY_NATS_SYSTEM_PASSWORD; the servers of MGOV_NATS_URL.
    nats_system_user: str = "mgov-sys"
    nats_system_password: SecretStr | None = None
    # How often every replica closes again what rotations and revocations within the
    # JWTs' lifetime left open (a kick lost to a crash or a NATS blip).
    nats_sweep_s: float = Field(default=15.0, gt=0)
    # What systems are told to connect to; default: MGOV_NATS_URL without credentials.
    nats_public_url: str | None = None
    # Ingest admission (mgov_common.ingest_admission): systems' events onto the bus.
    ingest_enabled: bool = True
    # Outbound webhooks: retry steps in seconds ("5,30,120,600,3600"), poll interval,
    # per-request timeout; http:// webhook URLs are accepted on loopback in demo mode only.
    webhooks_enabled: bool = True
    webhook_retry_s: str = "5,30,120,600,3600"
    webhook_poll_s: float = Field(default=0.5, gt=0)
    # The fan-out consumer waits this long after a batch's first event for more (webhook
    # deliveries are queued for a worker anyway; docs/architecture.md, "Consumers").
    webhook_linger_ms: float = Field(default=20.0, ge=0, le=1000)
    webhook_timeout_s: float = Field(default=5.0, gt=0)

    def registration_policy(self) -> "RegistrationPolicy":
        from datetime import timedelta

        from services.identity.domain.registrations import RegistrationPolicy

        return RegistrationPolicy(timedelta(seconds=self.registration_code_ttl_s), self.registration_max_attempts,
                                  timedelta(seconds=self.registration_window_s), self.registration_per_address,
                                  self.registration_per_prefix, self.registration_per_phone)

    def webhook_schedule(self) -> tuple[float, ...]:
        try:
            steps = tuple(float(x) for x in self.webhook_retry_s.split(",") if x.strip())
        except ValueError:
            raise ValueError("MGOV_IDENTITY_WEBHOOK_RETRY_S is a comma-separated list of seconds") from None
        return steps

    def platform_client_secrets(self) -> dict[str, str]:
        """service name -> client secret of the platform services (docs/identity.md)."""
        raw = self.platform_clients.get_secret_value() if self.platform_clients else ""
        clients: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in raw.split(","))):
            name, sep, secret = part.partition("=")
            if not sep or not name.strip() or len(secret.strip()) < 16:
                raise ValueError("MGOV_IDENTITY_PLATFORM_CLIENTS is 'service=secret,...' with secrets of 16 characters or more")
            clients[name.strip()] = secret.strip()
        if not raw and self.demo:
            clients = {name: demo_secret(name, "platform_secret") for name in DEMO_PLATFORM_CLIENTS}
        return clients
