"""The one guard on every HTTP request the platform makes to a URL it was given.

Tenant systems name webhook URLs, browsers name Web Push endpoints, operators name
the SMS gateway. Without a guard each of them can make the platform call an internal
address (server-side request forgery): the cloud metadata service, a database port, a
neighbour's admin page. So every such URL is

1. parsed strictly (`check_syntax`): https only (http only to loopback where loopback is
   allowed), no credentials, a host, a valid port, no control characters or spaces;
2. resolved, and refused when any address it resolves to is not a public unicast
   address (`address_refusal`): loopback, private (RFC 1918), shared (100.64/10, which
   holds Alibaba Cloud's metadata service), link-local (169.254/16, the metadata
   services of AWS, GCP and Azure), unique-local (fc00::/7), multicast, unspecified,
   reserved and documentation ranges, and the IPv4-mapped, NAT64, 6to4 and
   IPv4-compatible IPv6 forms of those; names of metadata services, `localhost`,
   `*.localhost`, `*.internal` and `*.local` are refused by name.

The check is made when the URL is accepted (`OutboundGuard.check`) *and* again at
every connection: `guarded_client` builds an httpx client whose transport resolves
the host, checks every address and connects to the checked address itself, so a name
that resolved to a public address at registration and to 10.0.0.1 a minute later
(DNS rebinding) is refused. TLS still verifies the certificate for the URL's host
name. Environment proxies are ignored (a proxy would resolve names itself) and
redirects are never followed.

Demo mode may allow loopback (`MGOV_OUTBOUND_ALLOW_LOOPBACK`, on by default in demo
mode, without effect outside it): local receivers on 127.0.0.1 / ::1 / `localhost`,
over http too. Nothing else is ever allowed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

MAX_URL = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance metadata services, by name and by address (most addresses are also
# link-local or shared, refused anyway; listed so the refusal says what they are).
METADATA_NAMES = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
    "metadata.azure.com", "metadata.tencentyun.com", "metadata.platformequinix.com",
})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "169.254.169.123", "100.100.100.200", "fd00:ec2::254", "fd00:ec2::23",
))
_REFUSED_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain", ".home.arpa")
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


class OutboundRefused(ValueError):
    """The URL or the address it resolves to may not be called; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RefusedConnect(httpcore.ConnectError):
    """Raised inside the transport; httpx reports it as httpx.ConnectError."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int


def address_refusal(ip: IPAddress, allow_loopback: bool = False) -> str | None:
    """Why this address may not be called, or None when it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "a scoped IPv6 address"
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip in _IPV4_COMPATIBLE and int(ip) > 1:
            return "an IPv4-compatible IPv6 address"
        if embedded is not None:
            why = address_refusal(embedded, allow_loopback)
            return f"{why} (in IPv6 form)" if why else None
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if isinstance(ip, ipaddress.IPv6Address) and ip in _UNIQUE_LOCAL:
        return "a unique-local address"
    for flag, what in (("is_unspecified", "the unspecified address"), ("is_multicast", "a multicast address"),
                       ("is_link_local", "a link-local address"), ("is_private", "a private address"),
                       ("is_reserved", "a reserved address")):
        if getattr(ip, flag):
            return what
    if not ip.is_global:
        return "a non-public address (shared or special-purpose)"
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def name_refusal(host: str, allow_loopback: bool = False) -> str | None:
    """Why this host name may not be called whatever it resolves to, or None."""
    name = host.rstrip(".").lower()
    if name in METADATA_NAMES:
        return "a cloud metadata name"
    if name == "localhost":
        return None if allow_loopback else "a loopback name"
    if name.endswith(_REFUSED_SUFFIXES):
        return "a local or internal name"
    return None


