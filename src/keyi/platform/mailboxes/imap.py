"""Read a mailbox over IMAP (stdlib imaplib): the raw messages after a UID, then mark them seen.

UIDs, not the \\Seen flag, say what is new: a person reading the mailbox in a mail program
marks mails seen without Keyi having read them, and a mail Keyi read but failed to store is
read again because the mailbox's last UID did not advance.

The connection is secured as the mailbox says (none, STARTTLS or TLS from the start, the
certificate always verified) and goes only to an address the installation allows
(keyi.platform.mailboxes.security).
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from keyi.platform.mailboxes.security import (
    AddressRefused,
    IPAddress,
    Security,
    checked_address,
    tls_context,
)

__all__ = ["FetchedMail", "ImapError", "ImapSettings", "connect", "fetch_after", "mark_seen"]

TIMEOUT_SECONDS = 20
MAX_PER_POLL = 200
"""A mailbox with a backlog is read this many mails a round; the next round goes on."""


class ImapError(Exception):
    """The server could not be reached, refused the sign-in or the folder (a short reason,
    never the password)."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: Security
    username: str
    password: str
    folder: str
    # The installation's: its CA file for mail servers, and whether private addresses are open.
    ca_file: str | None = None
    allow_private: bool = False

    def __repr__(self) -> str:  # the password stays out of logs and tracebacks
        return f"ImapSettings(host={self.host!r}, port={self.port}, username={self.username!r})"


@dataclass(frozen=True)
class FetchedMail:
    uid: int
    raw: bytes


class _Pinned(imaplib.IMAP4):
    """IMAP to the address that was checked, under the host's name (for TLS and STARTTLS)."""

    def __init__(self, host: str, port: int, *, address: IPAddress, timeout: float) -> None:
        self._address = address
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((str(self._address), self.port), timeout)


class _PinnedSSL(imaplib.IMAP4_SSL):
    """IMAP over TLS from the start to the checked address; the certificate must name the
    host."""

    def __init__(
        self, host: str, port: int, *, address: IPAddress, context: ssl.SSLContext, timeout: float
    ) -> None:
        self._address = address
        super().__init__(host, port, ssl_context=context, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> Any:
        sock = socket.create_connection((str(self._address), self.port), timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


def _open(settings: ImapSettings) -> imaplib.IMAP4:
    """A connection secured as the settings say, not signed in yet."""
    try:
        address = checked_address(
            settings.host, settings.port, allow_private=settings.allow_private
        )
    except AddressRefused:
        raise ImapError("address not allowed") from None
    except (OSError, UnicodeError):
        raise ImapError("host not found") from None
    try:
        if settings.security == "ssl":
            return _PinnedSSL(
                settings.host,
                settings.port,
                address=address,
                context=tls_context(settings.ca_file),
                timeout=TIMEOUT_SECONDS,
            )
        client = _Pinned(settings.host, settings.port, address=address, timeout=TIMEOUT_SECONDS)
    except ssl.SSLCertVerificationError:
        raise ImapError("certificate not trusted") from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"cannot connect: {type(exc).__name__}") from None
    if settings.security == "starttls":
        try:
            # Refuses (IMAP4.error) when the server does not offer STARTTLS: never plain text.
            client.starttls(ssl_context=tls_context(settings.ca_file))
        except ssl.SSLCertVerificationError:
            _close(client)
            raise ImapError("certificate not trusted") from None
        except (OSError, imaplib.IMAP4.error):
            _close(client)
            raise ImapError("STARTTLS failed") from None
    return client


def _close(client: imaplib.IMAP4) -> None:
    with suppress(OSError, imaplib.IMAP4.error):
        client.shutdown()


@contextmanager
def connect(settings: ImapSettings) -> Iterator[tuple[imaplib.IMAP4, int]]:
    """A signed-in connection with the folder selected, and the folder's UIDVALIDITY."""
    client = _open(settings)
    try:
        try:
            client.login(settings.username, settings.password)
        except imaplib.IMAP4.error:
            raise ImapError("sign-in refused") from None
        status, _ = client.select(_quote(settings.folder))
        if status != "OK":
            raise ImapError("folder not found")
        validity = _uid_validity(client)
        yield client, validity
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"connection failed: {type(exc).__name__}") from None
    finally:
        with suppress(OSError, imaplib.IMAP4.error):
            client.logout()


def fetch_after(client: imaplib.IMAP4, last_uid: int, *, limit: int = MAX_PER_POLL) -> list[int]:
    """The UIDs after ``last_uid``, oldest first, at most ``limit``."""
    status, data = client.uid("SEARCH", "UID", f"{last_uid + 1}:*")
    if status != "OK":
        raise ImapError("search failed")
    uids = sorted(int(u) for u in (data[0] or b"").split())
    # "N:*" always matches the last message, even when its UID is below N.
    return [u for u in uids if u > last_uid][:limit]


def fetch_one(client: imaplib.IMAP4, uid: int) -> bytes | None:
    """The raw bytes of one message (without setting \\Seen), None if it is gone."""
    status, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if status != "OK":
        return None
    for part in data:
        if isinstance(part, tuple) and len(part) == 2:
            return bytes(part[1])
    return None


def mark_seen(client: imaplib.IMAP4, uids: list[int]) -> None:
    if uids:
        client.uid("STORE", ",".join(str(u) for u in uids), "+FLAGS", "(\\Seen)")


def _uid_validity(client: imaplib.IMAP4) -> int:
    _, data = client.response("UIDVALIDITY")
    for value in data or ():
        if value:
            return int(value)
    return 0


_ATOM = re.compile(r"^[A-Za-z0-9._/-]+$")


def _quote(folder: str) -> str:
    """A folder name as an IMAP string (quoted unless a plain atom)."""
    if _ATOM.match(folder):
        return folder
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
