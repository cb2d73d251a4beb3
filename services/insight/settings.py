"""Settings of the insight service (env prefix `MGOV_INSIGHT_`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mgov_common.clock import DEMO_CLOCK_FILE
from mgov_common.settings import PlatformSettings, ServiceSettings, demo_secret


class ListingSettings(PlatformSettings):
    """Where insight reads its owners' listings, and what proves it to them: the running
    service's (InsightSettings) and `mgov insight rebuild`'s, which needs no more (not the
    secrets only the running service needs)."""

    model_config = SettingsConfigDict(env_prefix="MGOV_INSIGHT_", extra="ignore")
    # Catalog: its publications listing; and where the actions go (it retires items).
    catalog_addr: str = Field(default="127.0.0.1:50052", validation_alias=AliasChoices("MGOV_INSIGHT_CATALOG_ADDR", "MGOV_CATALOG_ADDR"))
    # Workflow, for when each item was last applied for (ListItemUse).
    workflow_addr: str = Field(default="127.0.0.1:50053", validation_alias=AliasChoices("MGOV_INSIGHT_WORKFLOW_ADDR", "MGOV_WORKFLOW_ADDR"))
    client_deadline_s: float = Field(default=30.0, gt=0)
    # Proves insight (IssuePlatformToken) to identity, catalog and workflow for their
    # listings. Unset: derived in demo mode; outside it, no listings are read (events only).
    platform_secret: SecretStr | None = None

    def platform_client_secret(self) -> str | None:
        if self.platform_secret is not None:
            return self.platform_secret.get_secret_value()
        return demo_secret("insight", "platform_secret") if self.demo else None


class InsightSettings(ServiceSettings, ListingSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_INSIGHT_", extra="ignore")
    service_name: ClassVar[str] = "insight"
    secret_fields: ClassVar[tuple[str, ...]] = ("page_token_secret",)

    port: int = 50058
    # How often the headline gauges are recomputed.
    gauges_interval_s: float = Field(default=60.0, gt=0)
    # How often the service checks whether a weekly report is due (Mondays 09:00 China time).
    reports_interval_s: float = Field(default=60.0, gt=0)
    # How often identity's staff listings (and the others: service_layer/backfill.py) are read
    # (accounts idle since before insight watched; roles granted or removed without a sign-in since).
    staff_sync_interval_s: float = Field(default=600.0, gt=0)
    # The platform events' consumer waits this long after a batch's first event for more
    # (aggregates nobody waits for by the millisecond; docs/architecture.md, "Consumers").
    consumer_linger_ms: float = Field(default=20.0, ge=0, le=1000)
    # Demo mode: the clock file (default: the shared demo clock of $MGOV_HOME).
    clock_file: Path | None = None

    def demo_clock_path(self) -> Path:
        return self.clock_file or (self.home / DEMO_CLOCK_FILE)
