"""Imports over HTTP (the logic: keyi.imports): upload → preview → dry run or start → watch,
cancel, undo; error reports; saved mappings.

A user may import into objects they may create (insert, upsert) or edit (update, upsert)
records of; record access and field rights apply to every row. Administrators see every run,
others their own. Runs execute in the worker (202 with the run); poll ``GET /imports/{id}``.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from keyi.api.context import request_context
from keyi.api.traits import BodyClass, body_class
from keyi.imports import live, mapping, preview, runs, uploads
from keyi.imports.jobs import enqueue_run
from keyi.platform.errors import FieldErrors, Forbidden, NotFound
from keyi.platform.fieldtypes import UUID_RE
from keyi.platform.permissions import Operation

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _id(value: str) -> str:
    """A run's or upload's id from the path: anything but a UUID is simply not found."""
    if not UUID_RE.match(value):
        raise NotFound("not_found")
    return value.lower()


MAX_IMPORT_BYTES = int(os.environ.get("KEYI_IMPORT_MAX_BYTES", str(uploads.DEFAULT_MAX_BYTES)))

_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "object"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "object": {"type": "string"},
                        "sheet": {"type": "string"},
                    },
                }
            }
        },
    }
}


class StartBody(BaseModel):
    """Start an import (or a dry run) of an uploaded file."""

    model_config = ConfigDict(extra="forbid")

    upload_id: str = Field(pattern=UUID_PATTERN)
    mode: Literal["insert", "update", "upsert"] = "insert"
    key: str | None = Field(default=None, max_length=64)
    all_or_nothing: bool = False
    dry_run: bool = False
    mapping: dict[str, str | None] | None = Field(default=None, max_length=500)
    saved_mapping: str | None = Field(default=None, max_length=100)
    sheet: str | None = Field(default=None, max_length=200)


class MappingBody(BaseModel):
    """Header → field name (null: not imported)."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str | None] = Field(max_length=500)


# ---------------------------------------------------------------- answers (typed for clients)
class FileError(BaseModel):
    """Why a whole file (or its mapping) was refused."""

    code: str
    params: dict[str, str] = {}
    message: str
    errors: list[dict[str, Any]] = []


class RunOut(BaseModel):
    """An import run (a dry run when ``dry_run``)."""

    id: str
    object: str
    file_name: str
    upload_id: str | None
    mode: Literal["insert", "update", "upsert"]
    key: str | None
    all_or_nothing: bool
    dry_run: bool
    mapping: dict[str, str | None] | None
    saved_mapping: str | None
    sheet: str | None
    headers: list[str] | None
    status: Literal["queued", "running", "done", "failed", "cancelled", "undone"]
    cancel_requested: bool
    encoding: str | None
    total: int
    processed: int
    created: int
    updated: int
    failed: int
    file_error: FileError | None
    preview: list[dict[str, Any]] | None = Field(
        description="A dry run's first rows as they would be stored: {row, action, record}"
    )
    undo_report: dict[str, Any] | None
    created_by: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    undone_at: str | None


class RunList(BaseModel):
    runs: list[RunOut]


class FieldOut(BaseModel):
    name: str
    label: str
    type: str
    required: bool
    unique: bool
    has_default: bool = Field(
        default=False, description="a new record gets a value when no column gives one"
    )
    importable: bool
    reason: str | None = Field(description="computed, read_only or masked; null if importable")


class FieldList(BaseModel):
    fields: list[FieldOut]


class PreviewRow(BaseModel):
    row: int
    cells: list[str]


class PreviewOut(BaseModel):
    """How an uploaded file reads: what the wizard shows before the mapping step."""

    upload_id: str
    object: str
    file_name: str
    size: int
    format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    sheets: list[str]
    header_row: int
    headers: list[str]
    total: int
    mapping: dict[str, str | None]
    rows: list[PreviewRow]
    fields: list[FieldOut]


class MappingOut(BaseModel):
    id: str
    object: str
    name: str
    columns: dict[str, str | None]
    created_by: str | None
    created_at: str
    updated_at: str


class MappingList(BaseModel):
    mappings: list[MappingOut]


def _may_import(ctx: Any, object_name: str) -> None:
    obj = ctx.object(object_name)
    if not (ctx.policy.can(obj, Operation.CREATE) or ctx.policy.can(obj, Operation.EDIT)):
        raise Forbidden()


@router.post("/uploads", status_code=201, openapi_extra=_UPLOAD, response_model=PreviewOut)
@body_class(BodyClass.UPLOAD)
async def upload_file(request: Request) -> dict[str, Any]:
    """Upload a CSV or Excel file (multipart: ``file``, ``object``, optional ``sheet``);
    answers the preview: encoding, sheet, header, automatic mapping, first rows, fields."""
    errors = FieldErrors()
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        object_name = form.get("object")
        sheet = form.get("sheet")
        if not isinstance(upload, StarletteUpload):
            errors.add("file", "required")
        if not isinstance(object_name, str) or not object_name:
            errors.add("object", "required")
        errors.raise_if_any()
        assert isinstance(upload, StarletteUpload) and isinstance(object_name, str)
        return await run_in_threadpool(
            _store_and_preview,
            request,
            object_name,
            upload.filename or "import.csv",
            upload.file,
            sheet if isinstance(sheet, str) and sheet else None,
        )


