"""Field service (上门服务): work orders for a case, check-in/out and the customer's sign-off.

The visit's facts are the server's, not the phone's: check-in and check-out times are the
server's clock when the action runs (a phone's clock can be wrong or set back); the location
is what the browser reported, optional (a technician in a basement still checks in, and the
record shows that no location came). The steps go in order — on the way (optional: a
technician who drives from the office says so, with the time it started), check in, check out
with a work summary, sign-off with the customer's name and signature — and the sign-off
completes the work order; each step refuses (409 ``invalid_status``) when it is not the next
one.

Only the work order's technician, their manager (their ``manager`` or their department's) or
an administrator runs the steps; anyone else who may edit the record gets 403
``work_order_not_yours``. The signature is a PNG (a data URL or base64), decoded with Pillow
so that nothing but an image of sensible size is stored. It is kept as a file with the work
order (``keyi_record_file``, as a mail's attachments are with their case, committed with the
sign-off), its id in ``signature_file``, and served by the ``signature`` action and the work
order's file route (``/api/v1/service/work_orders/{id}/files/{file_id}``), both for whoever
may read the work order. Work orders signed before that kept the PNG as a data URL in
``signature``; it is still served.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, cast

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from keyi.packages.l2c.workflow import require_status, status_label
from keyi.platform.actions import FileResult, registry
from keyi.platform.context import Context
from keyi.platform.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from keyi.platform.i18n import MESSAGES
from keyi.platform.mailboxes.files import read_file, store_file
from keyi.platform.records import RecordsService

__all__ = ["MAX_SIGNATURE_BYTES", "decode_signature"]

actions = registry.package("service")

MAX_SIGNATURE_BYTES = 96 * 1024  # a signature pad's PNG is 5–30 kB
MAX_SIGNATURE_PIXELS = 2000  # per side
DATA_URL = re.compile(r"^data:image/png;base64,", re.IGNORECASE)
OPEN_STEPS = ("scheduled", "en_route")

MESSAGES.update(
    {
        "work_order_not_yours": {
            "en": "Only the work order's technician, their manager or an administrator can "
            "do this.",
            "zh-CN": "只有该工单的服务工程师、其上级或管理员可以执行此操作。",
        },
        "invalid_signature": {
            "en": "The signature must be a PNG image (at most {max_kb} kB).",
            "zh-CN": "签名必须是 PNG 图片（不超过 {max_kb} KB）。",
        },
        "empty_signature": {
            "en": "The signature is empty: ask the customer to sign.",
            "zh-CN": "签名为空，请客户签名。",
        },
        "not_checked_in": {
            "en": "Check in first.",
            "zh-CN": "请先签到。",
        },
        "not_checked_out": {
            "en": "Check out first.",
            "zh-CN": "请先签退。",
        },
        "no_signature": {
            "en": "This work order has no signature.",
            "zh-CN": "该工单没有客户签名。",
        },
    }
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class NewWorkOrder(_Body):
    scheduled_start: datetime
    scheduled_end: datetime
    technician: str | None = Field(default=None, description="A user id; the caller if none.")
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class WorkOrderCreated(BaseModel):
    work_order_id: str


class Location(_Body):
    """Where the phone was; both or neither (a browser that could not locate sends none)."""

    lat: Latitude | None = None
    lng: Longitude | None = None


class CheckOut(Location):
    work_summary: Annotated[Text, StringConstraints(max_length=5000)]


class SignOff(_Body):
    signed_by_name: Annotated[Text, StringConstraints(max_length=100)]
    # No maxLength in the schema (as the document template's logo): the size is checked when
    # decoding (invalid_signature) and the JSON body limit bounds the request.
    signature: str = Field(
        description="The signature as a PNG: a data URL (data:image/png;base64,…) or base64, "
        "at most 96 kB."
    )


class Visit(BaseModel):
    status: str
    en_route_at: datetime | None = None
    check_in_at: datetime | None = None
    check_out_at: datetime | None = None
    signed_at: datetime | None = None


# ---------------------------------------------------------------- helpers
def decode_signature(value: str) -> bytes:
    """The PNG bytes of a signature, or a field error on ``signature`` saying why not."""
    max_kb = MAX_SIGNATURE_BYTES // 1024
    if len(value) > MAX_SIGNATURE_BYTES * 4 // 3 + 64:  # longer than any PNG it could carry
        raise ValidationFailed([FieldError("signature", "invalid_signature", {"max_kb": max_kb})])
    raw = DATA_URL.sub("", value.strip(), count=1)
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            [FieldError("signature", "invalid_signature", {"max_kb": max_kb})]
        ) from None
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) > MAX_SIGNATURE_BYTES:
        raise ValidationFailed([FieldError("signature", "invalid_signature", {"max_kb": max_kb})])
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or max(image.size) > MAX_SIGNATURE_PIXELS:
                raise ValueError("not a signature-sized PNG")
            image.load()
            # A blank pad: every pixel the same (transparent or white).
            bands = cast(tuple[tuple[int, int], ...], image.convert("LA").getextrema())
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(
            [FieldError("signature", "invalid_signature", {"max_kb": max_kb})]
        ) from None
    if all(low == high for low, high in bands):
        raise ValidationFailed([FieldError("signature", "empty_signature")])
    return data


def _may_run(ctx: Context, record: dict[str, Any]) -> None:
    """The technician, their manager or an administrator (403 otherwise)."""
    actor = ctx.actor
    if actor.is_admin:
        return
    technician = record.get("technician")
    if technician is None or actor.id is None:
        raise Forbidden("work_order_not_yours")
    if str(technician) == actor.id:
        return
    users = ctx.object("user").table
    departments = ctx.object("department").table
    row = ctx.conn.execute(
        sa.select(users.c.manager, departments.c.manager.label("head"))
        .select_from(users.outerjoin(departments, departments.c.id == users.c.department))
        .where(users.c.id == technician)
    ).first()
    if row is None or actor.id not in {str(row.manager), str(row.head)}:
        raise Forbidden("work_order_not_yours")


def _require(ctx: Context, record: dict[str, Any], allowed: tuple[str, ...]) -> None:
    require_status(ctx, "work_order", record, allowed)


def _location(errors: list[FieldError], body: Location, prefix: str) -> dict[str, Any]:
    if (body.lat is None) != (body.lng is None):
        missing = "lng" if body.lng is None else "lat"
        errors.append(FieldError(missing, "required"))
    return {f"{prefix}_lat": body.lat, f"{prefix}_lng": body.lng}


def _write(ctx: Context, record_id: str, values: dict[str, Any]) -> Visit:
    """Write the step's fields (read-only to people) as the caller, through the records
    service, so history, audit and flows see who did it."""
    saved = RecordsService(ctx).update(
        "work_order", record_id, values, trusted_fields=frozenset(values)
    )
    return Visit.model_validate(saved)


# ---------------------------------------------------------------- case → work order
@actions.record(
    "case",
    "create_work_order",
    labels={"en": "Create work order", "zh-CN": "创建上门工单"},
    input=NewWorkOrder,
    output=WorkOrderCreated,
    access="read",
)
def create_work_order(
    ctx: Context, record: dict[str, Any], payload: NewWorkOrder
) -> WorkOrderCreated:
    """A work order for the case, with its subject, account and contact, the account's
    address unless one is given, and the caller as technician unless one is named. The
    technician owns it, so a role that edits only its own records still runs the visit."""
    address = payload.address
    if not address and record.get("account"):
        accounts = ctx.object("account").table
        address = ctx.conn.execute(
            sa.select(accounts.c.address).where(accounts.c.id == record["account"])
        ).scalar()
    technician = payload.technician or ctx.actor.id
    values = {
        "owner_id": technician,
        "subject": record.get("subject"),
        "case": record["id"],
        "account": record.get("account"),
        "contact": record.get("contact"),
        "address": address or None,
        "technician": technician,
        "scheduled_start": payload.scheduled_start,
        "scheduled_end": payload.scheduled_end,
    }
    created = RecordsService(ctx).create("work_order", values)
    return WorkOrderCreated(work_order_id=created["id"])


# ---------------------------------------------------------------- the visit
@actions.record(
    "work_order",
    "en_route",
    labels={"en": "On the way", "zh-CN": "出发"},
    output=Visit,
)
def en_route(ctx: Context, record: dict[str, Any], payload: None) -> Visit:
    """Set off to the customer: the server's time; the work order is on the way (en route).
    Optional: a technician already on site checks in straight from scheduled."""
    _may_run(ctx, record)
    _require(ctx, record, ("scheduled",))
    return _write(ctx, record["id"], {"en_route_at": ctx.now(), "status": "en_route"})


@actions.record(
    "work_order",
    "check_in",
    labels={"en": "Check in", "zh-CN": "签到"},
    input=Location,
    output=Visit,
)
def check_in(ctx: Context, record: dict[str, Any], payload: Location) -> Visit:
    """Arrived: the server's time and the phone's location (if any); the visit is in progress."""
    _may_run(ctx, record)
    errors: list[FieldError] = []
    values = _location(errors, payload, "check_in")
    if errors:
        raise ValidationFailed(errors)
    _require(ctx, record, OPEN_STEPS)
    return _write(ctx, record["id"], {**values, "check_in_at": ctx.now(), "status": "in_progress"})


@actions.record(
    "work_order",
    "check_out",
    labels={"en": "Check out", "zh-CN": "签退"},
    input=CheckOut,
    output=Visit,
)
def check_out(ctx: Context, record: dict[str, Any], payload: CheckOut) -> Visit:
    """Leaving: the server's time, the location and what was done."""
    _may_run(ctx, record)
    errors: list[FieldError] = []
    values = _location(errors, payload, "check_out")
    if errors:
        raise ValidationFailed(errors)
    _require(ctx, record, ("in_progress",))
    if record.get("check_in_at") is None:
        raise Conflict("not_checked_in")
    if record.get("check_out_at") is not None:
        raise Conflict("invalid_status", status=status_label(ctx, "work_order", "in_progress"))
    return _write(
        ctx,
        record["id"],
        {**values, "check_out_at": ctx.now(), "work_summary": payload.work_summary},
    )


