"""Settings of the appointment service (env prefix `MGOV_APPOINTMENT_`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from mgov_common.clock import DEMO_CLOCK_FILE
from mgov_common.settings import ServiceSettings


class AppointmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_APPOINTMENT_", extra="ignore")
    service_name: ClassVar[str] = "appointment"

    port: int = 50055
    # The workflow service: a case linked to a booking must be the citizen's own.
    workflow_addr: str = Field(default="127.0.0.1:50053", validation_alias=AliasChoices("MGOV_APPOINTMENT_WORKFLOW_ADDR", "MGOV_WORKFLOW_ADDR"))
    # How often no-shows are marked and reminders sent (the injected clock decides what is due).
    sweep_interval_s: float = Field(default=30.0, gt=0)
    # Demo mode only: the offset clock file shared with the workflow and notify services.
    clock_file: Path | None = None
    # In demo mode (MGOV_DEMO=1) the demo halls are created at start unless this is off.
    seed_demo: bool = True

    def demo_clock_path(self) -> Path:
        return self.clock_file or (self.home / DEMO_CLOCK_FILE)
