"""Insight against `mgov up` (demo mode): a month of synthetic activity seeded day by day
through the real API (the demo clock moved back a month and forward a day at a time),
whose figures, day by day too, equal those computed here from the raw events; the rebuild
command, a zombie item retired from the list, and subtree scoping over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from mgov_common.bus import connect_nats
from mgov_common.calendars import parse_calendar
from mgov_common.working_days import WorkingCalendar
from mgov_common.events.envelope import CloudEvent
from tests.conftest import repo_root, venv_bin
from tests.e2e.conftest import DemoPlatform

PROVINCE_ADMIN, HZ_ADMIN, XIHU_SUPERVISOR, NB_CLERK, CITIZEN = "13900000000", "13900000010", "13900000033", "13900000021", "13900000100"
RUN = uuid.uuid4().hex[:6]
CST = timezone(timedelta(hours=8))


def mgov(demo: DemoPlatform, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MGOV_DATABASE_URL": demo.dsn, "MGOV_NATS_URL": demo.nats_url, "MGOV_DEMO": "1", "MGOV_HOME": str(demo.home),
           "MGOV_CATALOG_ADDR": f"127.0.0.1:{demo.ports['CATALOG']}", "MGOV_IDENTITY_ADDR": f"127.0.0.1:{demo.ports['IDENTITY']}",
           "MGOV_WORKFLOW_ADDR": f"127.0.0.1:{demo.ports['WORKFLOW']}"}
    return subprocess.run([venv_bin("mgov"), *args], cwd=repo_root(), env=env, capture_output=True, text=True, timeout=300)


# Every event the independent figures read: cases, ratings, usage, the items' limits and the calendars.
EVERYTHING = ("mgov.evt.*.workflow.application.>", "mgov.evt.*.workflow.rating.received", "mgov.evt.*.insight.usage.recorded",
              "mgov.evt.*.catalog.item.published", "mgov.evt.*.workflow.calendar.updated", "mgov.evt.*.workflow.sla.breached")


async def _raw_events(nats_url: str, subjects: tuple[str, ...] = ()) -> list[CloudEvent]:
    """Every workflow application, rating and usage event on the platform's stream (or those on `subjects`)."""
    nc = await connect_nats(nats_url, "insight-e2e")
    try:
        js = nc.jetstream()
        name = f"insight-e2e-{uuid.uuid4().hex[:8]}"
        subjects = list(subjects) or ["mgov.evt.*.workflow.application.>", "mgov.evt.*.workflow.rating.received",
                                      "mgov.evt.*.insight.usage.recorded"]
        await js.add_consumer("MGOV_EVENTS", ConsumerConfig(name=name, filter_subjects=subjects, deliver_policy=DeliverPolicy.ALL,
                                                            ack_policy=AckPolicy.NONE, inactive_threshold=60.0))
        pending = (await js.consumer_info("MGOV_EVENTS", name)).num_pending
        sub = await js.pull_subscribe_bind(durable=name, stream="MGOV_EVENTS")
        out: list[CloudEvent] = []
        while len(out) < pending:
            out += [CloudEvent.parse(m.data) for m in await sub.fetch(min(256, pending - len(out)), timeout=5)]
        await js.delete_consumer("MGOV_EVENTS", name)
        return out
    finally:
        await nc.close()


async def _insight_caught_up(nats_url: str) -> bool:
    nc = await connect_nats(nats_url, "insight-e2e-lag")
    try:
        info = await nc.jetstream().consumer_info("MGOV_EVENTS", "insight-events")
        return info.num_pending == 0 and info.num_ack_pending == 0
    finally:
        await nc.close()


def wait_caught_up(demo: DemoPlatform, timeout: float = 60) -> None:
    """Until insight's durable consumer has nothing pending or unacknowledged (the server says so)."""
    deadline = time.monotonic() + timeout
    while not asyncio.run(_insight_caught_up(demo.nats_url)):
        assert time.monotonic() < deadline, "insight did not catch up with the stream"
        time.sleep(0.2)


# What the seed left in flight: SLA timers due by now but not yet fired (the clock went through the month faster than
# the timer worker's rounds) and events not yet relayed to the stream.
IN_FLIGHT = """SELECT (SELECT count(*) FROM workflow.timers WHERE fired_at IS NULL AND fire_at <= now())
                    + (SELECT count(*) FROM workflow.outbox WHERE published_at IS NULL)
                    + (SELECT count(*) FROM insight.outbox WHERE published_at IS NULL)"""


