"""Which address is the client's: the socket's peer with no proxy, else the X-Forwarded-For entry
as many places from the right as there are proxies of ours in front."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from registry.core.addresses import client_address

PROXY = "10.0.0.5"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "peer", "expected"),
    [
        # No proxy: the header is the client's own words, never read.
        (0, None, "203.0.113.7", "203.0.113.7"),
        (0, "198.51.100.1", "203.0.113.7", "203.0.113.7"),
        # One proxy: it appended the address it saw; what the client sent ahead of it is ignored.
        (1, "203.0.113.7", PROXY, "203.0.113.7"),
        (1, "1.2.3.4, 203.0.113.7", PROXY, "203.0.113.7"),
        (1, " 1.2.3.4 ,203.0.113.7 ", PROXY, "203.0.113.7"),
        # Two proxies: the outer one wrote the client, the inner one the outer.
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.9", PROXY, "203.0.113.7"),
        (2, "203.0.113.7, 10.0.0.9", PROXY, "203.0.113.7"),
        # IPv6, written the canonical way.
        (1, "2001:DB8::0:1", PROXY, "2001:db8::1"),
        # Fewer entries than proxies: not through all of them, so only the peer is vouched for.
        (2, "203.0.113.7", PROXY, PROXY),
        (1, None, PROXY, PROXY),
        (1, "", PROXY, PROXY),
        (1, " , ", PROXY, PROXY),
        # Not an address where our proxy writes one: the peer, never the garbage.
        (1, "1.2.3.4, unknown", PROXY, PROXY),
        (1, "203.0.113.7:4711", PROXY, PROXY),
        # No usable peer either.
        (0, None, "", None),
        (0, None, "not-an-address", None),
    ],
)
def test_client_address(settings, proxies, forwarded, peer, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded

    assert client_address(RequestFactory().get("/", **meta)) == expected
