"""Ports: find free ones for tests, and name a busy one clearly before starting anything."""

from __future__ import annotations

import random
import socket
from pathlib import Path

# Outgoing connections take their local ports from the kernel's ephemeral range; a port
# handed out from there can be taken by someone's outgoing connection before our server
# binds it. Free ports are therefore drawn from below that range.
_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_FLOOR = 20_000


class PortInUse(RuntimeError):
    def __init__(self, port: int, what: str) -> None:
        super().__init__(f"port {port} ({what}) is already in use on 127.0.0.1; stop what holds it or set another port")
        self.port = port
        self.what = what


def _below_ephemeral() -> range:
    try:
        low = int(_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32_768
    return range(_FLOOR, max(_FLOOR + 1_000, low))


# Ports this process has handed out. A port is free when drawn but only taken when its
# server binds it, often after a dozen more ports were drawn for the same platform: without
# this memory one platform could be given the same port twice (about one start in 70 with
# twenty ports drawn from 12,768), and its second server would fail to bind.
_handed_out: set[int] = set()


def free_port(host: str = "127.0.0.1", rng: random.Random | None = None) -> int:
    """A port nobody listens on now and this process has not handed out before, outside
    the ephemeral range where possible."""
    rng = rng or random.SystemRandom()
    ports = _below_ephemeral()
    for _ in range(50):
        port = rng.choice(ports)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    for _ in range(50):  # a crowded range: let the kernel pick
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = int(s.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    raise RuntimeError("no free port found on this machine")


def ensure_free(port: int, what: str, host: str = "127.0.0.1") -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As servers do: a port with only TIME_WAIT leftovers is free, a listener is not.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise PortInUse(port, what) from None


def is_listening(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
