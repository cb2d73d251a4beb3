"""What the payment service reads from the bus: item versions' fees (catalog) and cases
(workflow). Each handler runs in the consumer's transaction, which records the event id."""

from __future__ import annotations

import asyncpg

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from services.payment.service_layer import orders
from services.payment.service_layer.context import Context

ITEMS = ConsumerSpec("payment-items", ["mgov.evt.*.catalog.item.published"])
CASES = ConsumerSpec("payment-cases", ["mgov.evt.*.workflow.application.transitioned", "mgov.evt.*.workflow.application.rejected"])


def case_handler(ctx: Context):  # type: ignore[no-untyped-def]
    async def handle(conn: asyncpg.Connection, event: CloudEvent) -> None:
        await orders.on_case_event(ctx, conn, event)

    return handle


apply_item = orders.apply_item
