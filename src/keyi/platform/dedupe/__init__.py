"""Duplicate matching: normalised keys (keyi.platform.dedupe.normalise) and a query helper
that finds the records, among those the caller may read, whose stored key equals a value.

Packages store the keys in ordinary indexed fields filled by their hooks (the sales package:
account.name_key, contact.mobile_key), so a candidate search is an index lookup."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from keyi.platform.dedupe.backfill import fill_missing_keys
from keyi.platform.dedupe.normalise import (
    normalise_company_name,
    normalise_credit_code,
    normalise_email,
    normalise_mobile,
)
from keyi.platform.query import QuerySpec, run_query

if TYPE_CHECKING:
    from keyi.platform.context import Context

MAX_CANDIDATES = 20

__all__ = [
    "fill_missing_keys",
    "find_candidates",
    "normalise_company_name",
    "normalise_credit_code",
    "normalise_email",
    "normalise_mobile",
]


def find_candidates(
    ctx: Context,
    object_name: str,
    field: str,
    values: Iterable[str | None],
    *,
    fields: list[str] | None = None,
    limit: int = MAX_CANDIDATES,
) -> list[dict[str, Any]]:
    """The records of ``object_name`` the caller can read whose ``field`` equals one of
    ``values`` (empty values ignored), as the records API lists them (``fields`` only).

    Goes through the ordinary query path, so access rules and field masks apply: a candidate
    list never reveals a record the caller could not open."""
    wanted = sorted({v for v in values if v})
    if not wanted or (field != "id" and field not in ctx.object(object_name).fields):
        return []
    spec = QuerySpec(
        filter={"field": field, "op": "in", "value": wanted},
        fields=fields,
        limit=limit,
    )
    return list(run_query(ctx, object_name, spec)["records"])
