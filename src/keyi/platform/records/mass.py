"""Mass actions on chosen records: one set of values on many, or many to the recycle bin.

Bulk create takes new rows; these act on existing records picked in a list view, by the API,
the CLI or an automation alike. Both go through the records service record by record, so every
permission check, validation rule, hook, history entry and outbox event is the one a single
edit gets, and both are all or nothing: the caller's transaction is rolled back by the
`ValidationFailed` raised when any record fails. Errors are keyed `N.field` by the position of
the id in the request, as for bulk create, so a client can say which record failed which rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from keyi.platform.context import Context
from keyi.platform.errors import FieldError, NotFound, ValidationFailed
from keyi.platform.fieldtypes import UUID_RE
from keyi.platform.records.service import RecordsService

MAX_IDS = 500


def checked_ids(ids: Sequence[Any]) -> list[str]:
    """1..MAX_IDS UUIDs without repeats, lower-cased; anything else is a 422 on `ids`."""
    if (
        not 1 <= len(ids) <= MAX_IDS
        or not all(isinstance(i, str) and UUID_RE.match(i) for i in ids)
        or len({i.lower() for i in ids}) != len(ids)
    ):
        raise ValidationFailed([FieldError("ids", "invalid_request", {"max": MAX_IDS})])
    return [i.lower() for i in ids]


def checked_versions(versions: Mapping[str, Any] | None, ids: list[str]) -> dict[str, int]:
    """Expected versions by id (optimistic locking per record); only ids of the request."""
    out: dict[str, int] = {}
    for key, value in (versions or {}).items():
        if key.lower() not in ids or isinstance(value, bool) or not isinstance(value, int):
            raise ValidationFailed([FieldError(f"versions.{key}", "invalid_integer")])
        out[key.lower()] = value
    return out


def mass_update(
    ctx: Context,
    object_name: str,
    ids: Sequence[str],
    values: Mapping[str, Any],
    *,
    versions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Set `values` on every record in `ids`; answers the ids and each record's new version."""
    record_ids = checked_ids(ids)
    if not values or "version" in values:
        raise ValidationFailed([FieldError("values", "invalid_request")])
    expected = checked_versions(versions, record_ids)
    ctx.object(object_name)  # an unknown object is a 404, not a "record not found" per id
    service = RecordsService(ctx)
    errors: list[FieldError] = []
    updated: dict[str, int] = {}
    for i, record_id in enumerate(record_ids):
        try:
            record = service.update(
                object_name, record_id, dict(values), expected_version=expected.get(record_id)
            )
        except ValidationFailed as failed:
            # Keep going so the caller sees every failing record at once; nothing is kept,
            # since the error raised below rolls the transaction back.
            errors.extend(FieldError(f"{i}.{e.field}", e.code, e.params) for e in failed.errors)
            continue
        except NotFound:
            errors.append(FieldError(f"{i}.id", "record_not_found", {"id": record_id}))
            continue
        updated[record_id] = int(record["version"])
    if errors:
        raise ValidationFailed(errors)
    return {"ids": record_ids, "versions": updated}


def mass_delete(
    ctx: Context,
    object_name: str,
    ids: Sequence[str],
    *,
    versions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Move every record in `ids` to the recycle bin (master-detail children follow)."""
    record_ids = checked_ids(ids)
    expected = checked_versions(versions, record_ids)
    ctx.object(object_name)
    service = RecordsService(ctx)
    errors: list[FieldError] = []
    for i, record_id in enumerate(record_ids):
        try:
            service.delete(object_name, record_id, expected_version=expected.get(record_id))
        except NotFound:
            errors.append(FieldError(f"{i}.id", "record_not_found", {"id": record_id}))
    if errors:
        raise ValidationFailed(errors)
    return {"deleted": len(record_ids)}
