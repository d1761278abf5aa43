"""How Keyi talks to mail servers safely: the transport security of a connection, and which
addresses a tenant's mailbox may reach.

Security is one of three modes, for IMAP (per mailbox) and SMTP (the installation's relay):
``none`` (plain text: a server on the local network), ``starttls`` (connect in plain text, then
upgrade with STARTTLS before signing in: IMAP's 143, SMTP's 587) and ``ssl`` (TLS from the first
byte: IMAP's 993, SMTP's 465). In both TLS modes the server's certificate and host name are
verified against the system's CAs plus, if the installation names one, its own CA file
(``KEYI_MAIL_CA_FILE``: an on-premise server with an internal CA, or the test suite's CA).
Verification is never switched off; a server the context cannot verify is an error. A
``starttls`` server that does not offer STARTTLS is an error too, never a silent fall back to
plain text, since that is exactly what an attacker in the middle would arrange.

A mailbox's host is chosen by a tenant's administrator and connected to from inside the
network Keyi runs in, like a webhook URL: left unchecked, "test connection" would tell a tenant
which internal hosts and ports answer. So every address the host resolves to must be public
(keyi.platform.webhooks.targets' rules: loopback and private ranges only when the installation
allows them, ``KEYI_MAIL_ALLOW_PRIVATE=1``; link-local, where cloud metadata services live,
multicast and the unspecified address never), and the connection goes to the address checked,
not to the name resolved again (DNS rebinding). The installation's own SMTP relay is the
operator's choice and is not checked.
"""

from __future__ import annotations

import ssl
from typing import Literal

from keyi.platform.webhooks.targets import IPAddress, address_allowed, resolve

__all__ = ["SECURITY_MODES", "AddressRefused", "Security", "checked_address", "tls_context"]

Security = Literal["none", "starttls", "ssl"]
SECURITY_MODES: tuple[Security, ...] = ("none", "starttls", "ssl")


class AddressRefused(Exception):
    """The host resolves to an address a tenant's mailbox may not reach (which one is not
    said: naming what an internal name resolves to would map the network for the tenant)."""


def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """A verifying client context: the system's CAs, and ``ca_file``'s as well if given."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def checked_address(host: str, port: int, *, allow_private: bool) -> IPAddress:
    """The address to connect to for ``host``: every address it resolves to must be allowed
    (raises AddressRefused), and the first is the one connected to. Raises OSError when the
    name does not resolve."""
    addresses = resolve(host, port)
    if not all(address_allowed(a, allow_private=allow_private) for a in addresses):
        raise AddressRefused(host)
    return addresses[0]
