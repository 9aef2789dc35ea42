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


def address_allowed(address: str, allowed: tuple[Network, ...]) -> bool:
    """Public (globally routable) addresses, or ones inside a network settings allow."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback, however it is written
    if any(ip in net for net in allowed):
        return True
    # is_global is False for private, loopback, link-local (169.254/16, the cloud metadata
    # address), shared (100.64/10), multicast, reserved and unspecified addresses.
    return ip.is_global and not ip.is_multicast


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
