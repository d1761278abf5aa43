"""Tenant backup and restore: a portable archive that restores on SQLite or PostgreSQL.

`backup_tenant` (keyi.platform.backup.dump) and `restore_tenant` (keyi.platform.backup.load);
the archive format in keyi.platform.backup.archive, values in .codec, secrets in .secrets,
control-database rows in .control_rows. User documentation: docs/backup.md.
"""

from keyi.platform.backup.archive import FORMAT_VERSION, ArchiveReader, Manifest
from keyi.platform.backup.dump import BackupReport, backup_tenant
from keyi.platform.backup.errors import BackupRefused
from keyi.platform.backup.load import RestoreReport, restore_tenant

__all__ = [
    "FORMAT_VERSION",
    "ArchiveReader",
    "BackupRefused",
    "BackupReport",
    "Manifest",
    "RestoreReport",
    "backup_tenant",
    "restore_tenant",
]
