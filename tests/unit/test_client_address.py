"""Which address a request is counted against: X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from keyi.api.ratelimit import client_address, parse_networks


def _request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


TRUSTED = parse_networks(["127.0.0.1", "10.0.0.0/8", "::1"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "trust", "expected"),
    [
        # Nothing trusted: the header is ignored, whoever sends it (a local client too).
        ("127.0.0.1", ("203.0.113.9",), False, "127.0.0.1"),
        ("198.51.100.7", ("203.0.113.9",), False, "198.51.100.7"),
        # Trusted proxies listed, but this peer is not one of them.
        ("198.51.100.7", ("203.0.113.9",), True, "198.51.100.7"),
        # From a trusted proxy: the right-most address that is not a proxy.
        ("10.1.2.3", ("6.6.6.6, 203.0.113.9",), True, "203.0.113.9"),
        ("10.1.2.3", ("6.6.6.6, 203.0.113.9, 10.4.4.4",), True, "203.0.113.9"),
        ("10.1.2.3", ("6.6.6.6", "203.0.113.9"), True, "203.0.113.9"),  # several header lines
        ("::1", ("2001:db8::5",), True, "2001:db8::5"),
        # Garbage where the client's address should be: count the proxy, not the garbage.
        ("10.1.2.3", ("203.0.113.9, not-an-ip",), True, "10.1.2.3"),
        # No header, or only proxies in it.
        ("10.1.2.3", (), True, "10.1.2.3"),
        ("10.1.2.3", ("10.9.9.9",), True, "10.9.9.9"),
    ],
)
def test_client_address(peer: str, forwarded: tuple[str, ...], trust: bool, expected: str) -> None:
    assert client_address(_request(peer, *forwarded), TRUSTED if trust else ()) == expected


def test_bad_trusted_proxy_entry_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="KEYI_TRUSTED_PROXIES"):
        parse_networks(["10.0.0.0/8", "proxy.local"])
