"""Setup › Configuration packages over HTTP (the logic: keyi.configpkg). Administrators only.

``GET`` downloads the company's customisations as a package file; ``POST …/preview`` uploads
one and answers the diff against this company (a dry run: nothing changes); ``POST …/install``
installs it, all or nothing — a package that cannot apply is a 409 carrying the same diff.
Uploads are multipart forms with the file in ``file`` and, optionally, ``force=true``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from keyi.api.context import request_context
from keyi.api.traits import BodyClass, body_class
from keyi.configpkg import export_package, install, read_archive, write_archive
from keyi.configpkg.items import GROUPS
from keyi.platform.errors import FieldErrors, Forbidden

router = APIRouter(prefix="/api/v1/config-package", tags=["configuration packages"])

MAX_PACKAGE_BYTES = 20 * 1024 * 1024
ONLY_PATTERN = "^(" + "|".join(GROUPS) + ")(,(" + "|".join(GROUPS) + "))*$"

_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "force": {
                            "type": "boolean",
                            "description": "Overwrite items this company changed.",
                        },
                    },
                }
            }
        },
    }
}
_ENTRY = {
    "type": "object",
    "required": ["kind", "key", "action", "changes"],
    "properties": {
        "kind": {"type": "string"},
        "key": {"type": "string"},
        "action": {
            "type": "string",
            "enum": ["create", "update", "conflict", "blocked", "unchanged"],
        },
        "changes": {"type": "array", "items": {"type": "string"}},
        "reason": {"type": "string", "nullable": True},
    },
}
DIFF: dict[str, Any] = {
    "type": "object",
    "required": ["package", "tenant", "dry_run", "applied", "refused", "summary", "entries"],
    "properties": {
        "package": {"type": "string"},
        "tenant": {"type": "string"},
        "dry_run": {"type": "boolean"},
        "force": {"type": "boolean"},
        "applied": {"type": "boolean"},
        "refused": {"type": "array", "items": {"type": "string"}},
        "summary": {"type": "string"},
        "entries": {"type": "array", "items": _ENTRY},
    },
}
_DIFF_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": DIFF}}}
}


@router.get("", responses={200: {"content": {"application/zip": {}}}}, response_class=Response)
def download(
    request: Request,
    only: str | None = Query(None, max_length=200, pattern=ONLY_PATTERN),
    name: str | None = Query(None, min_length=1, max_length=100),
) -> Response:
    """The company's customisations as a package file (a zip of YAML files)."""
    groups = tuple(only.split(",")) if only else None
    with request_context(request) as ctx:
        package = export_package(ctx, name=name, only=groups)
        tenant = ctx.tenant.name
    filename = f"{tenant}-config.zip"
    return Response(
        write_archive(package),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


async def _upload(request: Request) -> tuple[bytes, bool]:
    errors = FieldErrors()
    content, force = b"", False
    async with request.form(max_files=1, max_fields=5) as form:
        upload = form.get("file")
        if isinstance(upload, StarletteUpload):
            content = await upload.read(MAX_PACKAGE_BYTES + 1)
        else:
            errors.add("file", "required")
        flag = form.get("force")
        if isinstance(flag, str):
            if flag.lower() not in ("true", "false", "1", "0"):
                errors.add("force", "invalid_boolean")
            force = flag.lower() in ("true", "1")
    if len(content) > MAX_PACKAGE_BYTES:
        errors.add("file", "payload_too_large", limit=MAX_PACKAGE_BYTES)
    errors.raise_if_any()
    return content, force


@router.post("/preview", openapi_extra=_UPLOAD, responses=_DIFF_ANSWER)
@body_class(BodyClass.UPLOAD)
async def preview_package(request: Request) -> dict[str, Any]:
    """What installing the uploaded package would do here (nothing is changed)."""
    content, force = await _upload(request)
    return await run_in_threadpool(_install, request, content, force, True)


@router.post("/install", openapi_extra=_UPLOAD, responses=_DIFF_ANSWER)
@body_class(BodyClass.UPLOAD)
async def install_package(request: Request) -> dict[str, Any]:
    """Install the uploaded package, all or nothing; a 409 with the diff when it cannot."""
    content, force = await _upload(request)
    return await run_in_threadpool(_install, request, content, force, False)


def _install(request: Request, content: bytes, force: bool, dry_run: bool) -> dict[str, Any]:
    with request_context(request, write=True) as ctx:
        if not ctx.policy.can_manage_metadata():
            raise Forbidden()  # before the file is read: nothing about it is told
        package = read_archive(content)
        return install(ctx, package, dry_run=dry_run, force=force).json()
