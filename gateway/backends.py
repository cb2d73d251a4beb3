"""The gateway's gRPC channels to the services, made in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from gateway.settings import GatewaySettings
from mgov_common.grpc_client import create_channel

SERVICE_NAMES = ("identity", "catalog", "workflow", "notify", "appointment", "payment", "enforcement", "insight")
GRPC_SERVICE = {
    "identity": "mgov.identity.v1.IdentityService",
    "catalog": "mgov.catalog.v1.CatalogService",
    "workflow": "mgov.workflow.v1.WorkflowService",
    "notify": "mgov.notify.v1.NotifyService",
    "appointment": "mgov.appointment.v1.AppointmentService",
    "payment": "mgov.payment.v1.PaymentService",
    "enforcement": "mgov.enforcement.v1.EnforcementService",
    "insight": "mgov.insight.v1.InsightService",
}


@dataclass
class Backends:
    channels: dict[str, grpc.aio.Channel]

    @classmethod
    def connect(cls, settings: GatewaySettings) -> "Backends":
        return cls({
            name: create_channel(getattr(settings, f"{name}_addr"), default_deadline_s=settings.client_deadline_s)
            for name in SERVICE_NAMES
        })

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