@actions.record(
    "work_order",
    "sign_off",
    labels={"en": "Customer sign-off", "zh-CN": "客户签字"},
    input=SignOff,
    output=Visit,
)
def sign_off(ctx: Context, record: dict[str, Any], payload: SignOff) -> Visit:
    """The customer signs: name, signature image, time; the work order is completed."""
    _may_run(ctx, record)
    png = decode_signature(payload.signature)
    _require(ctx, record, ("in_progress",))
    if record.get("check_out_at") is None:
        raise Conflict("not_checked_out")
    number = record.get("work_order_no") or record["id"]
    file_id = store_file(
        ctx.conn,
        object_name="work_order",
        record_id=record["id"],
        filename=f"{number}-signature.png",
        content_type="image/png",
        content=png,
        now=ctx.now(),
        created_by=ctx.actor.id,
    )
    return _write(
        ctx,
        record["id"],
        {
            "signed_by_name": payload.signed_by_name,
            "signed_at": ctx.now(),
            "signature_file": file_id,
            "status": "completed",
        },
    )


@actions.record(
    "work_order",
    "signature",
    labels={"en": "Signature", "zh-CN": "客户签名"},
    method="GET",
    media_type="image/png",
    access="read",
    menu=False,
)
def signature(ctx: Context, record: dict[str, Any], payload: None) -> FileResult:
    """The customer's signature as a PNG file (404 ``no_signature`` before the sign-off)."""
    png = signature_png(ctx, record)
    if png is None:
        raise NotFound("no_signature")
    number = record.get("work_order_no") or record["id"]
    return FileResult(content=png, filename=f"{number}-signature.png")


def signature_png(ctx: Context, record: dict[str, Any]) -> bytes | None:
    """The signature's PNG: the file kept at the sign-off, else (signed before files) the data
    URL the record kept; None before the sign-off."""
    if record.get("signature_file"):
        found = read_file(ctx.conn, "work_order", record["id"], str(record["signature_file"]))
        if found is not None:
            return bytes(found["content"])
    stored = record.get("signature")
    if stored:
        return base64.b64decode(DATA_URL.sub("", str(stored), count=1))
    return None
