"""The client's address, as far as the deployment's own proxies vouch for it.

Each proxy appends the address it received a request from to X-Forwarded-For, so behind
TRUSTED_PROXY_COUNT proxies the client is the entry that many places from the right: everything
further left was written by the client, or by proxies we do not run, and proves nothing. With no
proxy (0, the default) the client is the socket's peer, REMOTE_ADDR. Every per-address limit and
every recorded signer IP reads it here.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's IP address, or None when it cannot be told."""
    peer = _ip(request.META.get("REMOTE_ADDR") or "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops == 0:
        return peer
    forwarded = [entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(forwarded) < hops:
        # Fewer entries than proxies: the request did not come through all of them (or a proxy
        # does not append), so nothing in the header is vouched for.
        return peer
    # A malformed entry written by one of our proxies is a misconfiguration; the peer at least
    # is real.
    return _ip(forwarded[-hops]) or peer
