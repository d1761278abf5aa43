"""Headers → fields: automatic matching, the checks on a mapping, saved mappings.

A header matches a field by its API name or either label, compared after :func:`normalise`
(case, width, spaces and underscores ignored), so "客户名称", "Account name", "account_name"
and "ＡＣＣＯＵＮＴ　ＮＡＭＥ" all find `name`. A mapping is ``{header: field name or None}``;
a header mapped to None (or absent) is not imported.

The importer writes only what the user could type into the form: a field that is read-only
(for everyone or for this user), computed (formula, roll-up, auto-number), a system field, or
masked from the user is refused in the mapping before any row is read — except the key of an
update, which only finds records and is never written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from keyi.imports import messages as _messages  # noqa: F401
from keyi.imports.values import normalise
from keyi.platform.context import Context
from keyi.platform.errors import Conflict, FieldError, FieldErrors, NotFound, ValidationFailed
from keyi.platform.fieldtypes import currency_column
from keyi.platform.ids import new_id
from keyi.platform.import_tables import mapping_table
from keyi.platform.metadata.model import FieldDef, FieldType
from keyi.platform.records.values import ASSIGNABLE
from keyi.platform.schema import CompiledObject

__all__ = [
    "auto_map",
    "check_key",
    "check_mapping",
    "delete_mapping",
    "header_score",
    "list_mappings",
    "load_mapping",
    "save_mapping",
    "unwritable_reason",
]

MAX_SAVED_COLUMNS = 500


def _aliases(obj: CompiledObject) -> dict[str, str]:
    """Normalised name or label → field name (names win over labels, defined fields over
    system ones when two share a label)."""
    out: dict[str, str] = {}
    ordered = sorted(obj.fields.values(), key=lambda f: (f.system, f.name))
    for f in ordered:
        out.setdefault(normalise(f.name), f.name)
    for f in ordered:
        for text in (f.labels or {}).values():
            out.setdefault(normalise(text), f.name)
        if f.type == FieldType.CURRENCY:
            out.setdefault(normalise(currency_column(f.name)), currency_column(f.name))
    return out


def header_score(obj: CompiledObject) -> Callable[[list[str]], float]:
    """The share of a row's non-empty cells that name a field (header row detection)."""
    aliases = _aliases(obj)

    def score(texts: list[str]) -> float:
        filled = [t for t in texts if t]
        if not filled:
            return 0.0
        return sum(1 for t in filled if normalise(t) in aliases) / len(filled)

    return score


def auto_map(obj: CompiledObject, headers: list[str]) -> dict[str, str | None]:
    """Each header's field, or None; a field is taken by its first matching header only."""
    aliases = _aliases(obj)
    taken: set[str] = set()
    out: dict[str, str | None] = {}
    for header in headers:
        name = aliases.get(normalise(header)) if header else None
        if name is not None and name not in taken:
            taken.add(name)
            out[header] = name
        else:
            out[header] = None
    return out


def unwritable_reason(ctx: Context, obj: CompiledObject, f: FieldDef) -> str | None:
    """Why the acting user may not import into ``f`` (None: they may)."""
    policy = ctx.policy
    if not policy.can_read_field(obj, f):
        return "masked"
    if f.computed:
        return "computed"
    if not f.writable and f.name not in ASSIGNABLE:
        return "read_only"
    if not policy.can_edit_field(obj, f):
        return "read_only"
    return None


def _field_of(obj: CompiledObject, name: str) -> FieldDef | None:
    if name.endswith("_currency"):
        base = obj.fields.get(name.removesuffix("_currency"))
        if base is not None and base.type == FieldType.CURRENCY:
            return base
    return obj.fields.get(name)


def check_key(obj: CompiledObject, mode: str, key: str | None) -> None:
    """A key is `id` or a unique field; update and upsert need one."""
    if key is None:
        if mode in ("update", "upsert"):
            raise ValidationFailed([FieldError("key", "required")])
        return
    if key == "id" and mode != "upsert":
        return
    f = obj.fields.get(key)
    if f is None or not f.unique:
        raise ValidationFailed([FieldError("key", "invalid_key", {"field": key})])


