"""Receipts of marketing expenses: files kept with the expense (``keyi_record_file``).

The platform keeps a record's files beside it in the tenant's database (a case mail's
attachments, a work order's signature: keyi.platform.mailboxes.files); an expense's receipts
are kept the same way. Three record actions: ``attach_receipt`` (whoever may edit the expense;
a PDF, PNG or JPEG of at most 5 MB, sent as base64, its content checked against its type),
``receipts`` (the list, for whoever may read it) and ``receipt`` (one file, always as an
attachment).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from keyi.platform.actions import FileResult, registry
from keyi.platform.context import Context
from keyi.platform.errors import FieldError, NotFound, ValidationFailed
from keyi.platform.i18n import MESSAGES
from keyi.platform.mailboxes.files import list_files, read_file, store_file

actions = registry.package("marketing")
EXPENSE = "marketing_expense"
MAX_RECEIPT_BYTES = 5 * 1024 * 1024
# content type → how its files begin
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}

MESSAGES.update(
    {
        "invalid_receipt": {
            "en": "A receipt is a PDF, PNG or JPEG file of at most {max_mb} MB.",
            "zh-CN": "票据须为不超过 {max_mb} MB 的 PDF、PNG 或 JPEG 文件。",
        },
        "receipt_not_found": {
            "en": "No such receipt on this expense.",
            "zh-CN": "该费用没有这张票据。",
        },
    }
)


class ReceiptUpload(BaseModel):
    filename: str = Field(min_length=1, max_length=255)
    content_type: Literal["application/pdf", "image/png", "image/jpeg"]
    data: str = Field(
        min_length=1,
        max_length=MAX_RECEIPT_BYTES * 4 // 3 + 8,
        description="The file's bytes, base64-encoded.",
    )


class ReceiptRef(BaseModel):
    file_id: str = Field(min_length=1, max_length=64)


class Receipt(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    created_at: datetime


class Receipts(BaseModel):
    items: list[Receipt]


def _listed(ctx: Context, record_id: str) -> Receipts:
    return Receipts(
        items=[
            Receipt(
                id=str(f["id"]),
                filename=f["filename"],
                content_type=f["content_type"],
                size=f["size"],
                created_at=f["created_at"],
            )
            for f in list_files(ctx.conn, EXPENSE, record_id)
        ]
    )


def decode_receipt(body: ReceiptUpload) -> bytes:
    """The file's bytes, or a field error on ``data``: not base64, too large, or not what its
    content type says (a renamed executable is not a PDF)."""
    invalid = ValidationFailed(
        [FieldError("data", "invalid_receipt", {"max_mb": MAX_RECEIPT_BYTES // (1024 * 1024)})]
    )
    try:
        content = base64.b64decode(body.data, validate=True)
    except (binascii.Error, ValueError):
        raise invalid from None
    if not content or len(content) > MAX_RECEIPT_BYTES:
        raise invalid
    if not content.startswith(SIGNATURES[body.content_type]):
        raise invalid
    return content


@actions.record(
    EXPENSE,
    "attach_receipt",
    labels={"en": "Attach receipt", "zh-CN": "上传票据"},
    input=ReceiptUpload,
    output=Receipts,
    menu=False,
)
def attach_receipt(ctx: Context, record: dict[str, Any], payload: ReceiptUpload) -> Receipts:
    """Keep a receipt (PDF, PNG or JPEG, at most 5 MB) with the expense; its receipts. The
    same file sent twice (a double click) is kept once."""
    content = decode_receipt(payload)
    if _already_kept(ctx, record["id"], payload.filename, content):
        return _listed(ctx, record["id"])
    store_file(
        ctx.conn,
        object_name=EXPENSE,
        record_id=record["id"],
        filename=payload.filename,
        content_type=payload.content_type,
        content=content,
        now=ctx.now(),
        created_by=ctx.actor.id,
    )
    return _listed(ctx, record["id"])


def _already_kept(ctx: Context, record_id: str, filename: str, content: bytes) -> bool:
    for f in list_files(ctx.conn, EXPENSE, record_id):
        if f["filename"] == filename[:255] and f["size"] == len(content):
            found = read_file(ctx.conn, EXPENSE, record_id, str(f["id"]))
            if found is not None and bytes(found["content"]) == content:
                return True
    return False


@actions.record(
    EXPENSE,
    "receipts",
    labels={"en": "Receipts", "zh-CN": "票据"},
    method="GET",
    access="read",
    output=Receipts,
    menu=False,
)
def receipts(ctx: Context, record: dict[str, Any], payload: None) -> Receipts:
    """The receipts kept with the expense, oldest first."""
    return _listed(ctx, record["id"])


@actions.record(
    EXPENSE,
    "receipt",
    labels={"en": "Download receipt", "zh-CN": "下载票据"},
    input=ReceiptRef,
    media_type="application/octet-stream",
    access="read",
    menu=False,
)
def receipt(ctx: Context, record: dict[str, Any], payload: ReceiptRef) -> FileResult:
    """One receipt of the expense, as an attachment in its own (PDF or image) type."""
    try:
        file_id = str(uuid.UUID(payload.file_id))
    except ValueError:
        raise NotFound("receipt_not_found") from None
    found = read_file(ctx.conn, EXPENSE, record["id"], file_id)
    if found is None:
        raise NotFound("receipt_not_found")
    media = found["content_type"] if found["content_type"] in SIGNATURES else None
    return FileResult(content=bytes(found["content"]), filename=found["filename"], media_type=media)
