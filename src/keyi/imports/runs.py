"""An import run from start to finish: options, the chunk loop, dry run, undo, error report.

A run executes in the caller's transaction (the CLI's, or the worker job's), the whole import
inside one savepoint and each chunk of :data:`CHUNK_SIZE` rows inside another:

- **skip bad rows** (the default): each chunk's good rows are kept, its bad rows reported;
- **all or nothing**: any failed row rolls the whole import back (status ``failed``, nothing
  written), after every row was still checked so the report lists them all;
- **dry run**: every row converted and written, then everything rolled back; the first rows
  are kept as they would have been stored, to preview;
- **cancel**: the run stops after its current chunk. Without all-or-nothing the chunks already
  written stay (and are counted, and can be undone); with it, nothing stays.

Every created or updated record is listed with the values it had and the version the import
left it at, so :func:`undo` moves created records to the recycle bin and writes the old values
back — skipping, and reporting, any record changed since (its version moved on).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from keyi.imports import live
from keyi.imports import messages as _messages  # noqa: F401
from keyi.imports.convert import ConvertedRow, RowConverter
from keyi.imports.mapping import auto_map, check_key, check_mapping, header_score, load_mapping
from keyi.imports.reading import FileRefused, Source, cell_text, open_source
from keyi.imports.writer import ChunkWriter, RecordsWriter, Update
from keyi.platform.context import Context
from keyi.platform.errors import (
    Conflict,
    FieldError,
    Forbidden,
    KeyiError,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from keyi.platform.export import BOM, spreadsheet_safe
from keyi.platform.fieldtypes import UUID_RE, Invalid, impl_for
from keyi.platform.i18n import label, message
from keyi.platform.ids import new_id
from keyi.platform.import_tables import error_table, item_table, run_table
from keyi.platform.permissions import Operation
from keyi.platform.query.plan import visible_rows
from keyi.platform.records.service import RecordsService
from keyi.platform.schema import CompiledObject

__all__ = [
    "CHUNK_SIZE",
    "MODES",
    "ImportOptions",
    "RunSummary",
    "create_run",
    "error_report_csv",
    "execute",
    "get_run",
    "list_runs",
    "request_cancel",
    "undo",
]

CHUNK_SIZE = 1000
MODES = ("insert", "update", "upsert")
MAX_REPORTED_ERRORS = 10_000
"""Failed rows kept for the error report (all are counted); past it the report says so."""
PREVIEW_ROWS = 20
MAX_UNDO_REPORT = 1000
ACTIVE = ("queued", "running")
log = logging.getLogger("keyi.imports")


@dataclass(frozen=True)
class ImportOptions:
    object_name: str
    mode: str = "insert"
    key: str | None = None
    all_or_nothing: bool = False
    dry_run: bool = False
    mapping: dict[str, str | None] | None = None
    saved_mapping: str | None = None
    sheet: str | None = None


@dataclass
class RunSummary:
    run_id: str
    status: str
    total: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    file_error: dict[str, Any] | None = None
    # (row number, original cells, errors) of the first MAX_REPORTED_ERRORS failed rows
    errors: list[tuple[int, list[Any], list[FieldError]]] = field(default_factory=list)


Progress = Callable[[live.Progress], None]


def require_rights(ctx: Context, obj: CompiledObject, mode: str) -> None:
    """Insert and upsert need create rights, update and upsert edit rights on the object."""
    policy = ctx.policy
    if mode in ("insert", "upsert") and not policy.can(obj, Operation.CREATE):
        raise Forbidden()
    if mode in ("update", "upsert") and not policy.can(obj, Operation.EDIT):
        raise Forbidden()


def create_run(
    ctx: Context,
    options: ImportOptions,
    *,
    file_name: str,
    upload_id: str | None = None,
) -> str:
    """A queued run, its options checked (mode, key, rights, the mapping if one is given)."""
    obj = ctx.object(options.object_name)
    if options.mode not in MODES:
        raise ValidationFailed([FieldError("mode", "invalid_option", {"value": options.mode})])
    require_rights(ctx, obj, options.mode)
    check_key(obj, options.mode, options.key)
    # A mapping given (or saved) is checked now, so a client learns of an unimportable field
    # before the run is queued; an automatic one only once the worker reads the file.
    given = options.mapping
    if given is None and options.saved_mapping is not None:
        given = load_mapping(ctx, obj.name, options.saved_mapping)
    if given is not None:
        check_mapping(ctx, obj, given, mode=options.mode, key=options.key)
    run_id = new_id()
    ctx.conn.execute(
        sa.insert(run_table).values(
            id=run_id,
            object=obj.name,
            file_name=file_name[:255],
            upload_id=upload_id,
            mode=options.mode,
            key_field=options.key,
            all_or_nothing=options.all_or_nothing,
            dry_run=options.dry_run,
            options={
                "mapping": options.mapping,
                "saved_mapping": options.saved_mapping,
                "sheet": options.sheet,
            },
            status="queued",
            cancel_requested=False,
            total=0,
            processed=0,
            created=0,
            updated=0,
            failed=0,
            created_by=ctx.actor.id,
            created_at=ctx.now(),
        )
    )
    return run_id


def _load(ctx: Context, run_id: str) -> dict[str, Any]:
    row = ctx.conn.execute(sa.select(run_table).where(run_table.c.id == run_id)).mappings().first()
    if row is None:
        raise NotFound("not_found")
    return dict(row)


def options_of(run: dict[str, Any]) -> ImportOptions:
    extra = run["options"] or {}
    return ImportOptions(
        object_name=run["object"],
        mode=run["mode"],
        key=run["key_field"],
        all_or_nothing=bool(run["all_or_nothing"]),
        dry_run=bool(run["dry_run"]),
        mapping=extra.get("mapping"),
        saved_mapping=extra.get("saved_mapping"),
        sheet=extra.get("sheet"),
    )


# ---------------------------------------------------------------- running
def execute(
    ctx: Context,
    run_id: str,
    path: Path,
    *,
    writer: ChunkWriter | None = None,
    on_start: Callable[[Source], None] | None = None,
    on_progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> RunSummary:
    """Run a queued import over the file at ``path`` in ``ctx``'s transaction (see the module
    docstring); the run row ends with its status, counts and errors. A refused file or
    mapping fails the run (``file_error``) without writing anything."""
    run = _load(ctx, run_id)
    options = options_of(run)
    summary = RunSummary(run_id, "running")
    whole = ctx.conn.begin_nested()
    source: Source | None = None
    preview: list[dict[str, Any]] = []
    try:
        obj = ctx.object(options.object_name)
        require_rights(ctx, obj, options.mode)
        check_key(obj, options.mode, options.key)
        source = open_source(
            path, file_name=run["file_name"], sheet=options.sheet, header_score=header_score(obj)
        )
        summary.total = source.total
        if options.mapping is not None:
            wanted = options.mapping
        elif options.saved_mapping is not None:
            wanted = load_mapping(ctx, obj.name, options.saved_mapping)
        else:
            wanted = auto_map(obj, source.headers)
        # A saved mapping may name headers this file lacks: only the file's own count.
        present = set(source.headers)
        wanted = {h: name for h, name in wanted.items() if h in present}
        mapping = check_mapping(ctx, obj, wanted, mode=options.mode, key=options.key)
        if on_start is not None:
            on_start(source)
        _run_chunks(
            ctx,
            obj,
            options,
            source,
            mapping,
            summary,
            preview,
            writer or RecordsWriter(),
            on_progress,
            cancelled,
            run_id,
        )
    except (FileRefused, ValidationFailed, Forbidden, NotFound) as refused:
        whole.rollback()
        ctx.aborted_by = None
        summary.status = "failed"
        summary.file_error = _refusal(refused, ctx.locale)
        summary.created = summary.updated = 0
    except Exception:
        # Whatever broke (a lost connection aside), the run must not stay "running": the
        # savepoint's rollback also clears PostgreSQL's aborted-transaction state.
        log.exception("import failed", extra={"run_id": run_id})
        whole.rollback()
        ctx.aborted_by = None
        summary.status = "failed"
        summary.file_error = _refusal(KeyiError("internal_error"), ctx.locale)
        summary.created = summary.updated = 0
        summary.errors = []
    else:
        keep = not options.dry_run and not (
            options.all_or_nothing and (summary.failed or summary.status == "cancelled")
        )
        if keep:
            whole.commit()
        else:
            whole.rollback()
        if summary.status != "cancelled":
            summary.status = (
                "failed"
                if options.all_or_nothing and summary.failed and not options.dry_run
                else "done"
            )
        if options.all_or_nothing and not keep and not options.dry_run:
            summary.created = summary.updated = 0
    _finish(ctx, run, options, summary, source, preview)
    return summary


def _refusal(error: KeyiError, locale: str) -> dict[str, Any]:
    details = []
    if isinstance(error, ValidationFailed):
        details = [
            {"field": e.field, "code": e.code, "message": message(e.code, locale, **e.params)}
            for e in error.errors
        ]
    code = "invalid_mapping" if isinstance(error, ValidationFailed) else error.code
    return {
        "code": code,
        "params": {k: str(v) for k, v in error.params.items()},
        "message": message(code, locale, **error.params),
        "errors": details,
    }


def _chunks(
    rows: Iterator[tuple[int, list[Any]]], size: int
) -> Iterator[list[tuple[int, list[Any]]]]:
    chunk: list[tuple[int, list[Any]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _run_chunks(
    ctx: Context,
    obj: CompiledObject,
    options: ImportOptions,
    source: Source,
    mapping: dict[str, str],
    summary: RunSummary,
    preview: list[dict[str, Any]],
    writer: ChunkWriter,
    on_progress: Progress | None,
    cancelled: Callable[[], bool],
    run_id: str,
) -> None:
    index = {h: i for i, h in enumerate(source.headers)}
    columns = {index[h]: name for h, name in mapping.items() if h in index}
    converter = RowConverter(
        ctx, obj, columns, width=len(source.headers), from_workbook=source.format != "csv"
    )
    key = options.key
    seen: dict[Any, int] = {}
    service = RecordsService(ctx)
    for chunk in _chunks(source.rows(), CHUNK_SIZE):
        if cancelled():
            summary.status = "cancelled"
            break
        converted = converter.convert(chunk)
        targets = _match_keys(ctx, obj, options, converted, seen) if key else {}
        to_write: list[dict[str, Any] | Update] = []
        positions: list[ConvertedRow] = []
        for row in converted:
            if row.errors:
                continue
            values = dict(row.values)
            if options.mode == "insert":
                to_write.append(values)
            else:
                target = targets.get(row.row_no)
                if target is None:
                    to_write.append(values)  # upsert with no record of this key: a new one
                else:
                    if options.mode == "update" or key == "id":
                        values.pop(key or "", None)
                    to_write.append(Update(target, values))
            positions.append(row)
        result = writer.write(ctx, obj.name, to_write) if to_write else None
        items: list[dict[str, Any]] = []
        if result is not None:
            for position, errors in result.errors.items():
                positions[position].errors.extend(errors)
            # The version each new record has now (an after-write hook may have written it
            # again): undo recycles it only while it is still at that version.
            versions = _versions(ctx, obj, list(result.created.values()))
            for record_id in result.created.values():
                items.append(
                    {
                        "run_id": run_id,
                        "record_id": record_id,
                        "action": "created",
                        "before": None,
                        "version": versions.get(record_id, 1),
                    }
                )
            for record_id, before, version in result.updated.values():
                items.append(
                    {
                        "run_id": run_id,
                        "record_id": record_id,
                        "action": "updated",
                        "before": before,
                        "version": version,
                    }
                )
            summary.created += len(result.created)
            summary.updated += len(result.updated)
            if options.dry_run and len(preview) < PREVIEW_ROWS:
                _add_preview(service, obj, result, positions, preview)
        if items and not options.dry_run:
            # One row per record (a key repeated in the file is refused, so this is a guard).
            unique = {item["record_id"]: item for item in reversed(items)}
            ctx.conn.execute(sa.insert(item_table), list(unique.values()))
        for row in converted:
            if row.errors:
                summary.failed += 1
                if len(summary.errors) < MAX_REPORTED_ERRORS:
                    summary.errors.append((row.row_no, row.cells, row.errors))
        summary.processed += len(chunk)
        if on_progress is not None:
            on_progress(
                live.Progress(
                    summary.total,
                    summary.processed,
                    summary.created,
                    summary.updated,
                    summary.failed,
                )
            )


def _versions(ctx: Context, obj: CompiledObject, ids: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        stmt = sa.select(obj.table.c.id, obj.table.c.version).where(
            obj.table.c.id.in_(ids[start : start + 500])
        )
        out.update({str(i): int(v) for i, v in ctx.conn.execute(stmt)})
    return out


def _match_keys(
    ctx: Context,
    obj: CompiledObject,
    options: ImportOptions,
    rows: list[ConvertedRow],
    seen: dict[Any, int],
) -> dict[int, str]:
    """Row number → id of the visible record with the row's key (update, upsert); a key met
    before in the file, or missing, is an error on the row."""
    key = options.key or ""
    keyed: dict[Any, list[ConvertedRow]] = {}
    f = obj.fields[key]
    for row in rows:
        if row.errors:
            continue
        raw = row.values.get(key)
        if raw is None or raw == "":
            if options.mode != "insert":
                row.errors.append(FieldError(key, "key_missing"))
            continue
        if key == "id":
            if not UUID_RE.match(str(raw)):
                row.errors.append(FieldError(key, "key_not_found"))
                continue
            value: Any = str(raw).lower()
        else:
            try:
                value = impl_for(f).coerce_filter_value(f, raw)
            except Invalid as exc:
                row.errors.append(FieldError(key, exc.code, exc.params))
                continue
        if value in seen:
            row.errors.append(
                FieldError(key, "duplicate_key", {"value": str(raw)[:100], "row": seen[value]})
            )
            continue
        seen[value] = row.row_no
        keyed.setdefault(value, []).append(row)
    if options.mode == "insert" or not keyed:
        return {}
    column = obj.table.c[key]
    found: dict[Any, list[str]] = {}
    values = list(keyed)
    for start in range(0, len(values), 500):
        stmt = sa.select(obj.table.c.id, column).where(
            column.in_(values[start : start + 500]), *visible_rows(ctx, obj, obj.table)
        )
        for record_id, value in ctx.conn.execute(stmt):
            found.setdefault(str(value).lower() if key == "id" else value, []).append(
                str(record_id)
            )
    out: dict[int, str] = {}
    for value, rows_with in keyed.items():
        ids = found.get(value, [])
        for row in rows_with:
            if len(ids) > 1:
                row.errors.append(FieldError(key, "key_ambiguous"))
            elif ids:
                out[row.row_no] = ids[0]
            elif options.mode == "update":
                row.errors.append(FieldError(key, "key_not_found"))
    return out


def _add_preview(
    service: RecordsService,
    obj: CompiledObject,
    result: Any,
    positions: list[ConvertedRow],
    preview: list[dict[str, Any]],
) -> None:
    written = [
        (positions[p].row_no, "created", record_id) for p, record_id in result.created.items()
    ] + [(positions[p].row_no, "updated", rid) for p, (rid, _, _) in result.updated.items()]
    for row_no, action, record_id in sorted(written)[: PREVIEW_ROWS - len(preview)]:
        try:
            record = service.get(obj.name, record_id)
        except KeyiError:
            continue
        preview.append({"row": row_no, "action": action, "record": record})


def _finish(
    ctx: Context,
    run: dict[str, Any],
    options: ImportOptions,
    summary: RunSummary,
    source: Source | None,
    preview: list[dict[str, Any]],
) -> None:
    run_id = summary.run_id
    if summary.errors:
        ctx.conn.execute(
            sa.insert(error_table),
            [
                {
                    "run_id": run_id,
                    "row_no": row_no,
                    "cells": [cell_text(c) for c in cells],
                    "errors": [
                        {"field": e.field, "code": e.code, "params": _plain(e.params)}
                        for e in errors
                    ],
                }
                for row_no, cells, errors in summary.errors
            ],
        )
    extra = dict(run["options"] or {})
    if source is not None:
        extra.update(headers=source.headers, sheet=source.sheet, sheets=source.sheets)
    ctx.conn.execute(
        sa.update(run_table)
        .where(run_table.c.id == run_id)
        .values(
            status=summary.status,
            total=summary.total,
            processed=summary.processed,
            created=summary.created,
            updated=summary.updated,
            failed=summary.failed,
            file_error=summary.file_error,
            preview=preview if options.dry_run else None,
            encoding=source.encoding if source is not None else None,
            options=extra,
            started_at=run["started_at"] or ctx.now(),
            finished_at=ctx.now(),
        )
    )
    ctx.audit(
        "import.dry_run" if options.dry_run else "import.run",
        object_name=options.object_name,
        run_id=run_id,
        file=run["file_name"],
        mode=options.mode,
        status=summary.status,
        created=summary.created,
        updated=summary.updated,
        failed=summary.failed,
    )


def _plain(value: Any) -> Any:
    """JSON-safe: decimals and dates as strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# ---------------------------------------------------------------- reading runs
