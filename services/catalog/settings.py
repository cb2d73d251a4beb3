"""Settings of the catalog service (env prefix `MGOV_CATALOG_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from mgov_common.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_CATALOG_", extra="ignore")
    service_name: ClassVar[str] = "catalog"
    # The platform's page-token secret (MGOV_PAGE_TOKEN_SECRET), required outside demo mode.
    secret_fields: ClassVar[tuple[str, ...]] = ("page_token_secret",)

    port: int = 50052
    # In demo mode (MGOV_DEMO=1) the demo catalogue is loaded at start unless this is off.
    seed_demo: bool = True
    # The items' use counter waits this long after a batch's first application for more
    # (a count nobody waits for by the millisecond; docs/architecture.md, "Consumers").
    use_counter_linger_ms: float = Field(default=20.0, ge=0, le=1000)
