"""Builds the catalog service's dependencies from the live runtime (nothing connects at import).

- the servicer, over the pool and the page tokens (signed with the platform's page-token secret);
- the access-token verifier: the JWKS is fetched from identity lazily, on the first
  token, so the catalog starts even while identity is still starting;
- consumers: identity's tenant and system events into the tenant and systems
  projections, workflow's application.submitted into the use counter (a statement per
  batch, `entrypoints.use_counter`), and tenant systems' item updates and notices
  (`entrypoints/ingest.py`);
- in demo mode, the demo catalogue, seeded before the server answers.
"""

from __future__ import annotations

from dataclasses import replace
import logging
from pathlib import Path

from mgov.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from mgov_common.auth import JwksCache, TokenVerifier, identity_jwks_fetcher
from mgov_common.events.consumer import EventConsumer
from mgov_common.grpc_client import create_channel
from mgov_common.runtime import Runtime, ServiceParts
from mgov_common import systems, tenants
from services.catalog.adapters.uow import UnitOfWork
from services.catalog.entrypoints.grpc import CatalogServicer, utcnow
from services.catalog.entrypoints import results
from services.catalog.entrypoints.ingest import CatalogIngest
from services.catalog.entrypoints.use_counter import APPLICATION_EVENTS, UseCounter
from services.catalog.service_layer.seed import seed_demo
from services.catalog.settings import CatalogSettings

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name
log = logging.getLogger(__name__)


async def bootstrap(runtime: Runtime) -> ServiceParts:
    settings = runtime.settings
    assert isinstance(settings, CatalogSettings)
    pages = settings.page_tokens()  # the platform's page-token secret: required outside demo mode, derived in it
    if settings.demo and settings.seed_demo:
        report = await seed_demo(UnitOfWork(runtime.pool), utcnow())
        log.info("demo catalogue seeded", extra={"items": report.items, "localisations": report.localisations,
                                                  "opt_outs": report.opt_outs, "notices": report.notices})
    identity = create_channel(settings.identity_addr, default_deadline_s=settings.client_deadline_s)
    verifier = TokenVerifier(JwksCache(identity_jwks_fetcher(identity)))

    async def close_identity() -> None:
        await identity.close()

    return ServiceParts(
        registrations=[(catalog_pb2_grpc.add_CatalogServiceServicer_to_server, CatalogServicer(runtime.pool, pages), SERVICE_NAME)],
        consumers=[
            EventConsumer(runtime.pool, runtime.js, tenants.consumer_spec("catalog"), tenants.apply_tenant_event),
            EventConsumer(runtime.pool, runtime.js, systems.consumer_spec("catalog"), systems.apply_system_event),
            UseCounter(runtime.pool, runtime.js, replace(APPLICATION_EVENTS, linger_s=settings.use_counter_linger_ms / 1000)),
            # Tenant systems' item updates and notices, applied here (admission stays in identity).
            CatalogIngest(runtime.pool, runtime.js),
            # 一公开: the enforcement service's plan results, published as the tenant's notices.
            EventConsumer(runtime.pool, runtime.js, results.RESULTS, results.handler()),
        ],
        on_stop=[close_identity],
        verifier=verifier,
    )
