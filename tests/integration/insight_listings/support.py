"""The owners insight reads its listings from (identity, catalog, workflow), as the tests
of this package share them, and what those tests ask of them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from nats.js import JetStreamContext

from mgov.catalog.v1 import catalog_pb2 as cpb
from mgov.catalog.v1 import catalog_pb2_grpc
from mgov.identity.v1 import identity_pb2 as ipb
from mgov.identity.v1 import identity_pb2_grpc
from mgov_common.bus import connect_nats
from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.streams import ensure_streams
from mgov_common.grpc_client import create_channel
from mgov_common.platform_token import PlatformToken
from mgov_common.ports import free_port
from mgov_common.settings import demo_secret
from services.catalog.bootstrap import MIGRATIONS as CATALOG_MIGRATIONS
from services.catalog.bootstrap import bootstrap as catalog_bootstrap
from services.catalog.settings import CatalogSettings
from services.identity.bootstrap import MIGRATIONS as IDENTITY_MIGRATIONS
from services.identity.bootstrap import bootstrap as identity_bootstrap
from services.insight.entrypoints.consumers import events_spec, ingest_spec
from services.insight.service_layer import zombies
from services.insight.service_layer.context import Context
from services.workflow.bootstrap import MIGRATIONS as WORKFLOW_MIGRATIONS
from services.workflow.bootstrap import bootstrap as workflow_bootstrap
from services.workflow.settings import WorkflowSettings
from tests.conftest import Servers
from tests.integration.identity_support import identity_settings
from tests.integration.test_insight_aggregates import admin
from tests.service_runner import serving

PASSWORD = "mgov-demo-2026"
HZ_ADMIN, PROVINCE_ADMIN = "13900000010", "13900000000"


@dataclass
class Owners:
    """Identity, catalog and workflow serving (demo mode: the demo tree, staff, catalogue
    and notices), each on a database of its own."""

    identity: grpc.aio.Channel
    catalog: grpc.aio.Channel
    workflow: grpc.aio.Channel
    identity_target: str
    catalog_target: str
    workflow_target: str
    workflow_dsn: str

    def token(self, service: str) -> PlatformToken:
        return PlatformToken(self.identity, service, demo_secret(service, "platform_secret"))

    async def staff_token(self, phone: str) -> tuple[tuple[str, str], ...]:
        signed = await identity_pb2_grpc.IdentityServiceStub(self.identity).Authenticate(
            ipb.AuthenticateRequest(phone=phone, password=PASSWORD, source_address="192.0.2.20"))
        return (("authorization", f"Bearer {signed.tokens.access_token}"),)


@asynccontextmanager
async def running_owners(servers: Servers, home: Path) -> AsyncIterator[Owners]:
    common = {"nats_url": servers.nats_url, "health_interval_s": 0.1, "shutdown_grace_s": 0.5, "home": home}
    ids = identity_settings(database_url=await servers.new_database("lsid"), port=free_port(), **common)
    async with serving(ids, identity_bootstrap, migrations=IDENTITY_MIGRATIONS) as identity_running:
        cat = CatalogSettings(demo=True, database_url=await servers.new_database("lscat"), port=free_port(),
                              identity_addr=identity_running.target, **common)
        async with serving(cat, catalog_bootstrap, migrations=CATALOG_MIGRATIONS) as catalog_running:
            wf_dsn = await servers.new_database("lswf")
            wf = WorkflowSettings(demo=True, database_url=wf_dsn, port=free_port(), identity_addr=identity_running.target,
                                  catalog_addr=catalog_running.target, **common)
            async with serving(wf, workflow_bootstrap, migrations=WORKFLOW_MIGRATIONS) as workflow_running:
                running = (identity_running, catalog_running, workflow_running)
                identity, catalog, workflow = (create_channel(r.target) for r in running)
                try:
                    yield Owners(identity, catalog, workflow, *(r.target for r in running), wf_dsn)
                finally:
                    for channel in (identity, catalog, workflow):
                        await channel.close()


async def own_items(owners: Owners, tenant: str) -> list[str]:
    """The tenant's own published items, by id."""
    resp = await catalog_pb2_grpc.CatalogServiceStub(owners.catalog).ListServices(cpb.ListServicesRequest(tenant_id=tenant, page_size=500))
    return sorted(s.id for s in resp.services if s.tenant_id == tenant)


async def zombie_ids(ctx: Context, kind: str) -> dict[str, set[str]]:
    """tenant → the targets of its `kind` zombies, as the province's admin sees them."""
    found, _ = await zombies.list_zombies(ctx, admin("zhejiang"), "zhejiang", kind, 500, "")
    out: dict[str, set[str]] = {}
    for z in found:
        out.setdefault(z.tenant_id, set()).add(z.target_id)
    return out


@asynccontextmanager
async def streams_of_nobody(servers: Servers, name: str) -> AsyncIterator[tuple[JetStreamContext, tuple[ConsumerSpec, ConsumerSpec]]]:
    """JetStream, and insight's two consumer specs filtered on a tenant nobody publishes
    for: streams that hold none of the tests' events, so a rebuild from them knows only
    what the owners' listings say."""
    nc = await connect_nats(servers.nats_url, name)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        nobody = [f"n{uuid.uuid4().hex[:8]}"]
        yield js, (events_spec(f"insight-events-{nobody[0]}", nobody), ingest_spec(f"insight-ingest-{nobody[0]}", nobody))
    finally:
        await nc.close()