def _store_and_preview(
    request: Request, object_name: str, file_name: str, stream: Any, sheet: str | None
) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        _may_import(ctx, object_name)
        upload_id = uploads.store_upload(
            ctx, object_name, file_name, stream, max_bytes=MAX_IMPORT_BYTES
        )
        ctx.audit("import.upload", object_name=object_name, upload_id=upload_id, file=file_name)
    # The preview in a transaction of its own: a file that cannot be read stays uploaded
    # (refused now, with the reason), and reading it holds no write lock.
    with request_context(request) as ctx:
        return preview.preview_upload(ctx, uploads.load_upload(ctx, upload_id), sheet)


@router.get("/uploads/{upload_id}", response_model=PreviewOut)
def preview_upload(
    request: Request, upload_id: str, sheet: str | None = Query(None, max_length=200)
) -> dict[str, Any]:
    """The preview of an uploaded file again (another ``sheet`` of a workbook, say)."""
    with request_context(request) as ctx:
        return preview.preview_upload(ctx, uploads.load_upload(ctx, _id(upload_id)), sheet)


@router.get("/fields/{object_name}", response_model=FieldList)
def importable_fields(request: Request, object_name: str) -> dict[str, Any]:
    """The object's fields as the importer sees them: which the user may map, and why not."""
    with request_context(request) as ctx:
        return {"fields": preview.importable_fields(ctx, object_name)}


@router.get("/mappings", response_model=MappingList)
def list_mappings(
    request: Request, object: str = Query(..., min_length=1, max_length=64)
) -> dict[str, Any]:
    """The object's saved mappings."""
    with request_context(request) as ctx:
        return {"mappings": mapping.list_mappings(ctx, object)}


@router.put("/mappings/{object_name}/{name}", response_model=MappingOut)
def save_mapping(
    request: Request, object_name: str, name: str, body: MappingBody
) -> dict[str, Any]:
    """Save (create or replace) a mapping for reuse by name (``--mapping NAME``)."""
    with request_context(request, write=True) as ctx:
        _may_import(ctx, object_name)
        return mapping.save_mapping(ctx, object_name, name, body.columns)


@router.delete("/mappings/{object_name}/{name}", status_code=204)
def delete_mapping(request: Request, object_name: str, name: str) -> Response:
    with request_context(request, write=True) as ctx:
        _may_import(ctx, object_name)
        mapping.delete_mapping(ctx, object_name, name)
    return Response(status_code=204)


@router.post("", status_code=202, response_model=RunOut)
def start_import(request: Request, body: StartBody) -> dict[str, Any]:
    """Queue an import (or, with ``dry_run``, a check of every row that writes nothing) of an
    uploaded file; answers the run, to poll."""
    with request_context(request, write=True) as ctx:
        upload = uploads.load_upload(ctx, body.upload_id)
        options = runs.ImportOptions(
            object_name=upload["object"],
            mode=body.mode,
            key=body.key,
            all_or_nothing=body.all_or_nothing,
            dry_run=body.dry_run,
            mapping=body.mapping,
            saved_mapping=body.saved_mapping,
            sheet=body.sheet,
        )
        run_id = runs.create_run(
            ctx, options, file_name=upload["file_name"], upload_id=upload["id"]
        )
        enqueue_run(ctx, run_id)
        return runs.get_run(ctx, run_id)


@router.get("", response_model=RunList)
def list_runs(
    request: Request,
    object: str | None = Query(None, max_length=64),
    before: str | None = Query(None, pattern=UUID_PATTERN),
    limit: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    """Imports, newest first (administrators: everyone's; others: their own)."""
    with request_context(request) as ctx:
        return {"runs": runs.list_runs(ctx, object_name=object, limit=limit, before=before)}


@router.get("/{run_id}", response_model=RunOut)
def get_run(request: Request, run_id: str) -> dict[str, Any]:
    """A run: status, counts and progress; a dry run's preview; an undo's report."""
    with request_context(request) as ctx:
        return runs.get_run(ctx, _id(run_id))


@router.post("/{run_id}/cancel", response_model=RunOut)
def cancel_run(request: Request, run_id: str) -> dict[str, Any]:
    """Stop a run after its current chunk (a queued one at once)."""
    run_id = _id(run_id)
    with request_context(request) as ctx:
        run = runs.get_run(ctx, run_id)  # visible to the caller, else 404
    if run["status"] == "running" and live.cancel(run_id):
        # Running in this process: it sees the request after its chunk (on SQLite it holds the
        # write lock, so the flag is not written to the database now).
        return {**run, "cancel_requested": True}
    with request_context(request, write=True) as ctx:
        return runs.request_cancel(ctx, run_id)


@router.post("/{run_id}/undo", response_model=RunOut)
def undo_run(request: Request, run_id: str) -> dict[str, Any]:
    """Created records to the recycle bin, updated ones restored (unless changed since)."""
    with request_context(request, write=True) as ctx:
        return runs.undo(ctx, _id(run_id))


@router.get(
    "/{run_id}/errors.csv",
    response_class=Response,
    responses={200: {"description": "CSV (UTF-8)", "content": {"text/csv": {}}}},
)
def error_report(request: Request, run_id: str) -> Response:
    """The failed rows with their errors, as CSV (UTF-8 with BOM)."""
    run_id = _id(run_id)
    with request_context(request) as ctx:
        body = "".join(runs.error_report_csv(ctx, run_id))
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{run_id}-errors.csv"'},
    )
