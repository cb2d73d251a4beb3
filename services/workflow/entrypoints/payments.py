"""Verified payments advance cases: the payment service's `order.paid` event.

The payment service writes `mgov.payment.order.paid.v1` to its outbox in the
transaction that accepted a verified provider notification. This consumer takes the
action of the case's current state whose roles include `payment`, as the payment
service, with the event id as the action's idempotency key, in the transaction that
records the event: a case advances once per payment, however often the event arrives.
"""

from __future__ import annotations

import logging

import asyncpg

from mgov_common.events.consumer import ConsumerSpec
from mgov_common.events.envelope import CloudEvent
from mgov_common.principal import PLATFORM, Principal
from services.workflow.adapters.uow import UnitOfWork
from services.workflow.domain.roles import PAYMENT
from services.workflow.service_layer import applications
from services.workflow.service_layer.context import Context

log = logging.getLogger(__name__)
PAID = ConsumerSpec("workflow-payments", ["mgov.evt.*.payment.order.paid"])


def handler(ctx: Context):  # type: ignore[no-untyped-def]
    async def apply(conn: asyncpg.Connection, event: CloudEvent) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        application_id = str(data["application_id"])
        uow = UnitOfWork.joining(conn, clock=ctx.clock)
        app = await uow.applications.get(applications.parse_id(application_id, "application_id"), for_update=True)
        if app is None:
            log.error("a payment names no known case", extra={"application_id": application_id})
            return
        state = app.definition.state(app.status)
        action = next((a for a in app.definition.actions_from(app.status) if PAYMENT in a.roles), None)
        if app.terminal or not state.awaits_payment or action is None:
            log.warning("a payment arrived for a case not awaiting payment", extra={"application_id": application_id, "status": app.status})
            return
        payer = Principal(subject="payment", tenant=app.tenant_id, kind=PLATFORM)
        await applications.perform(ctx, payer, application_id=application_id, action=action.name, comment="",
                                   expected_version=None, material_ids=[], request_id=str(event.id), uow=uow)

    return apply
