"""The end user's address as the UI vouches for it to the API: signed, short-lived, else ignored."""

import pytest
from django.test import RequestFactory

from taskmanager.config.client_address import (
    CLIENT_ADDRESS_META,
    client_address,
    peer_address,
    sign_client_address,
    verified_client_address,
)

SECRET = "shared-between-the-ui-and-the-api-" + "x" * 16
NOW = 1_800_000_000.0


def request_from(remote_addr: str, header: str | None = None):
    extra = {CLIENT_ADDRESS_META: header} if header is not None else {}
    return RequestFactory().post("/api/v1/auth/token/", REMOTE_ADDR=remote_addr, **extra)


def test_a_signed_address_verifies_with_the_same_secret():
    header = sign_client_address("203.0.113.9", secret=SECRET, now=NOW)

    assert verified_client_address(header, secret=SECRET, now=NOW + 5) == "203.0.113.9"


@pytest.mark.parametrize(
    ("header", "now"),
    [
        (lambda: sign_client_address("203.0.113.9", secret="another-secret-" + "y" * 30, now=NOW), NOW),
        (lambda: sign_client_address("203.0.113.9", secret=SECRET, now=NOW), NOW + 3600),
        (lambda: sign_client_address("203.0.113.9", secret=SECRET, now=NOW), NOW - 3600),
        (
            lambda: sign_client_address("203.0.113.9", secret=SECRET, now=NOW).replace(
                "203.0.113.9", "192.0.2.1"
            ),
            NOW,
        ),
        (lambda: "203.0.113.9", NOW),
        (lambda: "203.0.113.9;1800000000;" + "0" * 64, NOW),
        (lambda: ";;", NOW),
        (lambda: "not an address;1800000000;abc", NOW),
        (lambda: "\x00" * 10, NOW),
    ],
    ids=[
        "other-secret",
        "too-old",
        "from-the-future",
        "address-swapped",
        "bare",
        "bad-mac",
        "empty",
        "junk",
        "nul",
    ],
)
def test_anything_else_is_not_verified(header, now):
    assert verified_client_address(header(), secret=SECRET, now=now) is None


def test_without_a_secret_nothing_is_verified():
    header = sign_client_address("203.0.113.9", secret=SECRET, now=NOW)

    assert verified_client_address(header, secret="", now=NOW) is None


def test_the_client_is_the_verified_forwarded_address_else_the_peer(settings):
    settings.TASKMANAGER_FORWARDING_SECRET = SECRET
    signed = sign_client_address("203.0.113.9", secret=SECRET)

    assert client_address(request_from("10.244.0.17", signed)) == "203.0.113.9"
    assert client_address(request_from("10.244.0.17", "203.0.113.9")) == "10.244.0.17"
    assert client_address(request_from("10.244.0.17")) == "10.244.0.17"


def test_ipv6_clients_are_counted_by_their_64_bit_network(settings):
    """One host usually holds a whole /64, so counting single addresses would let it pick new ones."""
    first = client_address(request_from("2001:db8:1:2:aaaa::1"))
    second = client_address(request_from("2001:db8:1:2:bbbb::2"))
    elsewhere = client_address(request_from("2001:db8:1:3::1"))

    assert first == second == "2001:db8:1:2::/64"
    assert elsewhere != first


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "expected"),
    [
        (0, "192.0.2.50", "10.0.0.9"),  # no proxy trusted: the header proves nothing
        (1, "192.0.2.50", "192.0.2.50"),  # what the one trusted proxy saw
        (1, "198.51.100.1, 192.0.2.50", "192.0.2.50"),  # the client's own entry is ignored
        (2, "198.51.100.1, 192.0.2.50", "198.51.100.1"),
        (2, "192.0.2.50", "10.0.0.9"),  # fewer entries than proxies: not from behind them
        (1, "not-an-address", "10.0.0.9"),
        (1, None, "10.0.0.9"),
    ],
)
def test_behind_trusted_proxies_the_peer_is_what_the_proxies_saw(settings, hops, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.9", **extra)

    assert peer_address(request) == expected
    assert client_address(request) == expected