def wait_settled(demo: DemoPlatform, timeout: float = 60) -> None:
    """Until the workflow fired every timer due and both services relayed every event (their tables say so)."""
    async def in_flight() -> int:
        conn = await asyncpg.connect(demo.dsn)
        try:
            return int(await conn.fetchval(IN_FLIGHT))
        finally:
            await conn.close()

    deadline = time.monotonic() + timeout
    while asyncio.run(in_flight()):
        assert time.monotonic() < deadline, "timers or events still in flight after the seed"
        time.sleep(0.2)


def _calendar(events: list[CloudEvent], chain: tuple[str, ...]) -> WorkingCalendar:
    """The first tenant's working calendar from the workflow's calendar events (the last of
    each tenant's year wins; a day comes from the nearest tenant of `chain` that sets it)."""
    years: dict[tuple[str, int], list[tuple[Any, bool, str]]] = {}
    for e in events:
        if e.type == "mgov.workflow.calendar.updated.v1" and e.tenant in chain:
            tenant, year, days = parse_calendar(e)
            years[(tenant, year)] = days
    overrides: dict[Any, tuple[int, bool]] = {}
    for (tenant, _), days in years.items():
        for d, working, _ in days:
            if d not in overrides or chain.index(tenant) < overrides[d][0]:
                overrides[d] = (chain.index(tenant), working)
    return WorkingCalendar({d: w for d, (_, w) in overrides.items()})


def _on_time(cal: WorkingCalendar, limit: int, case: list[CloudEvent]) -> bool:
    """Finished within the promised limit, in working days from submission, the time the
    case waited for the citizen's 补正 not counted: the rule as published, worked out here."""
    submitted = case[0].time
    due = cal.due_after(submitted, limit)
    budget, used, running_since = cal.working_seconds(submitted, due), 0.0, submitted
    for e in case[1:]:
        paused = bool(e.data.get("clock_paused"))
        if paused and running_since is not None:
            used += cal.working_seconds(running_since, e.time)
            running_since = None
        elif not paused and running_since is None:
            running_since, due = e.time, cal.advance(e.time, max(0.0, budget - used))
    return case[-1].time <= due


def independent_figures(events: list[CloudEvent], item_id: str, tenant_chain: tuple[str, ...] = ("hangzhou", "zhejiang")) -> dict[str, Any]:
    """The funnel, on-time rate and satisfaction of one item, from the raw events alone:
    usage, the cases' own events, ratings, the item's promised limit as the catalogue
    published it and the tenant's working calendar as the workflow published it."""
    counts: dict[str, int] = defaultdict(int)
    limit = next(e.data["promised_limit_days"] for e in reversed(events)
                 if e.type == "mgov.catalog.item.published.v1" and e.data.get("id") == item_id)
    cal = _calendar(events, tenant_chain)
    cases: dict[str, list[CloudEvent]] = defaultdict(list)
    on_time, finished, scores = 0, 0, []
    for e in events:
        data = e.data
        verb = e.type.removeprefix("mgov.").rsplit(".v", 1)[0]
        if verb == "insight.usage.recorded" and data["item_id"] == item_id:
            counts[data["kind"]] += 1
        if verb == "workflow.sla.breached" and data["application_id"] in cases:  # a breach names the case, not the item
            counts["sla_breaches"] += 1
        if data.get("service_id") != item_id:
            continue
        if verb.startswith("workflow.application."):
            cases[data["application_id"]].append(e)
        if verb == "workflow.application.submitted":
            counts["submitted"] += 1
        elif verb in ("workflow.application.completed", "workflow.application.rejected"):
            counts[verb.rsplit(".", 1)[1]] += 1
            finished += 1
            on_time += _on_time(cal, limit, cases[data["application_id"]])
        elif verb == "workflow.rating.received":
            scores.append(data["score"])
    return {"guide_views": counts["guide_viewed"], "started": counts["application_started"], "submitted": counts["submitted"],
            "completed": counts["completed"], "rejected": counts["rejected"],
            "on_time_rate": round(on_time / finished, 4) if finished else -1,
            "ratings": len(scores), "rating_average": round(sum(scores) / len(scores), 4) if scores else -1,
            "sla_breaches": counts["sla_breaches"]}


