"""After `make chaos`: what the platform holds, counted against what clients were told.

Read from the stores themselves, not through the API: every event on `MGOV_EVENTS`,
and the services' tables in PostgreSQL (cases, notification deliveries, webhook
deliveries, timers). For each kind, `lost` is a promise with no trace and `doubled`
a thing done twice:

- cases: an accepted case (201) missing from the database / a key that got two cases;
- events: an accepted case without exactly one `application.submitted`, an accepted
  staff action or system event without exactly one `application.transitioned` (accept);
- notifications: an (event, recipient, channel) with no delivery row though the event
  has one for the applicant in-app / with more than one row;
- webhook deliveries: a Hangzhou event after the system was registered that the
  receiver never got / got more than once (with why: delivery is at least once);
- timers: a fired timer without its SLA event on the stream, or a due one unfired /
  a timer with more than one event.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import asyncpg
import nats
from nats.js.api import DeliverPolicy

from bench.chaos_load import Load, WebhookReceiver
from mgov_common.bus import nats_servers
from mgov_common.events.streams import EVENTS_STREAM


async def stream_events(nats_url: str) -> list[dict[str, Any]]:
    """Every platform event on the stream, in order."""
    nc = await nats.connect(nats_servers(nats_url))
    try:
        js = nc.jetstream()
        last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
        sub = await js.subscribe("mgov.evt.>", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
        events: list[dict[str, Any]] = []
        while True:
            msg = await sub.next_msg(timeout=10)
            events.append(json.loads(msg.data))
            if msg.metadata.sequence.stream >= last:
                return events
    finally:
        await nc.close()


def _kind(lost: int, doubled: int, **counts: Any) -> dict[str, Any]:
    return {"lost": lost, "doubled": doubled, **counts}


async def count(dsn: str, nats_url: str, load: Load, receiver: WebhookReceiver, system_id: str,
                registered_after_seq: int, clock_now: Any) -> dict[str, dict[str, Any]]:
    events = await stream_events(nats_url)
    by_type: Counter[tuple[str, str]] = Counter()  # (type, case) for submissions
    accepts: Counter[str] = Counter()  # case -> accept transitions
    for e in events:
        if e["type"].endswith("workflow.application.submitted.v1"):
            by_type[("submitted", str(e["subject"]))] += 1
        elif e["type"].endswith("workflow.application.transitioned.v1") and e.get("data", {}).get("action") == "accept":
            accepts[str(e["subject"])] += 1
    conn = await asyncpg.connect(dsn)
    try:
        in_db = {str(r["id"]) for r in await conn.fetch("SELECT id FROM workflow.applications")}
        deliveries = await conn.fetch("SELECT event_id, recipient_id, channel, count(*) AS n FROM notify.deliveries GROUP BY 1, 2, 3")
        timers = await conn.fetch("SELECT application_id, scope, kind, due_at, fired_at, fired_by FROM workflow.timers WHERE fire_at <= $1",
                                  clock_now)
        applicant_events = await conn.fetch("SELECT DISTINCT event_id FROM notify.notifications")
        hook_attempts = {str(r["event_id"]): int(r["attempts"]) for r in await conn.fetch(
            "SELECT event_id, attempts FROM identity.webhook_deliveries WHERE system_id = $1::uuid", system_id)}
    finally:
        await conn.close()
    accepted_cases = set(load.cases)
    doubled_keys = sum(1 for ids in load.case_by_key.values() if len(ids) > 1)
    result: dict[str, dict[str, Any]] = {}
    result["cases"] = _kind(len(accepted_cases - in_db), doubled_keys, accepted=len(accepted_cases), in_database=len(in_db),
                            created_without_a_201=len(in_db - accepted_cases))
    sub_counts = Counter(by_type[("submitted", c)] for c in accepted_cases)
    acted = set(load.staff_accepted) | set(load.system_events.values())
    act_counts = Counter(accepts[c] for c in acted)
    result["events"] = _kind(sub_counts[0] + act_counts[0],
                             sum(n for k, n in sub_counts.items() if k > 1) + sum(n for k, n in act_counts.items() if k > 1),
                             submitted_per_case=dict(sorted(sub_counts.items())), accept_per_acted_case=dict(sorted(act_counts.items())),
                             on_stream=len(events))
    # Notifications: each (event, recipient, channel) once; every submission and accept of
    # an accepted case has its in-app notification.
    per_key = Counter(int(r["n"]) for r in deliveries)
    notified = {str(r["event_id"]) for r in applicant_events}
    expected = [e for e in events if (e["type"].endswith("application.submitted.v1") and str(e["subject"]) in accepted_cases)
                or (e["type"].endswith("application.transitioned.v1") and str(e["subject"]) in acted)]
    result["notifications"] = _kind(sum(1 for e in expected if str(e["id"]) not in notified), sum(n for k, n in per_key.items() if k > 1),
                                    per_event_recipient_channel=dict(sorted(per_key.items())), events_expecting_one=len(expected))
    # Webhooks: every Hangzhou event after registration reaches the receiver once.
    hooked = [str(e["id"]) for e in events[registered_after_seq:] if e.get("tenant") == "hangzhou"]
    got = Counter(receiver.received[i] for i in hooked)
    twice = [i for i in hooked if receiver.received[i] > 1]
    repeated = Counter(receiver.windows[i][-1] for i in twice)
    # Why a POST came again: the worker stored a failed attempt first (the receiver's answer
    # came after the 5 s timeout), or no outcome at all (the worker died, kill -9, between
    # the receiver's answer and storing it): at-least-once delivery, deduplicated by `id`.
    causes = Counter("after_a_timeout" if hook_attempts.get(i, 0) > 1 else "answer_not_stored_before_kill" for i in twice)
    result["webhook_deliveries"] = _kind(got[0], sum(n for k, n in got.items() if k > 1), per_event=dict(sorted(got.items())),
                                         events=len(hooked), repeated_in_window=dict(repeated), repeated_because=dict(causes))
    # Timers: each due one fired once, with exactly one SLA event.
    sla = Counter((str(e["subject"]), e["type"].rsplit(".", 2)[-2], e["data"].get("scope"), str(e["data"].get("due_at")))
                  for e in events if ".workflow.sla." in e["type"])
    fired = [t for t in timers if t["fired_at"] is not None and t["fired_by"] != "obsolete"]
    unfired = [t for t in timers if t["fired_at"] is None]
    per_timer = Counter(sla[(str(t["application_id"]), t["kind"], t["scope"], _iso(t["due_at"]))] for t in fired)
    result["timers"] = _kind(per_timer[0] + len(unfired), sum(n for k, n in per_timer.items() if k > 1),
                             due=len(timers), fired=len(fired), fired_per_due_timer=dict(sorted(per_timer.items())))
    return result


def _iso(when: Any) -> str:
    from services.workflow.domain.events import iso  # the SLA events' own timestamp format

    return str(iso(when))
