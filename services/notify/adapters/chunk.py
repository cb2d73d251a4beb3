"""A chunk of events recorded and its notifications and deliveries written by one statement.

The consumer's transaction path costs six round trips for a chunk however small:
`BEGIN`, the event ids, the audience, the inbox rows, the deliveries, `COMMIT`. When a
chunk writes nothing else (no rating invitation, no delivery event for the outbox),
the ids, the inbox rows and the deliveries are one statement, which is its own
transaction: rows are written only for the events whose id was not recorded before
(`fresh`), and a delivery refers to its notification only if this statement wrote it
(as the transaction path does), so a redelivered chunk writes nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from mgov_common.events.chunked import RECORD_IDS
from services.notify.adapters import deliveries, inbox
from services.notify.adapters.deliveries import CREATED, Created, NewDelivery
from services.notify.adapters.inbox import NewNotification, Notification

_FRESH_ONLY = "WHERE u.event_id IN (SELECT event_id FROM fresh)"
# $1 consumer, $2 event ids, $3-$13 notifications, $14-$26 deliveries, $27 the time.
_WRITE = f"""
WITH fresh AS ({RECORD_IDS}),
n AS ({inbox.insert_sql(3, "$27", _FRESH_ONLY)} RETURNING id, seq),
d AS ({deliveries.insert_sql(14, "$27", notification_id="n.id", join="LEFT JOIN n ON n.id = u.notification_id " + _FRESH_ONLY)}
      RETURNING {CREATED})
SELECT coalesce((SELECT array_agg(event_id) FROM fresh), '{{}}') AS fresh, (SELECT array_agg((id, seq)) FROM n) AS made,
       (SELECT array_agg(({CREATED})) FROM d) AS created
"""


async def record_and_write(conn: asyncpg.Connection, consumer: str, event_ids: list[uuid.UUID], notification_ids: list[uuid.UUID],
                           notifications: list[NewNotification], new_deliveries: list[NewDelivery],
                           now: datetime) -> tuple[set[uuid.UUID], list[Notification], list[Created]]:
    """Record `event_ids` for `consumer` and write the rows of the fresh ones, in one
    statement (outside any transaction: it is one). The fresh ids, the notifications
    and the deliveries written."""
    row = await conn.fetchrow(_WRITE, consumer, event_ids, *inbox.insert_columns(notification_ids, notifications),
                              *deliveries.insert_columns(new_deliveries), now)
    assert row is not None
    seqs = {r[0]: r[1] for r in row["made"] or ()}
    return set(row["fresh"]), inbox.made(notification_ids, notifications, seqs, now), [Created(*r) for r in row["created"] or ()]