def daily_counts(events: list[CloudEvent], tenant: str) -> dict[str, dict[str, int]]:
    """Per China date of the events' own `time`: the tenant's own items' views, submissions, completions and ratings."""
    per_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    applications = {e.data["application_id"] for e in events if e.type == "mgov.workflow.application.submitted.v1"}
    for e in events:
        if e.tenant != tenant or (e.type == "mgov.workflow.sla.breached.v1" and e.data["application_id"] not in applications):
            continue  # a breach of a case insight never saw (a 12345 report's) is no figure of an item
        verb = e.type.removeprefix("mgov.").rsplit(".v", 1)[0]
        key = {"insight.usage.recorded": "guide_views" if e.data.get("kind") == "guide_viewed" else "started",
               "workflow.application.submitted": "submitted", "workflow.application.completed": "completed",
               "workflow.rating.received": "ratings", "workflow.sla.breached": "sla_breaches"}.get(verb)
        if key:
            per_day[e.time.astimezone(CST).date().isoformat()][key] += 1
    return per_day


@pytest.fixture(scope="module")
def tokens(demo_platform: DemoPlatform) -> dict[str, str]:
    return {who: demo_platform.sign_in(who)["access_token"] for who in (PROVINCE_ADMIN, HZ_ADMIN, XIHU_SUPERVISOR, NB_CLERK, CITIZEN)}


SEED_DAYS, SEED_CASES = 30, 3


@pytest.fixture(scope="module")
def seeded(demo_platform: DemoPlatform) -> dict[str, Any]:
    # A month of Hangzhou's activity through the API: the demo clock moved back 30 days, then a day at a time to today.
    first_day = (datetime.now(CST) - timedelta(days=SEED_DAYS)).date().isoformat()
    done = mgov(demo_platform, "insight", "seed", "--base-url", demo_platform.base_url, "--cases", str(SEED_CASES), "--seed", "7",
                "--days", str(SEED_DAYS))
    assert done.returncode == 0, done.stderr
    # And today only (no --days): every case takes all its steps at once; counted in the figures below too.
    today = mgov(demo_platform, "insight", "seed", "--base-url", demo_platform.base_url, "--cases", "4", "--seed", "8")
    assert today.returncode == 0 and "days" not in json.loads(today.stdout.strip().splitlines()[-1]), today.stderr
    wait_settled(demo_platform)
    wait_caught_up(demo_platform)
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "from_date": first_day}


def item_figures(demo: DemoPlatform, token: str, item_id: str, tenant: str = "hangzhou", from_date: str = "") -> dict[str, Any]:
    with demo.client(token) as c:
        resp = c.get(f"/v1/tenants/{tenant}/insight/items", params={"own_only": True, "page_size": 500, "from_date": from_date})
    assert resp.status_code == 200, resp.text
    [row] = [r for r in resp.json()["items"] if r["item_id"] == item_id]
    return row["quality"]  # type: ignore[no-any-return]


def test_a_month_seeded_through_the_api_gives_the_figures_computed_independently_from_the_raw_events(
        demo_platform: DemoPlatform, seeded: dict[str, Any], tokens: dict[str, str]) -> None:
    assert seeded["days"] == SEED_DAYS and seeded["submitted"] > 0 and seeded["completed"] > 0 and seeded["rated"] > 0
    events = asyncio.run(_raw_events(demo_platform.nats_url, EVERYTHING))
    expected = independent_figures(events, seeded["item_id"])
    assert 0 < expected["on_time_rate"] < 1, "a month of cases taking days: some finish late, most in time"
    assert expected["sla_breaches"] > 0, "the SLA timers fired as the clock moved through the month"
    got = item_figures(demo_platform, tokens[HZ_ADMIN], seeded["item_id"], from_date=seeded["from_date"])
    assert {k: got[k] for k in expected} == expected
    assert json.loads((demo_platform.home / "workflow-clock.json").read_text()) == {"offset_s": 0}


