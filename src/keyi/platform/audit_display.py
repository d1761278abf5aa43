"""Names for the ids in audit entries, so the log reads as people and records, not UUIDs.

An entry stores ids (the record acted on, the new owner of a transfer, whom a share grants,
the records of a mass change) because names change and the log must not. Listing the log puts
the current titles next to them, under the same rule as record `_display` titles
(`keyi.platform.query.serialize`): a record the reader may not see keeps its bare id.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from keyi.platform.access.model import PrincipalType
from keyi.platform.context import Context
from keyi.platform.fieldtypes import UUID_RE
from keyi.platform.query.serialize import reference_titles

# Detail keys holding the id of a user (user.transfer's new owner).
USER_DETAILS = ("to_user",)


def _referenced(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """(object, id) pairs an entry names."""
    details = entry.get("details") or {}
    pairs: list[tuple[str, str]] = []
    if entry.get("object") and entry.get("record_id"):
        pairs.append((entry["object"], entry["record_id"]))
    for key in USER_DETAILS:
        if isinstance(details.get(key), str):
            pairs.append(("user", details[key]))
    kind = details.get("principal_type")
    if kind in set(PrincipalType) and isinstance(details.get("principal_id"), str):
        pairs.append((str(kind), details["principal_id"]))
    if entry.get("object") and isinstance(details.get("ids"), list):
        pairs.extend((entry["object"], i) for i in details["ids"] if isinstance(i, str))
    return [(obj, rid) for obj, rid in pairs if UUID_RE.match(rid)]


def add_titles(ctx: Context, entries: list[dict[str, Any]]) -> None:
    """Set each entry's `_display` to {id: title} for the records it names (one query per
    object for the whole page)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        for obj, rid in _referenced(entry):
            if ctx.schema.get(obj) is not None:
                wanted[obj].add(rid)
    titles = reference_titles(ctx, wanted) if wanted else {}
    for entry in entries:
        entry["_display"] = {
            rid: titles[(obj, rid)] for obj, rid in _referenced(entry) if (obj, rid) in titles
        }
