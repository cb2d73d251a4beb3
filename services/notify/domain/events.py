"""The events the notify service publishes for operations (through the outbox).

`mgov.notify.notification.delivered.v1` and `…failed.v1` on
`mgov.evt.<tenant>.notify.notification.<verb>`, one per push or SMS delivery that
ended, and `failed` for an in-app notification that could not be rendered. `data`
names the delivery, never its text or destination (no personal data on the bus).
"""

from __future__ import annotations

from mgov_common.events.domain import DomainEvent


def delivery_event(*, delivered: bool, delivery_id: str, notification_id: str | None, event_id: str, recipient_id: str,
                   tenant_id: str, channel: str, category: str, template_key: str, status: str, attempts: int,
                   error: str) -> DomainEvent:
    return DomainEvent("notification", "delivered" if delivered else "failed", tenant_id, delivery_id, {
        "delivery_id": delivery_id, "notification_id": notification_id, "event_id": event_id, "recipient_id": recipient_id,
        "tenant_id": tenant_id, "channel": channel, "category": category, "template_key": template_key, "status": status,
        "attempts": attempts, "error": error or None,
    })
