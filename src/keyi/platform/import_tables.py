"""The import tables of a tenant (revision 0020): runs, their errors and written records,
uploaded files, saved column mappings.

Tables, not records: an import of a million rows writes a million item rows (what undo needs)
and a report row per failed row; history, search and flows on each would cost more than the
import. They live in the tenant's namespace, so a run, its records and its undo information
commit together and go with the tenant's backup.

- ``keyi_import_run``: one import (or dry run) with its options, status and counts;
- ``keyi_import_item``: each record a run created or updated, with the values it had before
  and the version the import left it at (undo restores only records nobody changed since);
- ``keyi_import_error``: the failed rows (original cells and errors) for the error report;
- ``keyi_import_upload`` / ``keyi_import_upload_part``: a file uploaded through the API, in
  1 MB parts, so any worker process can read it (the CLI reads its file from disk instead);
- ``keyi_import_mapping``: column mappings saved per object by name for reuse.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = [
    "error_table",
    "item_table",
    "mapping_table",
    "run_table",
    "upload_part_table",
    "upload_table",
]

_UUID = sa.Uuid(as_uuid=False)


def run_columns() -> list[Any]:
    """The columns of keyi_import_run (also used by revision 0020)."""
    return [
        sa.Column("id", _UUID, primary_key=True),
        sa.Column("object", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("upload_id", _UUID, nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),  # insert, update, upsert
        sa.Column("key_field", sa.String(64), nullable=True),
        sa.Column("all_or_nothing", sa.Boolean, nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        # mapping (header → field), sheet, saved mapping name
        sa.Column("options", sa.JSON, nullable=False),
        # queued, running, done, failed, cancelled, undone
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("encoding", sa.String(32), nullable=True),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("processed", sa.Integer, nullable=False),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        # A refusal of the whole file: {"code": ..., "params": {...}}
        sa.Column("file_error", sa.JSON, nullable=True),
        sa.Column("preview", sa.JSON, nullable=True),  # a dry run's first rows as stored
        sa.Column("undo_report", sa.JSON, nullable=True),
        sa.Column("created_by", _UUID, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("undone_at", sa.DateTime, nullable=True),
    ]


def item_columns() -> list[Any]:
    """The columns of keyi_import_item (also used by revision 0020)."""
    return [
        sa.Column("run_id", _UUID, primary_key=True),
        sa.Column("record_id", _UUID, primary_key=True),
        sa.Column("action", sa.String(8), nullable=False),  # created, updated
        sa.Column("before", sa.JSON, nullable=True),  # changed fields' old values (updates)
        sa.Column("version", sa.Integer, nullable=False),  # the version the import left
    ]


def error_columns() -> list[Any]:
    """The columns of keyi_import_error (also used by revision 0020)."""
    return [
        sa.Column("run_id", _UUID, primary_key=True),
        sa.Column("row_no", sa.Integer, primary_key=True),  # the row's number in the file
        sa.Column("cells", sa.JSON, nullable=False),  # the original row, as text
        sa.Column("errors", sa.JSON, nullable=False),  # [{"field", "code", "message"}]
    ]


def upload_columns() -> list[Any]:
    """The columns of keyi_import_upload (also used by revision 0020)."""
    return [
        sa.Column("id", _UUID, primary_key=True),
        sa.Column("object", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_by", _UUID, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    ]


def upload_part_columns() -> list[Any]:
    """The columns of keyi_import_upload_part (also used by revision 0020)."""
    return [
        sa.Column("upload_id", _UUID, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
    ]


def mapping_columns() -> list[Any]:
    """The columns of keyi_import_mapping (also used by revision 0020)."""
    return [
        sa.Column("id", _UUID, primary_key=True),
        sa.Column("object", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("columns", sa.JSON, nullable=False),  # header → field name (or null)
        sa.Column("created_by", _UUID, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("object", "name", name="uq_keyi_import_mapping_name"),
    ]


RUN_INDEXES = (
    ("ix_keyi_import_run_creator", ("created_by", "id")),
    ("ix_keyi_import_run_object", ("object", "id")),
)

run_table = sa.Table(
    "keyi_import_run",
    system_metadata,
    *run_columns(),
    *[sa.Index(name, *cols) for name, cols in RUN_INDEXES],
)
item_table = sa.Table("keyi_import_item", system_metadata, *item_columns())
error_table = sa.Table("keyi_import_error", system_metadata, *error_columns())
upload_table = sa.Table("keyi_import_upload", system_metadata, *upload_columns())
upload_part_table = sa.Table("keyi_import_upload_part", system_metadata, *upload_part_columns())
mapping_table = sa.Table("keyi_import_mapping", system_metadata, *mapping_columns())
