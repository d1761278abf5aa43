"""Files kept with a record (a mail's attachments on its case), in the tenant's database.

Stored as bytes in the tenant's namespace beside the record, so a file and the record it came
with commit (and are backed up) together. Callers cap the size before storing; nothing here
serves a file inline: downloads are always ``attachment`` with the stored content type
replaced by ``application/octet-stream`` unless it is a harmless one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from keyi.platform.ids import new_id
from keyi.platform.schema import system_metadata

__all__ = ["FILE_TABLE_NAME", "file_table", "list_files", "read_file", "store_file"]

FILE_TABLE_NAME = "keyi_record_file"

file_table = sa.Table(
    FILE_TABLE_NAME,
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("object", sa.String(64), nullable=False),
    sa.Column("record_id", sa.Uuid(as_uuid=False), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(255), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    # What the file came with (a case message's id), if anything.
    sa.Column("source_id", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("created_by", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_keyi_record_file_record", "object", "record_id"),
)

SAFE_TYPES = frozenset(
    {"text/plain", "application/pdf", "image/png", "image/jpeg", "image/gif", "text/csv"}
)


def store_file(
    conn: sa.Connection,
    *,
    object_name: str,
    record_id: str,
    filename: str,
    content_type: str,
    content: bytes,
    now: datetime,
    source_id: str | None = None,
    created_by: str | None = None,
) -> str:
    file_id = new_id()
    conn.execute(
        sa.insert(file_table).values(
            id=file_id,
            object=object_name,
            record_id=record_id,
            filename=(filename or "attachment")[:255],
            content_type=(content_type or "application/octet-stream")[:255],
            size=len(content),
            content=content,
            source_id=source_id,
            created_by=created_by,
            created_at=now,
        )
    )
    return file_id


def list_files(conn: sa.Connection, object_name: str, record_id: str) -> list[dict[str, Any]]:
    t = file_table
    rows = conn.execute(
        sa.select(t.c.id, t.c.filename, t.c.content_type, t.c.size, t.c.source_id, t.c.created_at)
        .where(t.c.object == object_name, t.c.record_id == record_id)
        .order_by(t.c.created_at, t.c.id)
    ).mappings()
    return [dict(row) for row in rows]


def read_file(
    conn: sa.Connection, object_name: str, record_id: str, file_id: str
) -> dict[str, Any] | None:
    t = file_table
    row = (
        conn.execute(
            sa.select(t).where(
                t.c.id == file_id, t.c.object == object_name, t.c.record_id == record_id
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None
