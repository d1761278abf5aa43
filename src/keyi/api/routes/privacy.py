"""Personal data requests over HTTP (the logic: keyi.platform.privacy).

``GET /api/v1/privacy/{object}/{id}/export`` answers a zip of everything held about a contact
or lead; ``POST /api/v1/privacy/{object}/{id}/erase`` anonymises it, with a reason. Both are
for administrators and audited.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import Field

from keyi.api.bodies import StrictBody
from keyi.api.context import request_context
from keyi.api.params import uuid_param
from keyi.platform import privacy

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])
ZIP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A zip: person.json (record, history, related records, deliveries, "
        "SMS messages, file list) and files/",
        "content": {"application/zip": {}},
    }
}


class EraseBody(StrictBody):
    reason: str = Field(min_length=1, max_length=500, description="Why (kept in the audit log).")


@router.get("/{object_name}/{record_id}/export", response_class=Response, responses=ZIP_RESPONSE)
def export_personal_data(object_name: str, record_id: str, request: Request) -> Response:
    record_id = uuid_param(record_id, "record_not_found")
    # A write transaction: the export is audited.
    with request_context(request, write=True) as ctx:
        archive = privacy.export_person(ctx, object_name, record_id)
        filename = f"personal-data-{object_name}-{record_id}-{ctx.now():%Y%m%d}.zip"
    return Response(
        archive,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/{object_name}/{record_id}/erase", response_model=dict[str, Any])
def erase_personal_data(
    object_name: str, record_id: str, request: Request, body: EraseBody
) -> dict[str, Any]:
    record_id = uuid_param(record_id, "record_not_found")
    with request_context(request, write=True) as ctx:
        return privacy.erase(ctx, object_name, record_id, body.reason)
