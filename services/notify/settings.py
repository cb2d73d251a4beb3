"""Settings of the notify service (env prefix `MGOV_NOTIFY_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from mgov_common.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_NOTIFY_", extra="ignore")
    service_name: ClassVar[str] = "notify"

    port: int = 50054
