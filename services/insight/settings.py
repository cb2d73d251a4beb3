"""Settings of the insight service (env prefix `MGOV_INSIGHT_`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mgov_common.clock import DEMO_CLOCK_FILE
from mgov_common.settings import PlatformSettings, ServiceSettings, demo_secret


class InsightSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_INSIGHT_", extra="ignore")
    service_name: ClassVar[str] = "insight"
    secret_fields: ClassVar[tuple[str, ...]] = ("page_token_secret",)

    port: int = 50058
    # Where the actions go: catalog retires items, identity revokes systems.
    catalog_addr: str = Field(default="127.0.0.1:50052", validation_alias=AliasChoices("MGOV_INSIGHT_CATALOG_ADDR", "MGOV_CATALOG_ADDR"))
    # Workflow, for when each item was last applied for (ListItemUse).
    workflow_addr: str = Field(default="127.0.0.1:50053", validation_alias=AliasChoices("MGOV_INSIGHT_WORKFLOW_ADDR", "MGOV_WORKFLOW_ADDR"))
    # How often the headline gauges are recomputed.
    gauges_interval_s: float = Field(default=60.0, gt=0)
    # How often the service checks whether a weekly report is due (Mondays 09:00 China time).
    reports_interval_s: float = Field(default=60.0, gt=0)
    # How often identity's staff listings are read (accounts idle since before insight
    # watched; roles granted or removed without a sign-in since).
    staff_sync_interval_s: float = Field(default=600.0, gt=0)
    # Proves insight to identity (IssuePlatformToken) for the staff listings. Unset: derived
    # in demo mode; outside it, no listings are read (only sign-in events count).
    platform_secret: SecretStr | None = None
    # Demo mode: the clock file (default: the shared demo clock of $MGOV_HOME).
    clock_file: Path | None = None

    def demo_clock_path(self) -> Path:
        return self.clock_file or (self.home / DEMO_CLOCK_FILE)

    def platform_client_secret(self) -> str | None:
        return _platform_secret(self.platform_secret, self.demo)


def _platform_secret(configured: SecretStr | None, demo: bool) -> str | None:
    if configured is not None:
        return configured.get_secret_value()
    return demo_secret(InsightSettings.service_name, "platform_secret") if demo else None


class ListingSettings(PlatformSettings):
    """What `mgov insight rebuild` needs to read catalog's and identity's listings (the
    service's own variables: `MGOV_INSIGHT_CATALOG_ADDR`, `MGOV_INSIGHT_WORKFLOW_ADDR`, `MGOV_IDENTITY_ADDR`,
    `MGOV_INSIGHT_PLATFORM_SECRET`), without the secrets only the running service needs."""

    model_config = SettingsConfigDict(env_prefix="MGOV_INSIGHT_", extra="ignore")
    catalog_addr: str = Field(default="127.0.0.1:50052", validation_alias=AliasChoices("MGOV_INSIGHT_CATALOG_ADDR", "MGOV_CATALOG_ADDR"))
    # Workflow, for when each item was last applied for (ListItemUse).
    workflow_addr: str = Field(default="127.0.0.1:50053", validation_alias=AliasChoices("MGOV_INSIGHT_WORKFLOW_ADDR", "MGOV_WORKFLOW_ADDR"))
    client_deadline_s: float = Field(default=30.0, gt=0)
    platform_secret: SecretStr | None = None

    def platform_client_secret(self) -> str | None:
        return _platform_secret(self.platform_secret, self.demo)
