"""Settings of the catalog service (env prefix `MGOV_CATALOG_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from mgov_common.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_CATALOG_", extra="ignore")
    service_name: ClassVar[str] = "catalog"
    # Signs list page tokens (HMAC); required outside demo mode.
    secret_fields: ClassVar[tuple[str, ...]] = ("page_token_secret",)

    port: int = 50052
    page_token_secret: SecretStr | None = None
    # In demo mode (MGOV_DEMO=1) the demo catalogue is loaded at start unless this is off.
    seed_demo: bool = True