def check_syntax(url: str, allow_loopback: bool = False) -> Target:
    """The URL's scheme, host and port, or OutboundRefused: strict, before any lookup."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise OutboundRefused(f"a URL of 1 to {MAX_URL} characters is required")
    if any(ord(ch) <= 32 or ord(ch) == 127 or ch == "\\" for ch in url) or not url.isascii():
        raise OutboundRefused("the URL contains spaces, control characters, backslashes or non-ASCII characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundRefused("the URL cannot be parsed") from None
    if parts.scheme not in ("https", "http"):
        raise OutboundRefused("the URL must be https")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise OutboundRefused("credentials in URLs are not accepted")
    host = (parts.hostname or "").lower()
    if not host:
        raise OutboundRefused("the URL has no host")
    literal = _literal(host)
    if literal is None:
        try:
            host.encode("idna")
        except UnicodeError:
            raise OutboundRefused("the host is not a valid name") from None
        if not all(label and len(label) <= 63 for label in host.rstrip(".").split(".")):
            raise OutboundRefused("the host is not a valid name")
    if parts.scheme == "http":
        loopback = host in _LOOPBACK_NAMES or (literal is not None and literal.is_loopback)
        if not (allow_loopback and loopback):
            raise OutboundRefused("the URL must be https (http only to loopback in demo mode)")
    why = address_refusal(literal, allow_loopback) if literal is not None else name_refusal(host, allow_loopback)
    if why:
        raise OutboundRefused(f"the host is {why}")
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80))


class OutboundGuard:
    """Checks URLs and addresses against one policy; resolves names with the system resolver."""

    def __init__(self, allow_loopback: bool = False, resolve_timeout_s: float = 2.0) -> None:
        self.allow_loopback = allow_loopback
        self.resolve_timeout_s = resolve_timeout_s

    async def lookup(self, host: str, port: int) -> list[IPAddress]:
        """The addresses the system resolver gives for a name (the seam tests replace)."""
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address of `host`, each of them allowed, or OutboundRefused."""
        literal = _literal(host.strip("[]"))
        if literal is not None:
            found: list[IPAddress] = [literal]
        else:
            if why := name_refusal(host, self.allow_loopback):
                raise OutboundRefused(f"the host is {why}")
            try:
                async with asyncio.timeout(self.resolve_timeout_s):
                    found = await self.lookup(host, port)
            except (OSError, UnicodeError, ValueError, asyncio.TimeoutError):
                raise OutboundRefused("the host does not resolve") from None
        addresses = found
        if not addresses:
            raise OutboundRefused("the host does not resolve")
        for ip in addresses:
            if why := address_refusal(ip, self.allow_loopback):
                raise OutboundRefused(f"the host resolves to {why}")
        return addresses

    async def check(self, url: str) -> Target:
        """Syntax and resolution: what is checked when a URL is accepted."""
        target = check_syntax(url, self.allow_loopback)
        await self.resolve(target.host, target.port)
        return target


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves and checks at every new connection, then connects to a checked address."""

    def __init__(self, guard: OutboundGuard) -> None:
        self.guard = guard
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self.guard.resolve(host, port)
        except OutboundRefused as exc:
            raise RefusedConnect(exc.reason) from None
        last: Exception | None = None
        for ip in addresses:
            try:
                return await self.inner.connect_tcp(str(ip), port, timeout=timeout, local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise RefusedConnect("unix sockets are not outbound destinations")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, its connection pool given the guarded network backend."""

    def __init__(self, guard: OutboundGuard) -> None:
        super().__init__(trust_env=False)
        self.guard = guard
        self._pool = httpcore.AsyncConnectionPool(ssl_context=httpx.create_ssl_context(trust_env=False),
                                                  network_backend=_GuardedBackend(guard))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            check_syntax(str(request.url), self.guard.allow_loopback)
        except OutboundRefused as exc:
            raise httpx.ConnectError(exc.reason, request=request) from None
        return await super().handle_async_request(request)


def guarded_client(guard: OutboundGuard, timeout_s: float) -> httpx.AsyncClient:
    """An httpx client for outbound calls: guarded connections, no proxies from the environment, no redirects."""
    return httpx.AsyncClient(transport=GuardedTransport(guard), timeout=timeout_s, follow_redirects=False, trust_env=False)


def refusal(exc: BaseException) -> str | None:
    """The guard's reason when an httpx error is its refusal, else None (for operators' logs)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (RefusedConnect, OutboundRefused)):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return None
