"""Settings of the workflow service (env prefix `MGOV_WORKFLOW_`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from mgov_common.clock import DEMO_CLOCK_FILE
from mgov_common.settings import ServiceSettings


class WorkflowSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_WORKFLOW_", extra="ignore")
    service_name: ClassVar[str] = "workflow"
    # The platform's page-token secret (MGOV_PAGE_TOKEN_SECRET), required outside demo mode.
    secret_fields: ClassVar[tuple[str, ...]] = ("page_token_secret",)

    port: int = 50053
    # Catalog, for item versions not (yet) in the projection of item.published events.
    catalog_addr: str = Field(default="127.0.0.1:50052", validation_alias=AliasChoices("MGOV_WORKFLOW_CATALOG_ADDR", "MGOV_CATALOG_ADDR"))
    # Where material bytes live: "postgres" (the workflow schema) or "directory" ($MGOV_HOME/files/workflow).
    file_store: Literal["postgres", "directory"] = "postgres"
    # How often the SLA timer worker looks for due timers.
    timer_poll_s: float = Field(default=1.0, gt=0)
    # The province whose definitions and calendar are seeded in demo mode.
    demo_province: str = "zhejiang"
    # Demo mode only: a file holding {"offset_s": N} that moves this service's clock (docs/workflow.md).
    clock_file: Path | None = None

    def demo_clock_path(self) -> Path:
        return self.clock_file or (self.home / DEMO_CLOCK_FILE)
