"""Outbound HTTP for webhooks: refuse private addresses, then POST to the address checked.

The host is resolved once, every address it resolves to is checked, and the connection goes
to a checked address (TLS still verifies the host name), so a DNS answer that changes between
the check and the connect (rebinding) cannot reach an internal service. Redirects are not
followed: a 3xx is a failed attempt. No ORM here.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = "PerformerConsentRegistry-Webhooks/1.0"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressRefused(Exception):
    """The URL's host is (or resolves to) an address webhooks may not reach."""


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    latency_ms: int
    error: str = ""
    response_excerpt: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


# Never reachable by a webhook, whatever Python's own table says (it changes between releases:
# 3.11 calls 64:ff9b:1::/48, fec0::/10 and 192.88.99.0/24 global). From IANA's special-purpose
# address registries, plus deprecated and documentation ranges.
_NOT_PUBLIC: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, the cloud metadata address among them
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",
        "192.88.99.0/24",  # the deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/128",
        "::1/128",
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215): where its IPv4 sits is the operator's choice
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, Teredo among them
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local, deprecated
        "ff00::/8",  # multicast
    )
)

_MAPPED = ipaddress.ip_network("::ffff:0:0/96")  # ::ffff:127.0.0.1
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT, ::ffff:0:127.0.0.1
_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible, ::127.0.0.1
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix
_LOW_32_BITS = (_MAPPED, _TRANSLATED, _COMPATIBLE, _NAT64)


def embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries, which is what a connection to it reaches
    through a translator, tunnel or dual stack; () for any other address."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ()
    if any(ip in prefix for prefix in _LOW_32_BITS):
        return (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF),)
    if ip.sixtofour is not None:  # 2002::/16
        return (ip.sixtofour,)
    if ip.teredo is not None:  # 2001::/32: the server, and the client (de-obfuscated)
        return ip.teredo
    return ()


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # is_global is False for private, loopback, link-local, shared, reserved and unspecified
    # addresses; multicast can be "global" and is refused all the same.
    return ip.is_global and not ip.is_multicast and not any(ip in net for net in _NOT_PUBLIC)


def address_allowed(address: str, allowed: tuple[Network, ...]) -> bool:
    """Public (globally routable) addresses, or ones inside a network settings allow. An IPv6
    address that carries an IPv4 address is judged by that address (each, for Teredo), so a
    loopback or private address cannot be reached by writing it the IPv6 way."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])

    def permitted(candidate) -> bool:
        return any(candidate in net for net in allowed) or _public(candidate)

    if any(ip in net for net in allowed):
        return True
    embedded = embedded_ipv4(ip)
    if not all(permitted(v4) for v4 in embedded):
        return False
    if embedded and not any(ip in net for net in _NOT_PUBLIC):
        return True  # mapped, NAT64, 6to4: only a way to the IPv4 address just checked
    return _public(ip)  # Teredo's prefix is refused whatever it carries


def resolve_checked(host: str, port: int, allowed: tuple[Network, ...]) -> list[str]:
    """Every address `host` resolves to, or AddressRefused if any of them is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"the host {host!r} does not resolve") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    refused = [a for a in addresses if not address_allowed(a, allowed)]
    if refused or not addresses:
        raise AddressRefused(f"the host {host!r} resolves to a private or reserved address ({', '.join(refused)})")
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # Certificate and SNI are for the host name, not the address connected to.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    allowed: tuple[Network, ...],
) -> SendResult:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return SendResult(None, 0, error="not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve_checked(parts.hostname, port, allowed)[0]
    except AddressRefused as exc:
        return SendResult(None, elapsed(), error=f"refused: {exc}")
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address, timeout)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
        )
        response = connection.getresponse()
        excerpt = response.read(1000).decode("utf-8", "replace")
        return SendResult(response.status, elapsed(), response_excerpt=excerpt)
    except (OSError, http.client.HTTPException) as exc:
        return SendResult(None, elapsed(), error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()
