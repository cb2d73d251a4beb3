"""The live stream's two kinds of event: a notification carries its id (a resume replays
from it), a hall queue's place carries none, so it never moves Last-Event-ID."""

from __future__ import annotations

import json

import pytest

from gateway.routers.notifications import _sse

pytestmark = pytest.mark.unit


def test_a_queue_place_is_an_event_of_its_own_without_an_id() -> None:
    frame = _sse({"id": "q-1", "kind": "queue", "appointment_id": "a", "ticket_number": 3, "people_ahead": 1})
    lines = frame.rstrip("\n").split("\n")
    assert lines[0] == "event: queue" and not any(line.startswith("id:") for line in lines)
    assert json.loads(lines[1].removeprefix("data: "))["people_ahead"] == 1


def test_a_notification_keeps_its_id_line() -> None:
    assert _sse({"id": "n-1", "title": "申请已提交"}).startswith("id: n-1\nevent: notification\n")
