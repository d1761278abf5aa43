"""Input values: coercion by field type, field-level write permission, defaults, required."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from keyi.platform.context import Context
from keyi.platform.errors import FieldErrors
from keyi.platform.fieldtypes import Invalid, coerce_currency_code, currency_column, impl_for
from keyi.platform.metadata.model import OWNER_FIELD, POOL_FIELD, FieldDef, FieldType
from keyi.platform.schema import CompiledObject

# System fields a caller may set directly: who owns a record, and which pool it sits in.
ASSIGNABLE = frozenset({OWNER_FIELD, POOL_FIELD})

# Keys a client may send back unchanged from a GET without being told they are read-only.
ECHO_KEYS = frozenset(
    {"id", "version", "created_at", "created_by", "updated_at", "updated_by", "_display"}
)


Verdicts = dict[str, tuple[FieldDef | None, str | None]]
"""Per input key: its field and why it may not be written (None: it may), for one batch."""


def coerce_input(
    ctx: Context,
    obj: CompiledObject,
    data: Any,
    errors: FieldErrors,
    prefix: str = "",
    trusted_fields: frozenset[str] = frozenset(),
    verdicts: Verdicts | None = None,
) -> dict[str, Any]:
    """Typed values for the columns to write; every problem is added to `errors`.

    `trusted_fields` are read-only system fields a platform service (never a request) sets.
    `verdicts`: a dict shared by the rows of one batch, so the field-level permission checks
    run once per key and batch rather than once per key and row (a fifth of a bulk create).
    """
    values: dict[str, Any] = {}
    if not isinstance(data, dict):
        errors.add(prefix.rstrip(".") or "body", "invalid_request")
        return values
    currency_keys = {
        currency_column(f.name): f for f in obj.definition.fields if f.type == FieldType.CURRENCY
    }
    for key, raw in data.items():
        if key in ECHO_KEYS:
            continue
        if key in currency_keys:
            if raw is None or raw == "":
                values[key] = None
                continue
            try:
                values[key] = coerce_currency_code(raw)
            except Invalid as exc:
                errors.add(prefix + key, exc.code, **exc.params)
            continue
        verdict = verdicts.get(key) if verdicts is not None else None
        if verdict is None:
            verdict = _verdict(ctx, obj, key, trusted_fields)
            if verdicts is not None:
                verdicts[key] = verdict
        f, refusal = verdict
        if refusal == "unknown_field":
            errors.add(prefix + key, "unknown_field", field=key)
            continue
        if refusal is not None or f is None:
            errors.add(prefix + key, "read_only")
            continue
        if raw is None:
            values[key] = None
            continue
        try:
            values[key] = impl_for(f).coerce(f, raw)
        except Invalid as exc:
            errors.add(prefix + key, exc.code, **exc.params)
            continue
        if isinstance(values[key], Decimal) and not _storable(ctx, values[key]):
            errors.add(prefix + key, "precision_exceeded", digits=SQLITE_DIGITS)
    return values


def _verdict(
    ctx: Context, obj: CompiledObject, key: str, trusted_fields: frozenset[str]
) -> tuple[FieldDef | None, str | None]:
    f = obj.fields.get(key)
    if f is None or not ctx.policy.can_read_field(obj, f):
        return None, "unknown_field"
    if key not in trusted_fields and (
        not ctx.policy.can_edit_field(obj, f) or (not f.writable and key not in ASSIGNABLE)
    ):
        return f, "read_only"
    return f, None


SQLITE_DIGITS = 15
"""Significant digits a number keeps in SQLite, which stores NUMERIC values as 8-byte floats
(PostgreSQL's numeric is exact to the field's precision)."""


def _storable(ctx: Context, value: Decimal) -> bool:
    """Whether the database stores `value` exactly: a longer number is refused on SQLite,
    where it would silently come back rounded (1234567890123456.78 → …6.75)."""
    return ctx.dialect != "sqlite" or len(value.as_tuple().digits) <= SQLITE_DIGITS


def apply_defaults(ctx: Context, obj: CompiledObject, values: dict[str, Any]) -> None:
    for f in obj.definition.fields:
        if f.name not in values and f.default is not None and f.stored and not f.computed:
            try:
                values[f.name] = impl_for(f).coerce(f, f.default)
            except Invalid:
                continue
        if f.type == FieldType.CURRENCY and values.get(f.name) is not None:
            values.setdefault(currency_column(f.name), ctx.settings.get("currency", "CNY"))
    # A record is owned by its creator unless it is put straight into a public pool unowned.
    unowned_in_pool = (
        OWNER_FIELD in values and values[OWNER_FIELD] is None and values.get(POOL_FIELD)
    )
    if obj.definition.features.owner and values.get(OWNER_FIELD) is None and not unowned_in_pool:
        values[OWNER_FIELD] = ctx.actor.id


def check_required(
    obj: CompiledObject,
    final: dict[str, Any],
    errors: FieldErrors,
    prefix: str = "",
    only: set[str] | None = None,
) -> None:
    for f in obj.definition.fields:
        if not f.required or f.computed:
            continue
        if only is not None and f.name not in only:
            continue
        if final.get(f.name) is None:
            errors.add(prefix + f.name, "required")