def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def run_json(run: dict[str, Any]) -> dict[str, Any]:
    """A run as the API shows it; a run in progress in this process shows its live counts."""
    extra = run["options"] or {}
    out = {
        "id": run["id"],
        "object": run["object"],
        "file_name": run["file_name"],
        "upload_id": run["upload_id"],
        "mode": run["mode"],
        "key": run["key_field"],
        "all_or_nothing": bool(run["all_or_nothing"]),
        "dry_run": bool(run["dry_run"]),
        "mapping": extra.get("mapping"),
        "saved_mapping": extra.get("saved_mapping"),
        "sheet": extra.get("sheet"),
        "headers": extra.get("headers"),
        "status": run["status"],
        "cancel_requested": bool(run["cancel_requested"]),
        "encoding": run["encoding"],
        "total": run["total"],
        "processed": run["processed"],
        "created": run["created"],
        "updated": run["updated"],
        "failed": run["failed"],
        "file_error": run["file_error"],
        "preview": run["preview"],
        "undo_report": run["undo_report"],
        "created_by": run["created_by"],
        "created_at": _iso(run["created_at"]),
        "started_at": _iso(run["started_at"]),
        "finished_at": _iso(run["finished_at"]),
        "undone_at": _iso(run["undone_at"]),
    }
    now = live.progress(run["id"]) if run["status"] in ACTIVE else None
    if now is not None:
        out.update(
            status="running",
            total=now.total,
            processed=now.processed,
            created=now.created,
            updated=now.updated,
            failed=now.failed,
        )
    return out