def test_the_seeded_month_shows_on_the_events_own_days_in_the_daily_trend(demo_platform: DemoPlatform, seeded: dict[str, Any],
                                                                           tokens: dict[str, str]) -> None:
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        resp = c.get("/v1/tenants/hangzhou/insight/daily", params={"own_only": True, "from_date": seeded["from_date"]})
    assert resp.status_code == 200, resp.text
    days = resp.json()["items"]
    assert len(days) == SEED_DAYS + 1 and days[0]["date"] == seeded["from_date"] and days == sorted(days, key=lambda d: d["date"])
    # Independently, from the raw events on the stream: per China date of each event's own time.
    per_day = daily_counts(asyncio.run(_raw_events(demo_platform.nats_url, EVERYTHING)), "hangzhou")
    for key in ("guide_views", "started", "submitted", "completed", "ratings", "sla_breaches"):
        assert [d["quality"][key] for d in days] == [per_day[d["date"]][key] for d in days], key
    assert sum(1 for d in days[:-1] if d["quality"]["submitted"] > 0) >= 20, "the history is spread over the month"


def test_history_is_not_seeded_under_a_clock_moved_already(demo_platform: DemoPlatform, seeded: dict[str, Any]) -> None:
    # The rule: a fresh demo home, its clock at 0. A moved clock is refused before any activity, and left as it was.
    clock = demo_platform.home / "workflow-clock.json"
    clock.write_text(json.dumps({"offset_s": 600}))
    try:
        done = mgov(demo_platform, "insight", "seed", "--base-url", demo_platform.base_url, "--cases", "1", "--days", "2")
        assert done.returncode == 1 and "moved already" in done.stderr, done.stderr
        assert json.loads(clock.read_text()) == {"offset_s": 600}
    finally:
        clock.unlink()


def test_rebuilding_from_the_streams_gives_the_same_figures(demo_platform: DemoPlatform, seeded: dict[str, Any], tokens: dict[str, str]) -> None:
    def everything() -> list[dict[str, Any]]:
        with demo_platform.client(tokens[PROVINCE_ADMIN]) as c:
            return [c.get(f"/v1/tenants/zhejiang/insight/{what}", params={"page_size": 500}).json()["items"]
                    for what in ("items", "departments", "rankings")]

    before = everything()
    done = mgov(demo_platform, "insight", "rebuild")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["applied"] > 0
    wait_caught_up(demo_platform)
    assert everything() == before


async def _forget(nats_url: str, subject: str, target: str, timeout: float = 30) -> int:
    """Delete from MGOV_EVENTS the events on `subject` about `target` (data.id), as if the
    stream's retention had dropped them, once there is one (its service's outbox relay
    publishes it after the commit). How many."""
    nc = await connect_nats(nats_url, "insight-e2e-forget")
    try:
        js = nc.jetstream()
        deadline = time.monotonic() + timeout
        while True:
            name = f"insight-e2e-{uuid.uuid4().hex[:8]}"
            await js.add_consumer("MGOV_EVENTS", ConsumerConfig(name=name, filter_subjects=[subject], deliver_policy=DeliverPolicy.ALL,
                                                                ack_policy=AckPolicy.NONE, inactive_threshold=60.0))
            pending = (await js.consumer_info("MGOV_EVENTS", name)).num_pending
            sub = await js.pull_subscribe_bind(durable=name, stream="MGOV_EVENTS")
            seqs, seen = [], 0
            while seen < pending:
                for m in await sub.fetch(min(256, pending - seen), timeout=5):
                    seen += 1
                    if CloudEvent.parse(m.data).data.get("id") == target:
                        seqs.append(m.metadata.sequence.stream)
            await js.delete_consumer("MGOV_EVENTS", name)
            if seqs:
                for seq in seqs:
                    await js.delete_msg("MGOV_EVENTS", seq)
                return len(seqs)
            assert time.monotonic() < deadline, f"no {subject} event about {target} reached the stream"
            await asyncio.sleep(0.2)
    finally:
        await nc.close()


