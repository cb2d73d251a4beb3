"""Free ports for tests and `mgov up` come from below the kernel's ephemeral range, where
outgoing connections cannot take them between the choice and the bind."""

import socket

from mgov_common.ports import _below_ephemeral, free_port


def test_free_ports_are_drawn_below_the_ephemeral_range_and_are_free() -> None:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    for _ in range(20):
        port = free_port()
        assert 20_000 <= port < max(low, 21_000)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", port))


def test_a_taken_port_is_never_handed_out() -> None:
    held = []
    try:
        for port in _below_ephemeral()[:5]:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", port))
                s.listen()
                held.append(s)
            except OSError:
                s.close()

        class FirstTheTakenOnes:
            def __init__(self) -> None:
                self.calls = 0

            def choice(self, ports: range) -> int:
                self.calls += 1
                taken = [h.getsockname()[1] for h in held]
                return taken[self.calls - 1] if self.calls <= len(taken) else ports[-1]

        port = free_port(rng=FirstTheTakenOnes())  # type: ignore[arg-type]
        assert port not in {h.getsockname()[1] for h in held}
    finally:
        for s in held:
            s.close()


class _Repeating:
    """A draw that keeps coming back to the same ports, as a random one sometimes does."""

    def __init__(self, ports: list[int]) -> None:
        self.ports, self.i = ports, 0

    def choice(self, _: object) -> int:
        port = self.ports[self.i % len(self.ports)]
        self.i += 1
        return port


def test_a_port_handed_out_but_not_yet_bound_is_not_handed_out_again() -> None:
    first = free_port()
    # The same port drawn again (nobody has bound it yet): another one comes back instead.
    second = free_port(rng=_Repeating([first, first, first]))  # type: ignore[arg-type]
    assert second != first
    ports = [free_port(rng=_Repeating([first, second])) for _ in range(3)]  # type: ignore[arg-type]
    assert len({first, second, *ports}) == 5
