"""Which addresses webhooks may reach: public ones, and private ones only where allowed."""

from __future__ import annotations

import ipaddress

import pytest

from registry.webhooks import sender

LOOPBACK = sender.parse_networks(["127.0.0.0/8", "::1/128"])


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.10",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(address):
    assert not sender.address_allowed(address, ())


@pytest.mark.parametrize(
    ("address", "why"),
    [
        # IPv6 addresses that carry an IPv4 address reach it: judged by it.
        ("::127.0.0.1", "IPv4-compatible (deprecated), loopback"),
        ("::10.0.0.1", "IPv4-compatible, private"),
        ("::ffff:7f00:1", "IPv4-mapped, loopback, written in hex"),
        ("::ffff:169.254.169.254", "IPv4-mapped, cloud metadata"),
        ("::ffff:0:7f00:1", "IPv4-translated (SIIT), loopback"),
        ("::ffff:0:a00:1", "IPv4-translated, private"),
        ("64:ff9b::7f00:1", "NAT64 well-known prefix, loopback"),
        ("64:ff9b::a9fe:a9fe", "NAT64, cloud metadata"),
        ("64:ff9b::c0a8:101", "NAT64, private"),
        ("2002:7f00:1::", "6to4, loopback"),
        ("2002:a00:1::1", "6to4, private"),
        ("2002:a9fe:a9fe::", "6to4, cloud metadata"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo, client 127.0.0.1"),
        ("2001:0:5ef5:79fd:0:59d:a0e5:ba1", "Teredo, public server and client: the prefix is refused"),
        ("64:ff9b:1::7f00:1", "local-use NAT64 (RFC 8215), not globally reachable"),
        ("64:ff9b:1:808:8:800::", "local-use NAT64 whatever it carries"),
        # Reserved, unspecified, multicast and documentation ranges, in both families.
        ("::", "unspecified"),
        ("0.1.2.3", "this network"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast, link scope"),
        ("ff0e::1", "multicast, global scope"),
        ("192.0.0.8", "IETF protocol assignments"),
        ("192.88.99.1", "6to4 relay anycast, deprecated"),
        ("198.18.0.1", "benchmarking"),
        ("192.0.2.1", "documentation"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation (RFC 9637)"),
        ("100::1", "discard-only"),
        ("2001:2::1", "benchmarking"),
        ("5f00::1", "segment routing"),
        ("fec0::1", "site-local, deprecated"),
        ("fd12:3456::1", "unique local"),
    ],
)
def test_embedded_ipv4_and_reserved_ranges_are_refused(address, why):
    assert not sender.address_allowed(address, ()), why


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "2606:4700:4700::1111",
        # The same ways of writing an IPv4 address, carrying a public one.
        "::ffff:8.8.8.8",
        "::ffff:0:808:808",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ],
)
def test_public_addresses_are_allowed(address):
    assert sender.address_allowed(address, ())


@pytest.mark.parametrize(
    ("address", "carried"),
    [
        ("::ffff:127.0.0.1", ["127.0.0.1"]),
        ("::ffff:0:7f00:1", ["127.0.0.1"]),
        ("::127.0.0.1", ["127.0.0.1"]),
        ("64:ff9b::7f00:1", ["127.0.0.1"]),
        ("2002:7f00:1::", ["127.0.0.1"]),
        # Teredo: the server, then the client (stored inverted).
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", ["65.54.227.120", "127.0.0.1"]),
        ("2606:4700:4700::1111", []),
        ("127.0.0.1", []),
    ],
)
def test_embedded_ipv4_extracts_what_an_address_carries(address, carried):
    assert [str(v4) for v4 in sender.embedded_ipv4(ipaddress.ip_address(address))] == carried


def test_allowed_networks_open_only_themselves():
    assert sender.address_allowed("127.0.0.1", LOOPBACK)
    assert sender.address_allowed("::ffff:127.0.0.1", LOOPBACK)
    assert sender.address_allowed("64:ff9b::7f00:1", LOOPBACK)
    assert not sender.address_allowed("64:ff9b::a00:1", LOOPBACK)
    assert not sender.address_allowed("10.0.0.1", LOOPBACK)


def test_a_host_name_is_refused_when_any_address_it_resolves_to_is_private():
    with pytest.raises(sender.AddressRefused, match="private or reserved"):
        sender.resolve_checked("localhost", 80, ())
    assert sender.resolve_checked("localhost", 80, LOOPBACK)


def test_post_refuses_without_connecting_and_says_why():
    result = sender.post("http://127.0.0.1:9/x", b"{}", {}, timeout=1, allowed=())
    assert result.status_code is None
    assert result.error.startswith("refused: ")
    assert not result.succeeded
