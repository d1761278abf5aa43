"""A person's data, gathered for a subject access request (PIPL art. 45, GDPR art. 15).

Everything Keyi holds about one contact or lead, as a zip: ``person.json`` with the record, its
complete field history, the records that point at it (found generically: every lookup or
master-detail field targeting the object, and activities linked through
``related_object``/``related_id``), the email and SMS deliveries addressed to it, the list of its
files; and the files themselves under ``files/``. The consent fields are part of the record.

Only administrators may ask (keyi.platform.privacy.service.authorise): the export is of
everything, not of what one user may see, so field masks and record access do not narrow it.
It is audited (``privacy.export``), naming the record but no value from it.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.deliveries.table import delivery_table
from keyi.platform.jsoncodec import dumps, loads_exact
from keyi.platform.mailboxes.files import file_table
from keyi.platform.notifications.table import notification_table
from keyi.platform.query.listing import QuerySpec, run_query
from keyi.platform.schema import CompiledObject, history_table
from keyi.platform.sms.table import sms_message_table

PAGE = 500
# A person with more related records than this per relation is exceptional; the file says so.
MAX_RELATED = 10_000
ACTIVITY_LINK = ("related_object", "related_id")


def history_rows(ctx: Context, object_name: str, record_id: str) -> list[dict[str, Any]]:
    """Every history entry of the record, oldest first, changes parsed with exact decimals."""
    h = history_table
    rows = ctx.conn.execute(
        sa.select(
            h.c.id, h.c.at, h.c.actor_id, h.c.operation, sa.cast(h.c.changes, sa.Text).label("c")
        )
        .where(h.c.object == object_name, h.c.record_id == record_id)
        .order_by(h.c.at, h.c.id)
    ).mappings()
    return [
        {
            "id": r["id"],
            "at": r["at"],
            "by": r["actor_id"],
            "operation": r["operation"],
            "changes": loads_exact(r["c"]),
        }
        for r in rows
    ]


def _query_all(ctx: Context, object_name: str, condition: dict[str, Any]) -> tuple[list[Any], bool]:
    """Records matching ``condition`` (live and in the recycle bin), up to MAX_RELATED."""
    found: list[dict[str, Any]] = []
    for deleted in (False, True):
        spec = QuerySpec(filter=condition, limit=PAGE, deleted=deleted)
        while len(found) < MAX_RELATED:
            page = run_query(ctx, object_name, spec)
            found.extend(page["records"])
            if not page["next_cursor"]:
                break
            spec = QuerySpec(
                filter=condition, limit=PAGE, deleted=deleted, cursor=page["next_cursor"]
            )
    return found[:MAX_RELATED], len(found) >= MAX_RELATED


def related_records(ctx: Context, obj: CompiledObject, record_id: str) -> list[dict[str, Any]]:
    """Groups of records pointing at the person: (object, field, records)."""
    groups: list[dict[str, Any]] = []
    condition: dict[str, Any]
    for child, f in ctx.schema.children_of(obj.name):
        condition = {"field": f.name, "op": "eq", "value": record_id}
        records, truncated = _query_all(ctx, child.name, condition)
        if records:
            groups.append(
                {"object": child.name, "field": f.name, "records": records, "truncated": truncated}
            )
    for child in ctx.schema.objects.values():
        if not all(name in child.fields for name in ACTIVITY_LINK):
            continue
        condition = {
            "and": [
                {"field": ACTIVITY_LINK[0], "op": "eq", "value": obj.name},
                {"field": ACTIVITY_LINK[1], "op": "eq", "value": record_id},
            ]
        }
        records, truncated = _query_all(ctx, child.name, condition)
        if records:
            groups.append(
                {
                    "object": child.name,
                    "field": ACTIVITY_LINK[1],
                    "records": records,
                    "truncated": truncated,
                }
            )
    return groups


def deliveries(ctx: Context, object_name: str, record_id: str) -> list[dict[str, Any]]:
    d = delivery_table
    rows = ctx.conn.execute(
        sa.select(d)
        .where(d.c.recipient_object == object_name, d.c.recipient_id == record_id)
        .order_by(d.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def sms_messages(ctx: Context, object_name: str, record_id: str) -> list[dict[str, Any]]:
    m = sms_message_table
    rows = ctx.conn.execute(
        sa.select(m)
        .where(m.c.object == object_name, m.c.record_id == record_id)
        .order_by(m.c.created_at, m.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def notifications(ctx: Context, object_name: str, record_id: str) -> list[dict[str, Any]]:
    """Notifications users received about the person (they name it in their text)."""
    n = notification_table
    rows = ctx.conn.execute(
        sa.select(n.c.id, n.c.user_id, n.c.title, n.c.body, n.c.source, n.c.created_at)
        .where(n.c.link_object == object_name, n.c.link_record_id == record_id)
        .order_by(n.c.created_at, n.c.id)
    ).mappings()
    return [dict(r) for r in rows]


def _safe_name(name: str) -> str:
    """A file name that stays inside the archive's files/ folder."""
    cleaned = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in name)
    return cleaned.strip(". ") or "file"


def build_archive(ctx: Context, obj: CompiledObject, record: dict[str, Any]) -> bytes:
    """The zip of everything about the person (bounded: one person's data)."""
    record_id = str(record["id"])
    f = file_table
    files = [
        dict(r)
        for r in ctx.conn.execute(
            sa.select(f).where(f.c.object == obj.name, f.c.record_id == record_id).order_by(f.c.id)
        ).mappings()
    ]
    entries = [
        {k: v for k, v in file.items() if k != "content"}
        | {"path": f"files/{file['id']}-{_safe_name(file['filename'])}"}
        for file in files
    ]
    document: dict[str, Any] = {
        "object": obj.name,
        "record": record,
        "history": history_rows(ctx, obj.name, record_id),
        "related": related_records(ctx, obj, record_id),
        "email_deliveries": deliveries(ctx, obj.name, record_id),
        "sms_messages": sms_messages(ctx, obj.name, record_id),
        "notifications": notifications(ctx, obj.name, record_id),
        "files": entries,
        "exported_at": ctx.now(),
        "exported_by": ctx.actor.id,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("person.json", dumps(document))
        for file, entry in zip(files, entries, strict=True):
            archive.writestr(entry["path"], bytes(file["content"]))
    return buffer.getvalue()
