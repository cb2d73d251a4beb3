"""Settings of the notify service (env prefix `MGOV_NOTIFY_`).

Secrets (`secret_fields`) have no default outside demo mode: the platform client
secret (identity knows it as `notify=<secret>` in MGOV_IDENTITY_PLATFORM_CLIENTS) and
the VAPID key of Web Push. The SMS gateway's secret is required only with
`SMS_PROVIDER=http`.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from mgov_common.clock import DEMO_CLOCK_FILE
from mgov_common.outbound import OutboundRefused, check_syntax
from mgov_common.settings import ServiceSettings
from services.notify.domain.devices import DEFAULT_PUSH_HOSTS


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_NOTIFY_", extra="ignore")
    service_name: ClassVar[str] = "notify"
    secret_fields: ClassVar[tuple[str, ...]] = ("platform_secret", "vapid_private_key", "page_token_secret")

    port: int = 50054
    # The event consumer handles up to this many cases at once (one connection each).
    consumer_concurrency: int = Field(default=8, ge=1, le=64)
    # The event consumer waits this long after a batch's first event for more (inbox rows
    # users wait for: kept short; docs/architecture.md, "Consumers").
    consumer_linger_ms: float = Field(default=5.0, ge=0, le=1000)
    db_pool_max: int = 16
    # Proves this service to identity (IssuePlatformToken) for staff lists and phones.
    platform_secret: SecretStr | None = None

    # SMS: "http" (a signed-JSON gateway), "outbox" (a local file; the demo default),
    # "none" (no SMS channel; the default outside demo mode).
    sms_provider: Literal["http", "outbox", "none"] | None = None
    sms_gateway_url: str = ""
    sms_gateway_key_id: str = "mgov"
    sms_gateway_secret: SecretStr | None = None
    sms_sign_name: str = "浙里办"
    sms_timeout_s: float = Field(default=5.0, gt=0)

    # Web Push (VAPID): the P-256 private key (PEM, 64 hex digits or base64url) and the
    # contact the push services see. Endpoints must be https on one of these hosts
    # ("*.example.com" for subdomains); loopback http is accepted in demo mode only.
    vapid_private_key: SecretStr | None = None
    vapid_subject: str = "mailto:ops@mgov.example"
    web_push_hosts: list[str] = Field(default_factory=lambda: list(DEFAULT_PUSH_HOSTS))
    # Vendor push (android/ios/harmony): "outbox" writes a local file (demo default),
    # "none" skips those devices until a vendor provider is configured.
    vendor_push_provider: Literal["outbox", "none"] | None = None

    # Delivery: retries with exponential backoff from base to cap, at most max_attempts.
    retry_base_s: float = Field(default=30.0, gt=0)
    retry_cap_s: float = Field(default=1800.0, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=20)
    # Per tenant and channel: sends per second and burst (a token bucket in PostgreSQL).
    sms_rate_per_s: float = Field(default=20.0, gt=0)
    sms_burst: float = Field(default=40.0, ge=1)
    push_rate_per_s: float = Field(default=200.0, gt=0)
    push_burst: float = Field(default=400.0, ge=1)
    # A claimed delivery whose worker vanished is attempted again after this lease.
    send_lease_s: float = Field(default=60.0, gt=0)
    worker_poll_s: float = Field(default=1.0, gt=0)
    worker_batch: int = Field(default=100, ge=1)
    # 好差评: invite the applicant this long after a case closes without a rating.
    rating_invitation_delay_s: float = Field(default=3 * 86400.0, gt=0)
    # Demo mode only: the offset clock file shared with the workflow service.
    clock_file: Path | None = None
    # In demo mode (MGOV_DEMO=1) the base templates are loaded at start unless this is off.
    seed_demo: bool = True

    @model_validator(mode="after")
    def _providers(self) -> "NotifySettings":
        if self.effective_sms_provider() == "http" and (not self.sms_gateway_url or self.sms_gateway_secret is None):
            raise ValueError("MGOV_NOTIFY_SMS_GATEWAY_URL and MGOV_NOTIFY_SMS_GATEWAY_SECRET are required with SMS_PROVIDER=http")
        if self.effective_sms_provider() == "http":
            try:
                check_syntax(self.sms_gateway_url, self.demo and self.outbound_allow_loopback)
            except OutboundRefused as exc:
                raise ValueError(f"MGOV_NOTIFY_SMS_GATEWAY_URL: {exc} (mgov_common.outbound)") from None
        if self.vapid_private_key is not None:
            from services.notify.adapters.push import parse_vapid_key

            try:
                parse_vapid_key(self.vapid_private_key.get_secret_value())
            except ValueError as exc:
                raise ValueError(f"MGOV_NOTIFY_VAPID_PRIVATE_KEY: {exc}") from None
        return self

    def effective_sms_provider(self) -> str:
        return self.sms_provider or ("outbox" if self.demo else "none")

    def effective_vendor_push(self) -> str:
        return self.vendor_push_provider or ("outbox" if self.demo else "none")

    def outbox_dir(self) -> Path:
        return self.home / "notify"

    def demo_clock_path(self) -> Path:
        return self.clock_file or (self.home / DEMO_CLOCK_FILE)
