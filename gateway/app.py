"""The gateway: the one HTTP front door of the mobile app, thin over the gRPC services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from gateway import docs_page, openapi, problems, request_limits
from gateway.backends import Backends
from gateway.cached_reads import CachedReadsMiddleware
from gateway.catalog_cache import CatalogCache, CatalogInvalidation
from gateway.live import LiveHub
from gateway.metrics import MetricsMiddleware
from gateway.request_id import RequestIdMiddleware
from gateway.tracing import TracingMiddleware
from gateway.routers import auth, health, me, tenants
from gateway.routers import notices, services
from gateway.routers import applications, report_access, reports, tasks, tenant_reports, workflows
from gateway.routers import appointment_rules, appointments, devices, halls, notifications, notify_admin, preferences
from gateway.routers import systems, web_app
from gateway.routers import payment_finance, payments, receipts
from gateway.routers import inspection_plans, inspections, subjects, team_positions
from gateway.routers import penalty_decisions
from gateway.routers import insight
from gateway.settings import GatewaySettings
from gateway.usage_limit import UsageLimiter
from mgov_common import metrics
from mgov_common.gc_tuning import freeze_startup_heap
from mgov_common.auth import JwksCache, TokenVerifier, identity_jwks_fetcher

# FastAPI's own OpenTelemetry (spans for routing, dependencies and serialization, its
# metrics and logs) switches itself on when a tracer provider is set, at several spans
# per request: off. The gateway's one span per request is gateway/tracing.py, its
# metrics gateway/metrics.py.
FASTAPI_TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # On its own port (MGOV_METRICS_PORT), never on the public one.
        stop_metrics = metrics.serve(settings.metrics_port, settings.host)
        try:
            app.state.backends = Backends.connect(settings)
            app.state.verifier = TokenVerifier(JwksCache(identity_jwks_fetcher(app.state.backends.channels["identity"])))
            # Live notifications (SSE) and the catalogue cache's invalidations need NATS; it
            # connects in the background, never blocking startup (nothing is cached until then).
            app.state.catalog_cache = CatalogCache(settings.catalog_cache_bytes)
            app.state.live = LiveHub(settings.nats_url, max_streams_per_user=settings.max_streams_per_user,
                                     listeners=[CatalogInvalidation(app.state.catalog_cache)],
                                     options=settings.nats_options())
            app.state.live.start()
            freeze_startup_heap()
            try:
                yield
            finally:
                await app.state.live.close()
                await app.state.backends.close()
        finally:
            if stop_metrics is not None:
                stop_metrics()

    app = FastAPI(
        title="mgov mobile API",
        version="1",
        description="One provincial app for every city and county: identity, services, cases, notifications.",
        lifespan=lifespan,
        telemetry=FASTAPI_TELEMETRY_OFF,
        docs_url=None,  # gateway/docs_page.py serves /docs from local files
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.usage_limiter = UsageLimiter(per_minute=settings.usage_reports_per_minute, once_per_s=settings.usage_report_once_per_s)
    problems.install(app)
    app.include_router(health.router)
    # The catalogue first among the API routers: FastAPI tries the routes in order, twice
    # per request (to pick the router, then its route), and the uncached search is the
    # hottest path to a backend. Behind auth, me and tenants (21 routes) it paid ~140 µs
    # of matching per request in-process. No path of theirs overlaps one of its own.
    app.include_router(services.router)
    app.include_router(auth.router)
    app.include_router(me.router)
    app.include_router(tenants.router)
    app.include_router(notices.router)
    app.include_router(applications.router)
    app.include_router(reports.router)
    app.include_router(report_access.router)
    app.include_router(tenant_reports.router)
    app.include_router(tasks.router)
    app.include_router(workflows.router)
    app.include_router(notifications.router)
    app.include_router(devices.router)
    app.include_router(preferences.router)
    app.include_router(notify_admin.router)
    app.include_router(halls.router)
    app.include_router(appointments.router)
    app.include_router(appointment_rules.router)
    app.include_router(systems.router)
    app.include_router(payments.router)
    app.include_router(receipts.router)
    app.include_router(payment_finance.router)
    app.include_router(subjects.router)
    app.include_router(inspection_plans.router)
    app.include_router(inspections.router)
    app.include_router(team_positions.router)
    app.include_router(penalty_decisions.router)
    app.include_router(insight.router)
    request_limits.install(app, default_max_body=settings.max_body_bytes, max_json_depth=settings.max_json_depth)
    # Public catalogue reads answered from the cache before routing (inside the request id,
    # metrics and span; before the limits, which a bodiless GET does not need).
    app.add_middleware(CachedReadsMiddleware, cache=lambda: getattr(app.state, "catalog_cache", None))
    app.add_middleware(RequestIdMiddleware)  # outermost: its id is on every answer, limits' included
    app.add_middleware(MetricsMiddleware)  # around everything: counts what the client saw
    app.add_middleware(TracingMiddleware)  # the request's span, current for all the rest
    openapi.install(app)
    docs_page.install(app)
    # Last: the app's catch-all route must not shadow any API route.
    app.include_router(web_app.router)
    return app
