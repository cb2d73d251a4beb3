"""Settings of the identity service (env prefix `MGOV_IDENTITY_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from mgov_common.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_IDENTITY_", extra="ignore")
    service_name: ClassVar[str] = "identity"

    port: int = 50051