def test_an_item_and_a_system_whose_events_the_stream_no_longer_holds_are_still_zombies_after_a_rebuild(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    from tests.e2e.test_catalog_e2e import new_item

    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        created = c.post("/v1/tenants/hangzhou/services", json=new_item(f"久远事项{RUN}"))
        assert created.status_code == 201, created.text
        item_id = created.json()["id"]
        assert c.post(f"/v1/services/{item_id}/publish").status_code == 200
        system = c.post("/v1/tenants/yuhang/systems", json={"name": f"余杭久远系统{RUN}", "event_types": ["mgov.case.status_changed.v1"]})
        assert system.status_code == 201, system.text
        system_id = system.json()["system"]["id"]

    def listed() -> tuple[bool, bool]:
        with demo_platform.client(tokens[HZ_ADMIN]) as c:
            found = {(z["kind"], z["target_id"]) for z in c.get("/v1/tenants/hangzhou/insight/zombies", params={"page_size": 500}).json()["items"]}
        return ("item_unused", item_id) in found, ("system_silent", system_id) in found

    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        assert c.put("/v1/tenants/hangzhou/insight/thresholds", json={"item_unused_days": 0, "guide_stale_days": 365,
                                                                    "system_silent_days": 0, "account_idle_days": 90}).status_code == 200
    try:
        deadline = time.monotonic() + 30
        while listed() != (True, True):  # insight has both from their events (so they are on the stream)
            assert time.monotonic() < deadline, "the new item and system never appeared in the zombie list"
            time.sleep(0.2)
        assert asyncio.run(_forget(demo_platform.nats_url, "mgov.evt.hangzhou.catalog.item.published", item_id)) == 1
        assert asyncio.run(_forget(demo_platform.nats_url, "mgov.evt.yuhang.identity.system.registered", system_id)) == 1
        # From the streams alone, the rebuild knows neither (the integration tests show them forgotten: here the
        # running insight may read the listings again at any moment).
        done = mgov(demo_platform, "insight", "rebuild", "--without-listings")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["listed_items"] == 0
        # Read back from catalog and identity within the rebuild, both are zombies again the moment it ends.
        done = mgov(demo_platform, "insight", "rebuild")
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["listed_items"] > 0 and result["listed_systems"] > 0
        assert listed() == (True, True)
    finally:
        with demo_platform.client(tokens[HZ_ADMIN]) as c:
            c.put("/v1/tenants/hangzhou/insight/thresholds", json={"item_unused_days": 90, "guide_stale_days": 365,
                                                                  "system_silent_days": 30, "account_idle_days": 90})


def test_a_city_admin_sees_its_subtree_and_a_county_supervisor_not_its_sibling(demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        assert c.get("/v1/tenants/xihu/insight/items").status_code == 200
        assert c.get("/v1/tenants/ningbo/insight/items").status_code == 404
        csv = c.get("/v1/tenants/hangzhou/insight/items", params={"format": "csv"})
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert csv.text.lstrip("\ufeff").startswith("item_id,tenant_id,code,name_zh")
    with demo_platform.client(tokens[XIHU_SUPERVISOR]) as c:
        assert c.get("/v1/tenants/xihu/insight/zombies").status_code == 200
        sibling = c.get("/v1/tenants/yuhang/insight/items")
        assert sibling.status_code == 404 and sibling.headers["content-type"].startswith("application/problem+json")
        assert c.get("/v1/tenants/hangzhou/insight/rankings").status_code == 404
    for who in (NB_CLERK, CITIZEN):
        with demo_platform.client(tokens[who]) as c:
            assert c.get("/v1/tenants/hangzhou/insight/items").status_code == 404
    with demo_platform.client() as c:
        assert c.get("/v1/tenants/hangzhou/insight/items").status_code == 401


def county_admin(demo: DemoPlatform, hz_admin: str, tenant: str = "xihu") -> str:
    """A tenant_admin of the county, invited by the Hangzhou admin, invitation accepted: its token."""
    phone, password = "136" + f"{uuid.uuid4().int % 10**8:08d}", "Insight-e2e-2026"
    with demo.client(hz_admin) as c:
        invited = c.post(f"/v1/tenants/{tenant}/staff", json={"phone": phone, "name": "区管理员", "password": password,
                                                              "roles": ["tenant_admin"]})
    assert invited.status_code == 202, invited.text
    with demo.client(demo.sign_in(phone, password)["access_token"]) as c:
        assert c.post(f"/v1/me/invitations/{invited.json()['id']}/accept").status_code == 200
    return demo.sign_in(phone, password)["access_token"]  # a token with the new role


def test_a_county_admin_drills_into_its_departments_and_their_items_and_never_into_its_siblings(
        demo_platform: DemoPlatform, seeded: dict[str, Any], tokens: dict[str, str]) -> None:
    xihu_admin = county_admin(demo_platform, tokens[HZ_ADMIN])
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        hz_items = c.get("/v1/tenants/hangzhou/insight/items", params={"page_size": 500}).json()["items"]
    yuhang_item = next(i for i in hz_items if i["tenant_id"] == "yuhang")
    # Xihu activity of its own (the seeded month is Hangzhou's): a visitor opens one Xihu guide, reported as the app does.
    viewed = next(i for i in hz_items if i["tenant_id"] == "xihu")
    with demo_platform.client() as c:
        assert c.post("/v1/insight/usage", json={"item_id": viewed["item_id"], "kind": "guide_viewed"},
                      headers={"x-forwarded-for": "198.51.100.77"}).status_code == 204
    wait_caught_up(demo_platform)
    with demo_platform.client(xihu_admin) as c:
        listed = c.get("/v1/tenants/xihu/insight/departments", params={"own_only": True, "page_size": 500})
        assert listed.status_code == 200, listed.text
        departments = listed.json()["items"]
        assert departments and {d["tenant_id"] for d in departments} == {"xihu"}
        # The department of the viewed guide has figures, and someone can act there (Xihu's demo staff). (Not the
        # busiest: the platform is shared with other modules, whose visits may have gone to another department.)
        [busiest] = [d for d in departments if d["department"] == viewed["department"]]
        assert busiest["quality"]["guide_views"] > 0 and busiest["staff_able_to_act"] >= 1
        one = c.get(f"/v1/tenants/xihu/insight/departments/{busiest['department']}")
        # (the staff count may have grown meanwhile by this admin's own sign-in, counted as its event arrives)
        assert one.status_code == 200 and {**one.json(), "staff_able_to_act": 0} == {**busiest, "staff_able_to_act": 0}
        # Its items, page by page: exactly the Xihu items of that department, adding up to the department's figures.
        items, token = [], ""
        while True:
            page = c.get("/v1/tenants/xihu/insight/items", params={"own_only": True, "department": busiest["department"],
                                                                   "page_size": 1, "page_token": token}).json()
            items += page["items"]
            token = page["next_page_token"]
            if not token:
                break
        expected = [i for i in hz_items if i["tenant_id"] == "xihu" and i["department"] == busiest["department"]]
        assert sorted(i["item_id"] for i in items) == sorted(i["item_id"] for i in expected)
        for key in ("guide_views", "started", "submitted", "completed", "rejected", "ratings", "rectifications_open"):
            assert sum(i["quality"][key] for i in items) == busiest["quality"][key], key
        item = c.get(f"/v1/tenants/xihu/insight/items/{items[0]['item_id']}")
        assert item.status_code == 200 and item.json() == items[0]
        csv = c.get("/v1/tenants/xihu/insight/departments", params={"own_only": True, "format": "csv"})
        assert csv.status_code == 200 and csv.text.lstrip("\ufeff").startswith(
            "tenant_id,department,open_cases,open_cases_unstaffed,staff_able_to_act,guide_views")
        # The sibling county: as if it did not exist, whichever way it is asked.
        for path in ("/v1/tenants/yuhang/insight/departments", "/v1/tenants/yuhang/insight/departments/数字经济科",
                     f"/v1/tenants/yuhang/insight/items/{yuhang_item['item_id']}", f"/v1/tenants/xihu/insight/items/{yuhang_item['item_id']}",
                     "/v1/tenants/hangzhou/insight/departments"):
            refused = c.get(path)
            assert refused.status_code == 404 and refused.headers["content-type"].startswith("application/problem+json"), path
        assert c.get("/v1/tenants/xihu/insight/departments/没有这个部门").status_code == 404
        assert c.get("/v1/tenants/xihu/insight/departments", params={"department": "部" * 101}).status_code == 422


def test_an_unused_item_is_listed_and_retiring_it_from_the_list_retires_it_in_the_catalogue_and_is_audited(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    from tests.e2e.test_catalog_e2e import new_item

    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        created = c.post("/v1/tenants/hangzhou/services", json=new_item(f"僵尸事项{RUN}"))
        assert created.status_code == 201, created.text
        item_id = created.json()["id"]
        assert c.post(f"/v1/services/{item_id}/publish").status_code == 200
        # Hangzhou's threshold (its own, so for its whole subtree): 0 days, so an item without applications is listed at once.
        assert c.put("/v1/tenants/hangzhou/insight/thresholds", json={"item_unused_days": 0, "guide_stale_days": 365,
                                                                    "system_silent_days": 30, "account_idle_days": 90}).status_code == 200
        try:
            deadline = time.monotonic() + 30
            while item_id not in {z["target_id"] for z in c.get("/v1/tenants/hangzhou/insight/zombies",
                                                                  params={"kind": "item_unused", "page_size": 500}).json()["items"]}:
                assert time.monotonic() < deadline, "the new item never appeared in the zombie list"
                time.sleep(0.2)
            refused = c.post("/v1/tenants/hangzhou/insight/zombies/actions", json={"kind": "item_unused", "target_id": item_id,
                                                                                  "action": "revoke_system"})
            assert refused.status_code == 422
            done = c.post("/v1/tenants/hangzhou/insight/zombies/actions", json={"kind": "item_unused", "target_id": item_id,
                                                                               "action": "retire_item", "reason": "无人申请"})
            assert done.status_code == 201, done.text
            assert done.json()["outcome"] == "success"
            assert c.get(f"/v1/services/{item_id}").json()["status"] == "retired"
            audit = c.get("/v1/tenants/hangzhou/insight/zombie-actions").json()["items"]
            assert [(a["target_id"], a["action"], a["outcome"], a["reason"]) for a in audit if a["target_id"] == item_id] == [
                (item_id, "retire_item", "success", "无人申请")]
        finally:
            c.put("/v1/tenants/hangzhou/insight/thresholds", json={"item_unused_days": 90, "guide_stale_days": 365,
                                                                  "system_silent_days": 30, "account_idle_days": 90})
    with demo_platform.client(tokens[XIHU_SUPERVISOR]) as c:
        assert c.put("/v1/tenants/xihu/insight/thresholds", json={"item_unused_days": 1, "guide_stale_days": 1, "system_silent_days": 1,
                                                                 "account_idle_days": 1}).status_code == 403


def test_the_weekly_report_reaches_the_hangzhou_admins_inbox_with_a_link_to_the_dashboard(demo_platform: DemoPlatform,
                                                                                         tokens: dict[str, str]) -> None:
    from tests.e2e.test_notify_e2e import wait_for

    report = wait_for(demo_platform, tokens[HZ_ADMIN], lambda n: n.get("category") == "operations", timeout=60)
    assert report["link"] == "/insight/hangzhou" and "运营周报" in report["title"], report
    with demo_platform.client(tokens[CITIZEN]) as c:
        mine = c.get("/v1/notifications", params={"category": "operations"}).json()["items"]
    assert mine == []


def test_an_idle_staff_account_is_listed_and_disabling_it_from_the_list_ends_its_sign_ins(demo_platform: DemoPlatform,
                                                                                         tokens: dict[str, str]) -> None:
    phone = "136" + uuid.uuid4().hex[:8].translate(str.maketrans("abcdef", "123456"))
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        invited = c.post("/v1/tenants/yuhang/staff", json={"phone": phone, "name": "余杭区久未登录", "password": "Ins-e2e-staff-26", "roles": ["clerk"]})
        assert invited.status_code == 202, invited.text
    first = demo_platform.sign_in(phone, "Ins-e2e-staff-26")["access_token"]
    with demo_platform.client(first) as c:
        assert c.post(f"/v1/me/invitations/{invited.json()['id']}/accept").status_code == 200
    user_id = _me(demo_platform, phone)  # signed in again, now as staff: the sign-in insight sees
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        assert c.put("/v1/tenants/hangzhou/insight/thresholds", json={"item_unused_days": 90, "guide_stale_days": 365,
                                                                    "system_silent_days": 30, "account_idle_days": 0}).status_code == 200
        try:
            listed = _wait_listed(c, "account_idle", user_id)
            assert listed["action"] == "disable_account"
            done = c.post("/v1/tenants/hangzhou/insight/zombies/actions", json={"kind": "account_idle", "target_id": user_id,
                                                                               "action": "disable_account", "reason": "久未登录"})
            assert done.status_code == 201 and done.json()["outcome"] == "success", done.text
        finally:
            c.put("/v1/tenants/hangzhou/insight/thresholds", json={"item_unused_days": 90, "guide_stale_days": 365,
                                                                  "system_silent_days": 30, "account_idle_days": 90})
    with demo_platform.client() as c:
        refused = c.post("/v1/auth/token", json={"username": phone, "password": "Ins-e2e-staff-26"})
    assert refused.status_code == 403 and refused.json()["code"] == "account_disabled"
    # Identity audits the account's own tenant (Yuhang), not the tenant whose list it was disabled from.
    rows = identity_sql(demo_platform, "SELECT tenant_id, outcome FROM audit_log WHERE action = 'account.disable' AND subject = $1", user_id)
    assert [(r["tenant_id"], r["outcome"]) for r in rows] == [("yuhang", "success")]


def test_a_silent_system_is_listed_and_revoking_it_from_the_list_revokes_it_in_identity_and_is_audited(
        demo_platform: DemoPlatform, tokens: dict[str, str]) -> None:
    with demo_platform.client(tokens[HZ_ADMIN]) as c:
        created = c.post("/v1/tenants/yuhang/systems", json={"name": f"余杭久未发送{RUN}", "event_types": ["mgov.case.status_changed.v1"]})
        assert created.status_code == 201, created.text
        system_id = created.json()["system"]["id"]
        assert c.put("/v1/tenants/hangzhou/insight/thresholds", json={"item_unused_days": 90, "guide_stale_days": 365,
                                                                    "system_silent_days": 0, "account_idle_days": 90}).status_code == 200
        try:
            listed = _wait_listed(c, "system_silent", system_id)
            assert (listed["tenant_id"], listed["action"]) == ("yuhang", "revoke_system")
            done = c.post("/v1/tenants/hangzhou/insight/zombies/actions", json={"kind": "system_silent", "target_id": system_id,
                                                                               "action": "revoke_system", "reason": "久未发送"})
            assert done.status_code == 201 and done.json()["outcome"] == "success", done.text
        finally:
            c.put("/v1/tenants/hangzhou/insight/thresholds", json={"item_unused_days": 90, "guide_stale_days": 365,
                                                                  "system_silent_days": 30, "account_idle_days": 90})
        systems = c.get("/v1/tenants/yuhang/systems", params={"include_revoked": True, "page_size": 500}).json()["items"]
        assert [s["status"] for s in systems if s["id"] == system_id] == ["revoked"]
        audit = c.get("/v1/tenants/hangzhou/insight/zombie-actions").json()["items"]
        assert [(a["tenant_id"], a["kind"], a["action"], a["outcome"], a["reason"]) for a in audit if a["target_id"] == system_id] == [
            ("hangzhou", "system_silent", "revoke_system", "success", "久未发送")]
    rows = identity_sql(demo_platform, "SELECT tenant_id, outcome FROM audit_log WHERE action = 'system.revoke' AND subject = $1", system_id)
    assert [(r["tenant_id"], r["outcome"]) for r in rows] == [("yuhang", "success")]


def identity_sql(demo: DemoPlatform, query: str, *args: Any) -> list[Any]:
    """Rows of identity's own tables (its audit log), read as an auditor would."""
    async def run() -> list[Any]:
        conn = await asyncpg.connect(demo.dsn, server_settings={"search_path": "identity"})
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()
    return asyncio.run(run())


def _me(demo: DemoPlatform, phone: str) -> str:
    with demo.client(demo.sign_in(phone, "Ins-e2e-staff-26")["access_token"]) as c:
        return str(c.get("/v1/me").json()["id"])


def _wait_listed(c: httpx.Client, kind: str, target: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = [z for z in c.get("/v1/tenants/hangzhou/insight/zombies", params={"kind": kind, "page_size": 500}).json()["items"]
                 if z["target_id"] == target]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"{target} never appeared among the {kind} zombies"
        time.sleep(0.2)


def test_the_headline_figures_are_prometheus_gauges(demo_platform: DemoPlatform, seeded: dict[str, Any]) -> None:
    from tests.metrics_support import value, wait_for_samples

    def ready(s: dict) -> bool:  # type: ignore[type-arg]
        rating, on_time = value(s, "mgov_insight_rating_average"), value(s, "mgov_insight_on_time_ratio")
        return rating is not None and 1 <= rating <= 5 and on_time is not None and 0 <= on_time <= 1

    samples = wait_for_samples(demo_platform.ports["INSIGHT_METRICS"], ready, "insight's headline gauges")
    assert all(value(samples, "mgov_insight_zombies", kind=k) is not None for k in ("item_unused", "guide_stale", "system_silent", "account_idle"))
