"""Settings of the catalog service (env prefix `MGOV_CATALOG_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from mgov_common.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_CATALOG_", extra="ignore")
    service_name: ClassVar[str] = "catalog"

    port: int = 50052
