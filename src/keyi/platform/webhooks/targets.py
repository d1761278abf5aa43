"""Which URLs a webhook may be sent to: the server-side request forgery (SSRF) guard.

A webhook URL is chosen by a tenant and fetched by Keyi's own servers, from inside the network
they run in. Left unchecked it would reach what only those servers can reach: the loopback
services, the private network, a cloud's metadata service. So a target must be http(s), carry
no credentials, and every address its host resolves to must be public.

Every address, not the first: a name with one public and one private record would otherwise
pass the check and be connected to the private one. And the addresses checked are the ones
connected to (`keyi.platform.webhooks.send` never resolves the name again), or a name whose
records change between the check and the connection (DNS rebinding) would slip past.

`allow_private` opens loopback, private and other non-public ranges, for on-premise receivers
and tests (`KEYI_WEBHOOK_ALLOW_PRIVATE=1` installation-wide, or a tenant the installation's
administrator allows). It never opens link-local addresses (169.254.0.0/16 and fe80::/10 hold
cloud metadata services, and no webhook receiver lives there), multicast or the unspecified
address (`0.0.0.0` connects to the local host).

The URL is parsed by httpx, the client that sends it, so the host checked is the host the
request goes to (two parsers that disagree about `http://a@b@c/` are a classic way around
such a guard).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass

import httpx

from keyi.platform.errors import FieldError, ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
# An ASCII host name after IDNA encoding (httpx does that); percent signs, spaces and the
# like in a host are refused as a malformed URL instead of being handed to the resolver.
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?")
# IPv6 prefixes that carry an IPv4 address which is what is finally reached.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class Target:
    """A checked webhook URL and the addresses it may be connected to."""

    url: httpx.URL
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    addresses: tuple[IPAddress, ...]  # every address the host resolved to, each allowed

    @property
    def host_is_ip(self) -> bool:
        return _ip_literal(self.host) is not None


def _refuse(code: str, **params: object) -> ValidationFailed:
    return ValidationFailed([FieldError("url", code, dict(params))])


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _never_allowed(address: IPAddress) -> bool:
    return address.is_unspecified or address.is_multicast or address.is_link_local


def _public(address: IPAddress) -> bool:
    # is_global leaves out private, loopback, reserved, shared (CGNAT 100.64.0.0/10),
    # documentation and benchmarking ranges; multicast is listed as global, so it is checked
    # on its own (and is refused anyway by _never_allowed).
    return address.is_global and not address.is_multicast


def address_allowed(address: IPAddress, *, allow_private: bool) -> bool:
    """Whether a webhook may connect to this address, looking through IPv6 forms of IPv4."""
    candidates: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            # A mapped address is its IPv4 address; 6to4 and NAT64 are judged as both.
            candidates = [embedded] if address.ipv4_mapped is not None else [address, embedded]
    if any(_never_allowed(candidate) for candidate in candidates):
        return False
    return allow_private or all(_public(candidate) for candidate in candidates)


def resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    """Every address of a host, in the resolver's order, without duplicates.

    An IP literal is its own address. Raises OSError when the name does not resolve.
    """
    literal = _ip_literal(host)
    if literal is not None:
        return (literal,)
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    ):
        # An IPv6 scope id ("fe80::1%eth0") is dropped: such addresses are refused anyway.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise OSError(f"no address for {host}")
    return tuple(found)


def parse_url(url: str) -> tuple[httpx.URL, str, int]:
    """The URL's form alone (no DNS): http(s), a host, no credentials. Returns the parsed URL,
    its ASCII host and its port, or raises ValidationFailed on the field `url`."""
    if not isinstance(url, str) or not url.strip():
        raise ValidationFailed([FieldError("url", "required")])
    if len(url) > MAX_URL_LENGTH:
        raise _refuse("too_long", max=MAX_URL_LENGTH)
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, UnicodeError):
        raise _refuse("invalid_url") from None
    if parsed.scheme not in DEFAULT_PORTS:
        raise _refuse("url_scheme")
    if parsed.userinfo:
        raise _refuse("url_credentials")
    host = parsed.raw_host.decode("ascii").lower()
    if not host:
        raise _refuse("url_host")
    if _ip_literal(host) is None and not _HOST_NAME.fullmatch(host):
        raise _refuse("invalid_url")
    port = DEFAULT_PORTS[parsed.scheme] if parsed.port is None else parsed.port
    if not 0 < port < 65536:
        raise _refuse("invalid_url")
    return parsed.copy_with(fragment=None), host, port


def check_url(url: str, *, allow_private: bool) -> Target:
    """Check a webhook URL and resolve its host once; raise ValidationFailed on `url` with
    code `url_scheme`, `url_credentials`, `url_host`, `invalid_url`, `too_long`,
    `url_unresolvable` or `url_private_address`.

    The refusal does not say which address was private: telling a tenant what an internal
    name resolves to would map the internal network for them.
    """
    parsed, host, port = parse_url(url)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise _refuse("url_unresolvable", host=host) from None
    if not all(address_allowed(address, allow_private=allow_private) for address in addresses):
        raise _refuse("url_private_address", host=host)
    return Target(url=parsed, host=host, port=port, addresses=addresses)
