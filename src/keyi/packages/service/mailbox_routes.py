"""Email to case endpoints: a queue's mailbox settings (administrators), and the files kept
with a record (``keyi_record_file``): a case's mail attachments, a work order's signature —
each for whoever may read the record.

The password is write-only: no answer carries it (``password_set`` says whether one is stored),
and the audit log records who changed which server and user, never the password.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Request, Response

from keyi.api.context import request_context
from keyi.packages.service import mail_inbound, mailbox
from keyi.packages.service.mailbox import MailboxIn, MailboxOut
from keyi.platform.context import Context
from keyi.platform.errors import Forbidden, NotFound
from keyi.platform.hooks import installed_packages
from keyi.platform.mailboxes.files import SAFE_TYPES, list_files, read_file
from keyi.platform.records import RecordsService

router = APIRouter(prefix="/api/v1/service", tags=["service"])
MAILBOX = "/queues/{queue_id}/mailbox"


def _require_admin(ctx: Context) -> None:
    if "service" not in installed_packages(ctx):
        raise NotFound()
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


@router.get(MAILBOX)
def get_mailbox(request: Request, queue_id: str) -> MailboxOut:
    """The queue's IMAP settings and how its last read went (administrators only)."""
    with request_context(request) as ctx:
        _require_admin(ctx)
        return mailbox.get_mailbox(ctx, queue_id)


@router.put(MAILBOX)
def put_mailbox(request: Request, queue_id: str, body: MailboxIn) -> MailboxOut:
    """Create or replace the queue's mailbox. The password is required for a new mailbox and
    kept when omitted; it is stored encrypted and never returned."""
    with request_context(request, write=True) as ctx:
        _require_admin(ctx)
        saved = mailbox.save_mailbox(ctx, queue_id, body)
        ctx.audit(
            "service.mailbox.save",
            object_name="queue",
            record_id=queue_id,
            host=body.host,
            port=body.port,
            username=body.username,
            folder=body.folder,
            active=body.active,
            password_changed=bool(body.password),
        )
        return saved


@router.delete(MAILBOX, status_code=204)
def delete_mailbox(request: Request, queue_id: str) -> Response:
    with request_context(request, write=True) as ctx:
        _require_admin(ctx)
        mailbox.delete_mailbox(ctx, queue_id)
        ctx.audit("service.mailbox.delete", object_name="queue", record_id=queue_id)
    return Response(status_code=204)


@router.post(MAILBOX + "/test")
def test_mailbox(
    request: Request, queue_id: str, body: MailboxIn | None = Body(None)
) -> dict[str, Any]:
    """Sign in to the server and open the folder, with the settings sent (a form not saved
    yet; without a password, the stored one) or else the stored ones: ``{"ok", "error",
    "messages"}``. Reads and changes nothing in the mailbox."""
    with request_context(request) as ctx:
        _require_admin(ctx)
        return mailbox.test_connection(ctx, queue_id, body)


@router.post(MAILBOX + "/read")
def read_mailbox(request: Request, queue_id: str) -> dict[str, Any]:
    """Read the queue's new mails now instead of at the next scheduler round: how many were
    read and what became of them, and the mailbox's error if the read failed. 409
    ``mailbox_busy`` while the scheduled poll is reading it."""
    with request_context(request, write=True) as ctx:
        _require_admin(ctx)
        mailbox.get_mailbox(ctx, queue_id)  # 404 for a queue the caller cannot see
        result, error = mail_inbound.read_now(ctx, queue_id)
        return {**dataclasses.asdict(result), "error": error}


def _list(request: Request, object_name: str, record_id: str) -> dict[str, Any]:
    with request_context(request) as ctx:
        if "service" not in installed_packages(ctx):
            raise NotFound()
        RecordsService(ctx).get(object_name, record_id)  # 404 unless the caller may read it
        files = list_files(ctx.conn, object_name, record_id)
        return {
            "items": [
                {
                    "id": str(f["id"]),
                    "filename": f["filename"],
                    "content_type": f["content_type"],
                    "size": f["size"],
                    "message": str(f["source_id"]) if f["source_id"] else None,
                    "created_at": f["created_at"],
                }
                for f in files
            ]
        }


def _download(request: Request, object_name: str, record_id: str, file_id: str) -> Response:
    """One file, always as an attachment (never rendered by the browser as a page); types
    other than plain text, PDF, CSV and common images are sent as octet-stream."""
    with request_context(request) as ctx:
        if "service" not in installed_packages(ctx):
            raise NotFound()
        RecordsService(ctx).get(object_name, record_id)
        try:
            file_id = str(uuid.UUID(file_id))
        except ValueError:
            raise NotFound() from None
        found = read_file(ctx.conn, object_name, record_id, file_id)
        if found is None:
            raise NotFound()
    content_type = found["content_type"]
    if content_type not in SAFE_TYPES:
        content_type = "application/octet-stream"
    filename = quote(found["filename"], safe="")
    return Response(
        content=bytes(found["content"]),
        media_type=content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/cases/{case_id}/files")
def get_case_files(request: Request, case_id: str) -> dict[str, Any]:
    """The files kept with a case (its mails' attachments), for whoever may read the case."""
    return _list(request, "case", case_id)


@router.get("/cases/{case_id}/files/{file_id}")
def get_case_file(request: Request, case_id: str, file_id: str) -> Response:
    """Download one of a case's files, always as an attachment; types other than plain text,
    PDF, CSV and common images are sent as octet-stream."""
    return _download(request, "case", case_id, file_id)


@router.get("/work_orders/{work_order_id}/files")
def get_work_order_files(request: Request, work_order_id: str) -> dict[str, Any]:
    """The files kept with a work order (the customer's signature), for whoever may read it."""
    return _list(request, "work_order", work_order_id)


@router.get("/work_orders/{work_order_id}/files/{file_id}")
def get_work_order_file(request: Request, work_order_id: str, file_id: str) -> Response:
    """Download one of a work order's files (the signature PNG), always as an attachment."""
    return _download(request, "work_order", work_order_id, file_id)
