"""Files uploaded for import, kept in the tenant's database in 1 MB parts.

In the database rather than on a server's disk, so the worker that runs the import — maybe
another process or machine on PostgreSQL — reads the same bytes; the file is copied to a
temporary file to be read as a stream (:func:`materialise`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa

from keyi.imports.reading import CSV_SUFFIXES, EXCEL_SUFFIXES, FileRefused
from keyi.platform.context import Context
from keyi.platform.errors import NotFound
from keyi.platform.ids import new_id
from keyi.platform.import_tables import run_table, upload_part_table, upload_table

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PART_BYTES",
    "load_upload",
    "materialise",
    "prune_uploads",
    "store_upload",
]

PART_BYTES = 1024 * 1024
KEEP_UPLOADS = timedelta(days=7)
"""How long an uploaded file is kept (for dry runs and the import after them); older ones are
removed when the next file is uploaded, unless a queued or running import still needs them."""
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
"""The import's own cap on an uploaded file (the request body limit, KEYI_MAX_BODY_UPLOAD,
applies first)."""


def store_upload(
    ctx: Context, object_name: str, file_name: str, stream: BinaryIO, *, max_bytes: int
) -> str:
    """Store an uploaded file; refuses a file of an unknown kind or over ``max_bytes``."""
    ctx.object(object_name)
    prune_uploads(ctx)
    suffix = Path(file_name).suffix.lower()
    if suffix not in CSV_SUFFIXES | EXCEL_SUFFIXES:
        raise FileRefused("file_format")
    upload_id = new_id()
    size = 0
    seq = 0
    while True:
        part = stream.read(PART_BYTES)
        if not part:
            break
        size += len(part)
        if size > max_bytes:
            raise FileRefused("file_too_large", max_mb=max_bytes // (1024 * 1024))
        ctx.conn.execute(
            sa.insert(upload_part_table).values(upload_id=upload_id, seq=seq, content=part)
        )
        seq += 1
    if size == 0:
        raise FileRefused("file_empty")
    ctx.conn.execute(
        sa.insert(upload_table).values(
            id=upload_id,
            object=object_name,
            file_name=Path(file_name).name[:255] or "import.csv",
            size=size,
            created_by=ctx.actor.id,
            created_at=ctx.now(),
        )
    )
    return upload_id


def load_upload(ctx: Context, upload_id: str) -> dict[str, Any]:
    """An upload of the acting user (administrators: anyone's)."""
    row = (
        ctx.conn.execute(sa.select(upload_table).where(upload_table.c.id == upload_id))
        .mappings()
        .first()
    )
    if row is None or (not ctx.actor.is_admin and row["created_by"] != ctx.actor.id):
        raise NotFound("not_found")
    return dict(row)


@contextmanager
def materialise(conn: sa.Connection, upload: dict[str, Any]) -> Iterator[Path]:
    """The upload as a temporary file (with its name's suffix), removed afterwards."""
    suffix = Path(upload["file_name"]).suffix
    with tempfile.TemporaryDirectory(prefix="keyi-import-") as folder:
        path = Path(folder) / ("upload" + suffix)
        with open(path, "wb") as out:
            seq = -1
            while True:
                parts = conn.execute(
                    sa.select(upload_part_table.c.seq, upload_part_table.c.content)
                    .where(
                        upload_part_table.c.upload_id == upload["id"],
                        upload_part_table.c.seq > seq,
                    )
                    .order_by(upload_part_table.c.seq)
                    .limit(8)
                ).all()
                if not parts:
                    break
                for number, content in parts:
                    out.write(content)
                    seq = number
        yield path


def prune_uploads(ctx: Context) -> int:
    """Remove uploads older than KEEP_UPLOADS that no queued or running import needs."""
    busy = sa.select(run_table.c.upload_id).where(
        run_table.c.upload_id.is_not(None), run_table.c.status.in_(("queued", "running"))
    )
    old = list(
        ctx.conn.execute(
            sa.select(upload_table.c.id).where(
                upload_table.c.created_at < ctx.now() - KEEP_UPLOADS,
                upload_table.c.id.not_in(busy),
            )
        ).scalars()
    )
    if old:
        ctx.conn.execute(sa.delete(upload_part_table).where(upload_part_table.c.upload_id.in_(old)))
        ctx.conn.execute(sa.delete(upload_table).where(upload_table.c.id.in_(old)))
    return len(old)