def _visible(ctx: Context, run: dict[str, Any]) -> None:
    """Administrators see every run; others their own (anything else is not found)."""
    if not ctx.actor.is_admin and run["created_by"] != ctx.actor.id:
        raise NotFound("not_found")


def get_run(ctx: Context, run_id: str) -> dict[str, Any]:
    run = _load(ctx, run_id)
    _visible(ctx, run)
    return run_json(run)


def list_runs(
    ctx: Context, *, object_name: str | None = None, limit: int = 50, before: str | None = None
) -> list[dict[str, Any]]:
    """Newest first; ``before`` (a run id) pages back."""
    t = run_table
    stmt = sa.select(t).order_by(t.c.id.desc()).limit(max(1, min(limit, 200)))
    if not ctx.actor.is_admin:
        stmt = stmt.where(t.c.created_by == ctx.actor.id)
    if object_name:
        stmt = stmt.where(t.c.object == object_name)
    if before:
        stmt = stmt.where(t.c.id < before)
    return [run_json(dict(r)) for r in ctx.conn.execute(stmt).mappings()]


def request_cancel(ctx: Context, run_id: str) -> dict[str, Any]:
    """A queued run is cancelled at once; a running one after its current chunk."""
    run = _load(ctx, run_id)
    _visible(ctx, run)
    if run["status"] not in ACTIVE:
        raise Conflict("import_not_cancellable")
    live.cancel(run_id)
    values: dict[str, Any] = {"cancel_requested": True}
    if run["status"] == "queued" and live.progress(run_id) is None:
        values.update(status="cancelled", finished_at=ctx.now())
    ctx.conn.execute(sa.update(run_table).where(run_table.c.id == run_id).values(values))
    ctx.audit("import.cancel", object_name=run["object"], run_id=run_id)
    return run_json({**run, **values})


