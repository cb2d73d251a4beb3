"""Settings of the workflow service (env prefix `MGOV_WORKFLOW_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from mgov_common.settings import ServiceSettings


class WorkflowSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_WORKFLOW_", extra="ignore")
    service_name: ClassVar[str] = "workflow"

    port: int = 50053
