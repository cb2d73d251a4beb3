"""Settings of the enforcement service (env prefix `MGOV_ENFORCEMENT_`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mgov_common.clock import DEMO_CLOCK_FILE
from mgov_common.settings import ServiceSettings


class EnforcementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_ENFORCEMENT_", extra="ignore")
    service_name: ClassVar[str] = "enforcement"
    secret_fields: ClassVar[tuple[str, ...]] = ("page_token_secret", "platform_secret")

    port: int = 50057
    # 一公开: a plan's results are published within this many working days of its last inspection.
    publish_within_days: int = Field(default=20, ge=1, le=60)
    # How often follow-ups, penalty cases and results notices that fell due are taken up.
    sweep_interval_s: float = Field(default=30.0, gt=0)
    # Proves this service to identity (IssuePlatformToken) to send orders to correct by SMS.
    platform_secret: SecretStr | None = None
    # The notify service, which sends an order to correct to the subject's contact phone.
    notify_addr: str = Field(default="127.0.0.1:50054", validation_alias=AliasChoices("MGOV_ENFORCEMENT_NOTIFY_ADDR", "MGOV_NOTIFY_ADDR"))
    # Demo mode only: seed Xihu's subjects, inspectors and a drawn plan at start.
    seed_demo: bool = True
    # Demo mode only: the offset clock file shared with the workflow service.
    clock_file: Path | None = None

    def demo_clock_path(self) -> Path:
        return self.clock_file or (self.home / DEMO_CLOCK_FILE)