def cancel_requested_in_db(conn: sa.Connection, run_id: str) -> bool:
    return bool(
        conn.execute(
            sa.select(run_table.c.cancel_requested).where(run_table.c.id == run_id)
        ).scalar()
    )


# ---------------------------------------------------------------- undo
def undo(ctx: Context, run_id: str) -> dict[str, Any]:
    """Created records to the recycle bin, updated ones back to their old values — except
    records changed since the import (their version moved on), which are reported and left."""
    run = _load(ctx, run_id)
    _visible(ctx, run)
    if (
        run["dry_run"]
        or run["status"] not in ("done", "cancelled")
        or not (run["created"] or run["updated"])
    ):
        raise Conflict("import_not_undoable")
    obj = ctx.object(run["object"])
    service = RecordsService(ctx)
    deleted = restored = 0
    skipped: list[dict[str, Any]] = []
    skipped_count = 0
    last = "00000000-0000-0000-0000-000000000000"
    while True:
        items = (
            ctx.conn.execute(
                sa.select(item_table)
                .where(item_table.c.run_id == run_id, item_table.c.record_id > last)
                .order_by(item_table.c.record_id)
                .limit(CHUNK_SIZE)
            )
            .mappings()
            .all()
        )
        if not items:
            break
        last = items[-1]["record_id"]
        for item in items:
            record_id = str(item["record_id"])
            try:
                with ctx.conn.begin_nested():
                    if item["action"] == "created":
                        service.delete(obj.name, record_id, expected_version=item["version"])
                        deleted += 1
                    else:
                        service.update(
                            obj.name,
                            record_id,
                            dict(item["before"] or {}),
                            expected_version=item["version"],
                        )
                        restored += 1
            except KeyiError as refused:
                ctx.aborted_by = None
                code = "changed_since_import" if isinstance(refused, StaleVersion) else refused.code
                skipped_count += 1
                if len(skipped) < MAX_UNDO_REPORT:
                    skipped.append(
                        {
                            "record_id": record_id,
                            "action": item["action"],
                            "code": code,
                            "message": message(code, ctx.locale, **refused.params),
                        }
                    )
    report = {
        "deleted": deleted,
        "restored": restored,
        "skipped": skipped_count,
        "skipped_records": skipped,
    }
    ctx.conn.execute(
        sa.update(run_table)
        .where(run_table.c.id == run_id)
        .values(status="undone", undo_report=report, undone_at=ctx.now())
    )
    ctx.audit(
        "import.undo",
        object_name=obj.name,
        run_id=run_id,
        deleted=deleted,
        restored=restored,
        skipped=skipped_count,
    )
    return run_json(_load(ctx, run_id))


