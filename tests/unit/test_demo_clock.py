"""The demo clock (mgov_common/clock.py) and the events' time it stamps (mgov_common/uow.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mgov_common.clock import ManualClock, OffsetFileClock, set_demo_offset
from mgov_common.events.domain import DomainEvent
from mgov_common.uow import to_cloud_event

pytestmark = pytest.mark.unit
DAY_S = 86400.0


def test_a_moved_demo_clock_is_seen_at_the_very_next_reading(tmp_path: Path) -> None:
    path = tmp_path / "workflow-clock.json"
    clock = OffsetFileClock(path)
    assert clock.offset_s() == 0  # no file: the system clock
    for days in (-30, -29, -28, 0):  # the seed moves it a day at a time, in a tight loop
        set_demo_offset(path, days * DAY_S)
        assert clock.offset_s() == days * DAY_S
    set_demo_offset(path, -3 * DAY_S)
    assert abs((clock.now() - datetime.now(UTC)) + timedelta(days=3)) < timedelta(minutes=1)


def test_a_half_written_or_bad_clock_file_counts_as_no_offset_and_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "workflow-clock.json"
    clock = OffsetFileClock(path)
    path.write_text("")  # a plain write caught between truncation and content
    assert clock.offset_s() == 0
    path.write_text('{"offset_s": 600}')
    assert clock.offset_s() == 600
    path.write_text('["not", "an", "object"]')
    assert clock.offset_s() == 0
    path.unlink()
    assert clock.offset_s() == 0


def test_an_event_takes_its_time_from_the_service_clock_when_it_has_one() -> None:
    past = datetime(2026, 10, 31, 1, 2, 3, tzinfo=UTC)
    event = DomainEvent("application", "submitted", "hangzhou", "a1", {"application_id": "a1"})
    assert to_cloud_event("workflow", event, ManualClock(past)).time == past
    assert abs(to_cloud_event("workflow", event).time - datetime.now(UTC)) < timedelta(minutes=1)


def test_only_in_demo_mode_do_workflow_and_insight_follow_the_clock_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mgov_common.clock import SystemClock
    from services.insight.bootstrap import make_clock as insight_clock
    from services.insight.settings import InsightSettings
    from services.workflow.bootstrap import make_clock as workflow_clock
    from services.workflow.settings import WorkflowSettings

    set_demo_offset(tmp_path / "workflow-clock.json", -30 * DAY_S)
    monkeypatch.setenv("MGOV_HOME", str(tmp_path))
    monkeypatch.setenv("MGOV_PAGE_TOKEN_SECRET", "a page-token secret of a production platform")
    for demo, kind in (("1", OffsetFileClock), ("0", SystemClock)):
        monkeypatch.setenv("MGOV_DEMO", demo)
        for clock in (workflow_clock(WorkflowSettings()), insight_clock(InsightSettings())):
            assert isinstance(clock, kind)
            moved = abs(clock.now() - datetime.now(UTC) + timedelta(days=30)) < timedelta(minutes=1)
            assert moved == (demo == "1")
