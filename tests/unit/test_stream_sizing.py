"""Embedded NATS: the streams' limits fit the machine's free disk (pure sizing)."""

from __future__ import annotations

from launcher.stream_sizing import FLOOR, fit_to_disk, limits_env, total
from mgov_common.events.streams import MIB, StreamOptions

GIB = 1024 * MIB


def test_limits_that_fit_are_left_alone() -> None:
    options = StreamOptions()
    assert fit_to_disk(options, 100 * GIB, explicit=set()) == options


def test_on_a_small_disk_the_limits_take_half_the_free_space_in_proportion() -> None:
    options = StreamOptions()  # 2 GiB, 256 MiB, 1 GiB, 256 MiB
    fitted = fit_to_disk(options, 2 * GIB, explicit=set())
    assert total(fitted) <= GIB
    # In proportion (to the byte, give or take rounding).
    assert abs(fitted.events_max_bytes - 2 * fitted.ingest_max_bytes) <= 2
    assert abs(fitted.events_max_bytes - 8 * fitted.dlq_max_bytes) <= 8
    assert fitted.replicas == options.replicas and fitted.events_max_age_s == options.events_max_age_s


def test_a_limit_the_operator_chose_is_kept_and_the_others_make_room_for_it() -> None:
    options = StreamOptions(events_max_bytes=512 * MIB)
    fitted = fit_to_disk(options, 2 * GIB, explicit={"MGOV_STREAM_MAX_BYTES_EVENTS"})
    assert fitted.events_max_bytes == 512 * MIB
    assert total(fitted) <= GIB


def test_no_limit_falls_below_the_floor_however_full_the_disk() -> None:
    fitted = fit_to_disk(StreamOptions(), 10 * MIB, explicit=set())
    assert min(fitted.events_max_bytes, fitted.dlq_max_bytes, fitted.ingest_max_bytes, fitted.rejected_max_bytes) == FLOOR


def test_the_services_are_given_the_same_limits() -> None:
    fitted = fit_to_disk(StreamOptions(), 2 * GIB, explicit=set())
    env = limits_env(fitted)
    assert env["MGOV_STREAM_MAX_BYTES_EVENTS"] == str(fitted.events_max_bytes)
    assert set(env) == {"MGOV_STREAM_MAX_BYTES_EVENTS", "MGOV_STREAM_MAX_BYTES_DLQ", "MGOV_STREAM_MAX_BYTES_INGEST",
                        "MGOV_STREAM_MAX_BYTES_REJECTED"}