# ---------------------------------------------------------------- error report
def error_report_csv(ctx: Context, run_id: str) -> Iterator[str]:
    """The failed rows as CSV: the row's number, its original cells, then its errors in the
    reader's language (UTF-8 with a byte-order mark, so Excel shows Chinese). Cells that a
    spreadsheet would run as formulas get a leading quote, as in every export."""
    run = _load(ctx, run_id)
    _visible(ctx, run)
    obj = ctx.schema.get(run["object"])
    headers = list((run["options"] or {}).get("headers") or [])
    zh = ctx.locale == "zh-CN"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "行号" if zh else "Row",
            *[spreadsheet_safe(h) for h in headers],
            "错误" if zh else "Errors",
        ]
    )
    yield BOM + buffer.getvalue()
    last = -1
    while True:
        rows = ctx.conn.execute(
            sa.select(error_table.c.row_no, error_table.c.cells, error_table.c.errors)
            .where(error_table.c.run_id == run_id, error_table.c.row_no > last)
            .order_by(error_table.c.row_no)
            .limit(CHUNK_SIZE)
        ).all()
        if not rows:
            break
        buffer.seek(0)
        buffer.truncate()
        for row_no, cells, errors in rows:
            cells = list(cells) + [""] * (len(headers) - len(cells))
            writer.writerow(
                [row_no, *[spreadsheet_safe(c) for c in cells], _describe(ctx, obj, errors)]
            )
        last = rows[-1][0]
        yield buffer.getvalue()


def _describe(ctx: Context, obj: CompiledObject | None, errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors:
        name = error.get("field") or ""
        f = obj.fields.get(name) if obj is not None else None
        where = label(f.labels, ctx.locale, name) if f is not None else ""
        text = message(error.get("code", ""), ctx.locale, **(error.get("params") or {}))
        parts.append(f"{where}: {text}" if where else text)
    return "; ".join(parts)
