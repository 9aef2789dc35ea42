"""Which addresses webhooks may reach: public ones, and private ones only where allowed."""

from __future__ import annotations

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


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert sender.address_allowed(address, ())


def test_allowed_networks_open_only_themselves():
    assert sender.address_allowed("127.0.0.1", LOOPBACK)
    assert sender.address_allowed("::ffff:127.0.0.1", LOOPBACK)
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