def check_mapping(
    ctx: Context,
    obj: CompiledObject,
    mapping: Mapping[str, str | None],
    *,
    mode: str,
    key: str | None,
) -> dict[str, str]:
    """The mapping without unmapped headers, every field checked; refuses with every problem
    at once (keyed ``mapping.<header>``)."""
    errors = FieldErrors()
    used: dict[str, str] = {}
    out: dict[str, str] = {}
    for header, name in mapping.items():
        if not name:
            continue
        f = _field_of(obj, name)
        if f is None or not ctx.policy.can_read_field(obj, f):
            errors.add(f"mapping.{header}", "unknown_field", field=name)
            continue
        if name in used:
            errors.add(f"mapping.{header}", "not_unique", field=name)
            continue
        used[name] = header
        if name == key and mode == "update":
            out[header] = name  # only finds records; never written
            continue
        reason = unwritable_reason(ctx, obj, f)
        if reason is not None:
            errors.add(
                f"mapping.{header}",
                "not_importable",
                field=name,
                reason=reason,
            )
            continue
        out[header] = name
    if key is not None and key not in used:
        errors.add("key", "key_not_mapped", field=key)
    if not out and not errors:
        errors.add("mapping", "nothing_mapped")
    errors.raise_if_any()
    return out


# ---------------------------------------------------------------- saved mappings
def _row(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": row["object"],
        "name": row["name"],
        "columns": row["columns"],
        "created_by": row["created_by"],
        "created_at": row["created_at"].isoformat(timespec="seconds") + "Z",
        "updated_at": row["updated_at"].isoformat(timespec="seconds") + "Z",
    }


def list_mappings(ctx: Context, object_name: str) -> list[dict[str, Any]]:
    ctx.object(object_name)
    t = mapping_table
    rows = ctx.conn.execute(
        sa.select(t).where(t.c.object == object_name).order_by(t.c.name)
    ).mappings()
    return [_row(r) for r in rows]


def load_mapping(ctx: Context, object_name: str, name: str) -> dict[str, str | None]:
    t = mapping_table
    row = ctx.conn.execute(
        sa.select(t.c.columns).where(t.c.object == object_name, t.c.name == name)
    ).first()
    if row is None:
        raise NotFound("mapping_not_found", name=name)
    return dict(row[0])


def save_mapping(
    ctx: Context, object_name: str, name: str, columns: Mapping[str, str | None]
) -> dict[str, Any]:
    """Create or replace the mapping `name` of an object (anyone who may import into it)."""
    obj = ctx.object(object_name)
    if not name.strip() or len(name) > 100 or len(columns) > MAX_SAVED_COLUMNS:
        raise ValidationFailed([FieldError("name", "invalid_request")])
    errors = FieldErrors()
    for header, field_name in columns.items():
        if field_name and _field_of(obj, field_name) is None:
            errors.add(f"columns.{header}", "unknown_field", field=field_name)
    errors.raise_if_any()
    t = mapping_table
    now = ctx.now()
    existing = ctx.conn.execute(
        sa.select(t.c.id).where(t.c.object == object_name, t.c.name == name)
    ).scalar()
    if existing is None:
        try:
            with ctx.conn.begin_nested():
                ctx.conn.execute(
                    sa.insert(t).values(
                        id=new_id(),
                        object=object_name,
                        name=name,
                        columns=dict(columns),
                        created_by=ctx.actor.id,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except sa.exc.IntegrityError as exc:
            raise Conflict("conflict") from exc
    else:
        ctx.conn.execute(
            sa.update(t).where(t.c.id == existing).values(columns=dict(columns), updated_at=now)
        )
    ctx.audit("import.mapping_saved", object_name=object_name, name=name)
    row = (
        ctx.conn.execute(sa.select(t).where(t.c.object == object_name, t.c.name == name))
        .mappings()
        .one()
    )
    return _row(row)


def delete_mapping(ctx: Context, object_name: str, name: str) -> None:
    ctx.object(object_name)
    t = mapping_table
    deleted = ctx.conn.execute(
        sa.delete(t).where(t.c.object == object_name, t.c.name == name)
    ).rowcount
    if not deleted:
        raise NotFound("mapping_not_found", name=name)
    ctx.audit("import.mapping_deleted", object_name=object_name, name=name)
