"""Secrets at rest: encrypted with the installation's key, never stored in plain text.

What Keyi must keep but can only use in the clear — a single sign-on provider's client secret —
is stored as a Fernet token (AES-128-CBC with an HMAC-SHA256, from the `cryptography`
package) under the installation's key:

- ``KEYI_SECRET_KEY`` when set: any long random string (``openssl rand -base64 32``); the
  Fernet key is derived from it. Set it when several servers share one PostgreSQL database,
  or when the data directory is not backed up with the database.
- otherwise a key file, ``<KEYI_DATA_DIR>/secret.key``, generated on first need with
  permissions 0600 and read on every start after.

A database copy alone therefore does not reveal the secrets; the key must come with it. Values
stored before encryption was introduced (plain text, without the ``PREFIX``) still read as
they are and are encrypted by `Platform.init_control` at the next start, or when saved again.
Nothing here logs a secret or a key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "fernet:"
KEY_FILE = "secret.key"
log = logging.getLogger(__name__)


class SecretUnreadable(Exception):
    """A stored secret that the current key cannot decrypt (the key changed or was lost)."""


class SecretBox:
    """Encrypts and decrypts the installation's stored secrets with one key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        # Signatures use their own key derived from the installation's, never the Fernet key.
        self._mac_root = hashlib.sha256(b"keyi-mac\x00" + key).digest()

    def __repr__(self) -> str:  # the key stays out of logs and tracebacks
        return "SecretBox()"

    @classmethod
    def from_passphrase(cls, passphrase: str) -> SecretBox:
        """The box for ``KEYI_SECRET_KEY``: whatever its form, SHA-256 of it is the key."""
        digest = hashlib.sha256(b"keyi-secret-key\x00" + passphrase.encode()).digest()
        return cls(base64.urlsafe_b64encode(digest))

    @classmethod
    def from_key_file(cls, data_dir: Path) -> SecretBox:
        """The box for the key file in ``data_dir``, created once if there is none."""
        return cls(load_or_create_key(Path(data_dir) / KEY_FILE))

    def mac(self, purpose: str, data: bytes) -> bytes:
        """HMAC-SHA256 of ``data`` under a key derived for ``purpose`` (e.g. "survey"), so a
        token signed for one purpose never verifies for another. Compare with
        ``hmac.compare_digest``."""
        key = hmac.new(self._mac_root, purpose.encode(), hashlib.sha256).digest()
        return hmac.new(key, data, hashlib.sha256).digest()

    def encrypt(self, plaintext: str) -> str:
        return PREFIX + self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, stored: str) -> str:
        """The plaintext of a stored value; a value from before encryption is returned as is."""
        if not is_encrypted(stored):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
        except (InvalidToken, UnicodeError, ValueError):
            raise SecretUnreadable() from None


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def load_or_create_key(path: Path) -> bytes:
    """The Fernet key in ``path``; generated with mode 0600 if the file does not exist.

    The new key is written to a private temporary file and linked into place, so two processes
    starting at once agree on one key (the second link fails and that process reads the file).
    """
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key() + b"\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
            log.info("generated the secret key file %s", path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError:
        raise ValueError(f"{path} does not hold a valid key") from None
    if os.name == "posix" and path.stat().st_mode & 0o077:
        log.warning("the secret key file %s is readable by others; chmod 600 it", path)
    return key
