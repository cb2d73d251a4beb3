"""The gateway's gRPC channels to the services, made in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

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


S = TypeVar("S")


@dataclass
class Backends:
    """The channels, and one stub per service and stub class, made once.

    A generated stub builds a callable for every method of its service when constructed
    (about forty for the workflow service); made per request, that was ~10 % of the
    gateway's CPU for a submission. Stubs hold no per-call state, so one is shared."""

    channels: dict[str, grpc.aio.Channel]
    _stubs: dict[tuple[str, type[Any]], Any] = field(default_factory=dict, init=False, repr=False)

    def stub(self, service: str, stub_class: type[S]) -> S:
        """The `stub_class` (a generated `...ServiceStub`) over `service`'s channel."""
        key = (service, stub_class)
        found = self._stubs.get(key)
        if found is None:
            found = self._stubs[key] = stub_class(self.channels[service])  # type: ignore[call-arg]
        return found  # type: ignore[no-any-return]

    @classmethod
    def connect(cls, settings: GatewaySettings) -> "Backends":
        return cls({
            name: create_channel(getattr(settings, f"{name}_addr"), default_deadline_s=settings.client_deadline_s)
            for name in SERVICE_NAMES
        })

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
