"""Rate limits at the HTTP edge: who the client is, and how often it may try.

The client is the TCP peer. X-Forwarded-For is believed only when the peer is one of the
reverse proxies the operator listed (KEYI_TRUSTED_PROXIES); then the client is the right-most
address in the header that is not itself a trusted proxy (left-most entries are whatever the
client chose to send). Without that list the header is ignored, so nobody picks their own
address to escape the limit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from fastapi import Request

from keyi.platform.errors import TooManyAttempts
from keyi.platform.ratelimits import RateStore, hashed_key

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR networks; a bad entry is a configuration error at start."""
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)
    except ValueError as exc:
        raise ValueError(f"KEYI_TRUSTED_PROXIES: {exc}") from None


def _in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request, trusted: tuple[Network, ...]) -> str:
    """The address to count a request against (see the module docstring)."""
    peer = request.client.host if request.client else "unknown"
    if not trusted or not _in(peer, trusted):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _in(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the client side of the proxy: count the proxy
    return hops[0] if hops else peer


class LoginRateLimiter:
    """At most `limit` attempts per key per window, counted in a store every process shares.

    Per-identity lock-out (in the control database) stops password guessing on one account;
    this stops one address from spraying many accounts, and one mailbox from being flooded
    with reset links.
    """

    def __init__(
        self,
        store: RateStore,
        limit: int = 20,
        window: int = 60,
        trusted_proxies: tuple[Network, ...] = (),
    ) -> None:
        self.store = store
        self.limit = limit
        self.window = window
        self.trusted_proxies = trusted_proxies

    def check(
        self,
        address: str,
        *,
        kind: str = "login",
        limit: int | None = None,
        window: int | None = None,
    ) -> None:
        """Count one attempt; 429 once the window's count passes the limit."""
        hits = self.store.hit(hashed_key(kind, address), window or self.window)
        if hits > (self.limit if limit is None else limit):
            raise TooManyAttempts()

    def check_request(self, request: Request, *, kind: str = "login") -> None:
        """Count one attempt from the request's client address."""
        self.check(client_address(request, self.trusted_proxies), kind=kind)
