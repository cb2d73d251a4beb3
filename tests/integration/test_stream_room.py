"""A NATS server without room for the streams' limits: startup says so at once, by name."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.embedded import nats_server_binary
from launcher.stream_sizing import NoRoomForStreams, ensure_platform_streams, fit_to_disk
from mgov_common.events.streams import MIB, StreamOptions
from mgov_common.ports import free_port, is_listening


@pytest.fixture
def small_nats(tmp_path: Path) -> Iterator[str]:
    """A NATS server whose JetStream may store 64 MiB in all."""
    port = free_port()
    conf = tmp_path / "nats.conf"
    conf.write_text(f'listen: 127.0.0.1:{port}\njetstream {{ store_dir: "{tmp_path / "js"}", max_file_store: 64MB }}\n')
    proc = subprocess.Popen([str(nats_server_binary()), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not is_listening(port):
            assert proc.poll() is None and time.monotonic() < deadline, "nats-server did not start"
            time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


async def test_limits_that_do_not_fit_stop_startup_with_the_variables_to_set(small_nats: str) -> None:
    # An hour to retry: the refusal must end it at once, not the deadline.
    with pytest.raises(NoRoomForStreams, match="MGOV_STREAM_MAX_BYTES_EVENTS") as refused:
        await ensure_platform_streams(small_nats, StreamOptions(), timeout=3600)
    assert "3584 MiB in all" in str(refused.value)


async def test_limits_fitted_to_the_room_are_accepted(small_nats: str) -> None:
    fitted = fit_to_disk(StreamOptions(), 100 * MIB, explicit=set())
    await ensure_platform_streams(small_nats, fitted, timeout=30)
