"""Mass actions on selected records: update one set of values on many, or delete many.

`POST /records/{object}/bulk` creates; these two act on existing records chosen in a list view.
Both are all or nothing in one transaction and go through the records service record by record,
so every permission check, validation rule, hook, history entry and outbox event is the same
as for a single edit. Errors are keyed `N.field` by the position of the id in the request, as
for bulk create, so a client can say which record failed which rule.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request

from keyi.api.context import request_context
from keyi.api.exactjson import ExactNumbersRoute
from keyi.platform.errors import FieldError, NotFound, ValidationFailed
from keyi.platform.fieldtypes import UUID_RE
from keyi.platform.records import RecordsService

router = APIRouter(prefix="/api/v1/records", tags=["records"], route_class=ExactNumbersRoute)

MAX_IDS = 500


def _ids(body: dict[str, Any]) -> list[str]:
    """The `ids` list: 1..MAX_IDS UUIDs without repeats; anything else is a 422 on `ids`."""
    ids = body.get("ids")
    if (
        not isinstance(ids, list)
        or not 1 <= len(ids) <= MAX_IDS
        or not all(isinstance(i, str) and UUID_RE.match(i) for i in ids)
        or len({i.lower() for i in ids}) != len(ids)
    ):
        raise ValidationFailed([FieldError("ids", "invalid_request", {"max": MAX_IDS})])
    return [i.lower() for i in ids]


def _versions(body: dict[str, Any], ids: list[str]) -> dict[str, int]:
    """Optional `versions` {id: version} for optimistic locking of each record."""
    raw = body.get("versions") or {}
    if not isinstance(raw, dict):
        raise ValidationFailed([FieldError("versions", "invalid_request")])
    out: dict[str, int] = {}
    for key, value in raw.items():
        if key.lower() not in ids or isinstance(value, bool) or not isinstance(value, int):
            raise ValidationFailed([FieldError(f"versions.{key}", "invalid_integer")])
        out[key.lower()] = value
    return out


def _unknown(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ValidationFailed([FieldError(k, "unknown_field", {"field": k}) for k in unknown])


@router.post("/{object_name}/mass-update")
def mass_update(
    object_name: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Set the same `values` on every record in `ids`; answers the ids and new versions."""
    _unknown(body, {"ids", "values", "versions"})
    ids = _ids(body)
    values = body.get("values")
    if not isinstance(values, dict) or not values or "version" in values:
        raise ValidationFailed([FieldError("values", "invalid_request")])
    versions = _versions(body, ids)
    with request_context(request, write=True) as ctx:
        ctx.object(object_name)  # an unknown object is a 404, not a "record not found" per id
        service = RecordsService(ctx)
        errors: list[FieldError] = []
        updated: dict[str, int] = {}
        for i, record_id in enumerate(ids):
            try:
                record = service.update(
                    object_name, record_id, dict(values), expected_version=versions.get(record_id)
                )
            except ValidationFailed as failed:
                # Keep going so the caller sees every failing record at once; the transaction
                # is rolled back below, so nothing is written.
                errors.extend(FieldError(f"{i}.{e.field}", e.code, e.params) for e in failed.errors)
                continue
            except NotFound:
                errors.append(FieldError(f"{i}.id", "record_not_found", {"id": record_id}))
                continue
            updated[record_id] = int(record["version"])
        if errors:
            raise ValidationFailed(errors)
        return {"ids": ids, "versions": updated}


@router.post("/{object_name}/mass-delete")
def mass_delete(
    object_name: str, request: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Move every record in `ids` to the recycle bin (master-detail children follow)."""
    _unknown(body, {"ids", "versions"})
    ids = _ids(body)
    versions = _versions(body, ids)
    with request_context(request, write=True) as ctx:
        ctx.object(object_name)  # an unknown object is a 404, not a "record not found" per id
        service = RecordsService(ctx)
        errors: list[FieldError] = []
        for i, record_id in enumerate(ids):
            try:
                service.delete(object_name, record_id, expected_version=versions.get(record_id))
            except NotFound:
                errors.append(FieldError(f"{i}.id", "record_not_found", {"id": record_id}))
        if errors:
            raise ValidationFailed(errors)
        return {"deleted": len(ids)}
