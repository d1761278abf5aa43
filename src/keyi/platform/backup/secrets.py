"""Secrets in an archive (SSO client secrets, mailbox passwords, webhook and SMS keys…).

They are stored encrypted with the installation's key (keyi.platform.crypto), which is not in
the database and so not in the archive. Two ways to carry them:

- without a passphrase, values stay encrypted with the source installation's key; the manifest
  keeps a fingerprint of that key (an HMAC, not the key), and a restore on an installation
  with another key is refused before anything changes, naming the two ways out;
- with ``--passphrase`` (or ``KEYI_BACKUP_PASSPHRASE``) at backup, every secret is decrypted and
  re-encrypted with a key derived from the passphrase (scrypt, random salt in the manifest);
  the restore asks for the same passphrase and encrypts them with the target's key.

A value counts as a secret when it carries the ``fernet:`` prefix in a string column of a
system table or the control database; record data is never touched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as pysecrets
from typing import Any

from keyi.platform.backup.errors import BackupRefused
from keyi.platform.crypto import SecretBox, SecretUnreadable, is_encrypted

CHECK_TEXT = "keyi-backup-passphrase-check"


def key_fingerprint(box: SecretBox) -> str:
    return box.mac("backup-key-fingerprint", b"keyi").hex()


def _passphrase_box(passphrase: str, salt: bytes) -> SecretBox:
    key = hashlib.scrypt(passphrase.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return SecretBox(base64.urlsafe_b64encode(key))


class SecretsOut:
    """Backup side: leaves secrets as they are, or moves them under the passphrase's key."""

    def __init__(self, installation: SecretBox, passphrase: str | None) -> None:
        self._installation = installation
        self.count = 0
        self._salt = pysecrets.token_bytes(16)
        self._archive = _passphrase_box(passphrase, self._salt) if passphrase else None

    def convert(self, value: str) -> str:
        if not is_encrypted(value):
            return value
        self.count += 1
        if self._archive is None:
            return value
        try:
            plain = self._installation.decrypt(value)
        except SecretUnreadable:
            raise BackupRefused(
                "secret_unreadable",
                "a stored secret cannot be decrypted with this installation's key "
                "(KEYI_SECRET_KEY or secret.key changed?)",
            ) from None
        return self._archive.encrypt(plain)

    def manifest(self) -> dict[str, Any]:
        if self._archive is None:
            return {
                "mode": "installation-key",
                "count": self.count,
                "key_fingerprint": key_fingerprint(self._installation),
            }
        return {
            "mode": "passphrase",
            "count": self.count,
            "salt": base64.b64encode(self._salt).decode("ascii"),
            "check": self._archive.encrypt(CHECK_TEXT),
        }


class SecretsIn:
    """Restore side: checked before anything changes, then converts each secret."""

    def __init__(self, info: dict[str, Any], target: SecretBox, passphrase: str | None) -> None:
        self._target = target
        self._archive: SecretBox | None = None
        mode = info.get("mode")
        count = int(info.get("count", 0))
        if mode == "passphrase":
            if not passphrase:
                raise BackupRefused(
                    "passphrase_required",
                    "this archive's secrets are protected by a passphrase: give --passphrase "
                    "(or KEYI_BACKUP_PASSPHRASE)",
                )
            box = _passphrase_box(passphrase, base64.b64decode(info["salt"]))
            try:
                ok = box.decrypt(str(info["check"])) == CHECK_TEXT
            except SecretUnreadable:
                ok = False
            if not ok:
                raise BackupRefused("passphrase_wrong", "the passphrase does not open this archive")
            self._archive = box
        elif mode == "installation-key":
            same = hmac.compare_digest(str(info.get("key_fingerprint")), key_fingerprint(target))
            if count and not same:
                raise BackupRefused(
                    "secret_key_differs",
                    f"the archive holds {count} secret(s) encrypted with the source "
                    "installation's key, and this installation has another: restore with the "
                    "source's KEYI_SECRET_KEY (or its secret.key in --data-dir), or make the "
                    "backup again with --passphrase",
                )
        else:
            raise BackupRefused("archive_corrupt", "the manifest does not say how secrets are kept")

    def convert(self, value: str) -> str:
        if self._archive is None or not is_encrypted(value):
            return value
        try:
            return self._target.encrypt(self._archive.decrypt(value))
        except SecretUnreadable:
            raise BackupRefused(
                "archive_corrupt", "a secret in the archive is unreadable"
            ) from None
