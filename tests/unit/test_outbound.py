"""The outbound-URL guard: which URLs and addresses the platform may call (no network
beyond loopback: literal addresses, `localhost`, and a resolver the test replaces)."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from mgov_common.outbound import OutboundGuard, OutboundRefused, address_refusal, check_syntax, guarded_client, refusal
from mgov_common.settings import PlatformSettings

REFUSED_ADDRESSES = {
    "169.254.169.254": "metadata",  # AWS, GCP, Azure metadata
    "100.100.100.200": "metadata",  # Alibaba Cloud metadata
    "fd00:ec2::254": "metadata",  # AWS metadata over IPv6
    "10.0.0.1": "private",
    "172.16.5.4": "private",
    "192.168.1.1": "private",
    "fd00::1": "unique-local",
    "fe80::1": "link-local",
    "169.254.1.1": "link-local",
    "127.0.0.1": "loopback",
    "127.9.9.9": "loopback",
    "::1": "loopback",
    "0.0.0.0": "unspecified",
    "::": "unspecified",
    "224.0.0.1": "multicast",
    "ff02::1": "multicast",
    "100.64.0.1": "non-public",  # shared address space (carrier-grade NAT)
    "240.0.0.1": "private",  # reserved (Python counts it private)
    "192.0.2.10": "private",  # documentation
    "::ffff:10.0.0.1": "private",  # IPv4-mapped
    "::ffff:127.0.0.1": "loopback",
    "::ffff:169.254.169.254": "metadata",
    "64:ff9b::a9fe:a9fe": "metadata",  # NAT64 of 169.254.169.254
    "2002:a00:1::": "private",  # 6to4 of 10.0.0.1
    "::127.0.0.1": "IPv4-compatible",
}


@pytest.mark.parametrize("address", sorted(REFUSED_ADDRESSES))
def test_every_internal_address_class_is_refused(address: str) -> None:
    why = address_refusal(ipaddress.ip_address(address))
    assert why is not None and REFUSED_ADDRESSES[address] in why


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700::1111"])
def test_public_unicast_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_demo_mode_allows_loopback(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address), allow_loopback=True) is None


@pytest.mark.parametrize("address", [a for a, why in REFUSED_ADDRESSES.items() if why != "loopback"])
def test_demo_mode_allows_nothing_but_loopback(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address), allow_loopback=True) is not None


@pytest.mark.parametrize("url, why", [
    ("https://user:secret@hooks.example.com/x", "credentials"),
    ("https://@hooks.example.com/x", "credentials"),
    ("http://hooks.example.com/x", "https"),
    ("ftp://hooks.example.com/x", "https"),
    ("https:///x", "no host"),
    ("https://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("https://metadata/", "metadata"),
    ("https://db.internal/", "internal"),
    ("https://printer.local/", "internal"),
    ("https://x.localhost/", "local"),
    ("https://localhost/", "loopback"),
    ("https://[fd00::1]/", "unique-local"),
    ("https://0.0.0.0:8080/", "unspecified"),
    ("https://10.0.0.1/", "private"),
    ("https://hooks.example.com:99999/", "parsed"),
    ("https://hooks.example.com/a b", "spaces"),
    ("https://hooks.example.com\\@10.0.0.1/", "backslash"),
    ("https://hooks.ex\u0430mple.com/", "non-ASCII"),
    ("https://" + "a" * 2100 + ".com/", "characters"),
])
def test_urls_are_parsed_strictly(url: str, why: str) -> None:
    with pytest.raises(OutboundRefused) as exc:
        check_syntax(url)
    assert why in exc.value.reason


def test_http_is_accepted_only_to_loopback_and_only_where_loopback_is_allowed() -> None:
    assert check_syntax("http://127.0.0.1:8080/hook", allow_loopback=True).port == 8080
    assert check_syntax("http://localhost/hook", allow_loopback=True).host == "localhost"
    for url in ("http://hooks.example.com/", "http://10.0.0.1/"):
        with pytest.raises(OutboundRefused):
            check_syntax(url, allow_loopback=True)
    with pytest.raises(OutboundRefused):
        check_syntax("http://127.0.0.1/")


@pytest.mark.parametrize("url", ["https://localhost/", "https://2130706433/", "https://127.1/", "https://0x7f000001/"])
async def test_names_and_numeric_forms_resolving_to_loopback_are_refused(url: str) -> None:
    with pytest.raises(OutboundRefused) as exc:
        await OutboundGuard().check(url)
    assert "loopback" in exc.value.reason


class Rebinding(OutboundGuard):
    """A resolver that answers a public address first and then another address (DNS rebinding)."""

    def __init__(self, answers: list[str], allow_loopback: bool = False) -> None:
        super().__init__(allow_loopback=allow_loopback)
        self.answers = answers
        self.lookups = 0

    async def lookup(self, host: str, port: int) -> list[Any]:
        answer = self.answers[min(self.lookups, len(self.answers) - 1)]
        self.lookups += 1
        return [ipaddress.ip_address(answer)]


class Receiver:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.calls = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                outer.calls += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


async def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused_at_connection(receiver: Receiver) -> None:
    guard = Rebinding(["93.184.216.34", "127.0.0.1"])
    await guard.check(f"https://hooks.example.com:{receiver.port}/x")  # accepted: public when registered
    async with guarded_client(guard, 5) as client:
        with pytest.raises(httpx.ConnectError) as exc:
            await client.post(f"https://hooks.example.com:{receiver.port}/x", content=b"{}")
    assert "loopback" in (refusal(exc.value) or "")
    assert receiver.calls == 0


async def test_the_client_connects_to_the_address_it_checked() -> None:
    # The receiver listens on 127.0.0.2 only, where the system resolver never sends
    # "localhost": the call arrives only if the connection goes to the address the guard
    # looked up and checked, not to a second lookup by the HTTP library.
    receiver = Receiver("127.0.0.2")
    try:
        guard = Rebinding(["127.0.0.2"], allow_loopback=True)
        async with guarded_client(guard, 5) as client:
            resp = await client.post(f"http://localhost:{receiver.port}/x", content=b"{}")
            assert resp.status_code == 204
        assert receiver.calls == 1 and guard.lookups == 1
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


async def test_the_guarded_client_refuses_internal_literals_and_ignores_proxy_variables(receiver: Receiver,
                                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{receiver.port}")
    async with guarded_client(OutboundGuard(), 5) as client:
        for url in ("https://169.254.169.254/latest/meta-data/", "https://[::ffff:127.0.0.1]/", f"http://127.0.0.1:{receiver.port}/"):
            with pytest.raises(httpx.ConnectError):
                await client.post(url, content=b"{}")
    assert receiver.calls == 0


def test_loopback_is_allowed_in_demo_mode_only_and_can_be_switched_off() -> None:
    assert PlatformSettings(demo=True).outbound_guard().allow_loopback
    assert not PlatformSettings(demo=True, outbound_allow_loopback=False).outbound_guard().allow_loopback
    assert not PlatformSettings(demo=False, outbound_allow_loopback=True).outbound_guard().allow_loopback
