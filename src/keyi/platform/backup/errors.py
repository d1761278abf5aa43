"""Why a backup or restore was refused: a code for tests and scripts, a sentence for people."""

from __future__ import annotations


class BackupRefused(Exception):
    """Refused before anything was changed (or, for a restore, after undoing what was)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
