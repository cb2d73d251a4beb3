"""The processes of the platform and where they listen by default."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    default_port: int
    grpc_service: str  # full name, as reported by grpc.health.v1

    @property
    def module(self) -> str:
        return f"services.{self.name}"

    @property
    def migrations(self) -> Path:
        return ROOT / "services" / self.name / "migrations"


SERVICES: dict[str, ServiceInfo] = {
    s.name: s
    for s in (
        ServiceInfo("identity", 50051, "mgov.identity.v1.IdentityService"),
        ServiceInfo("catalog", 50052, "mgov.catalog.v1.CatalogService"),
        ServiceInfo("workflow", 50053, "mgov.workflow.v1.WorkflowService"),
        ServiceInfo("notify", 50054, "mgov.notify.v1.NotifyService"),
        ServiceInfo("appointment", 50055, "mgov.appointment.v1.AppointmentService"),
        ServiceInfo("payment", 50056, "mgov.payment.v1.PaymentService"),
        ServiceInfo("enforcement", 50057, "mgov.enforcement.v1.EnforcementService"),
        ServiceInfo("insight", 50058, "mgov.insight.v1.InsightService"),
    )
}
GATEWAY_DEFAULT_PORT = 8000
# The payment provider simulator (`mgov paysim`), started by `mgov up` in demo mode only.
PAYSIM_DEFAULT_PORT = 8090
NATS_DEFAULT_PORT = 4222
POSTGRES_DEFAULT_PORT = 54320


class UnknownService(ValueError):
    pass


def service(name: str) -> ServiceInfo:
    try:
        return SERVICES[name]
    except KeyError:
        raise UnknownService(f"unknown service {name!r}; the services are: {', '.join(SERVICES)}") from None
