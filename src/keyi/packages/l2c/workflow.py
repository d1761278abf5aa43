"""Shared helpers of the lead-to-cash flows: reading records, status checks, trusted status
writes, copying line items, money rounding and notifications to a record's owner.

Every write goes through the RecordsService as the caller (their edit access applies, history,
audit, outbox and flows happen), so an action does nothing a user could not do by hand except
set the read-only fields the action owns (a status, a revision): those are passed as
``trusted_fields``, named here per call, never taken from a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from keyi.platform.approvals import engine as approvals
from keyi.platform.approvals.tables import process_table
from keyi.platform.context import Context
from keyi.platform.errors import Conflict
from keyi.platform.i18n import label
from keyi.platform.notifications import RecordLink, notify
from keyi.platform.notify.templates import normalise_locale
from keyi.platform.records import RecordsService

CENT = Decimal("0.01")
LINE_FIELDS = ("product", "quantity", "unit_price", "discount_percent", "tax_rate")
LINE_EXTRA = ("sort_order", "description")


def cents(value: Decimal) -> Decimal:
    """Money to the cent, half up (the rule for every amount the package computes)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Any) -> Decimal:
    """A stored amount as exact cents (SQLite hands back doubles: 100000.0100000000020…)."""
    if value is None:
        return Decimal(0)
    return cents(value if isinstance(value, Decimal) else Decimal(str(value)))


def get(ctx: Context, object_name: str, record_id: str) -> dict[str, Any]:
    """A record the caller may read (404 otherwise), as the API shows it."""
    return RecordsService(ctx).get(object_name, record_id)


def status_label(ctx: Context, object_name: str, value: str | None) -> str:
    """A status value as the caller reads it (草稿, Draft), for error messages."""
    f = ctx.object(object_name).fields.get("status")
    for option in (f.options if f is not None else None) or ():
        if option.value == value:
            return label(option.labels, ctx.locale, value or "")
    return value or ""


def require_status(
    ctx: Context, object_name: str, record: Mapping[str, Any], allowed: Iterable[str]
) -> None:
    """409 ``invalid_status`` naming the record's status unless it is one of ``allowed``."""
    status = record.get("status")
    if status not in set(allowed):
        raise Conflict(
            "invalid_status", status=status_label(ctx, object_name, status), value=status
        )


def set_fields(
    ctx: Context, object_name: str, record_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Write fields the action owns (read-only to users: a status, a link to a new version)
    as the caller, through the records service."""
    return RecordsService(ctx).update(
        object_name, record_id, values, trusted_fields=frozenset(values)
    )


def create(
    ctx: Context, object_name: str, values: dict[str, Any], *, trusted: Iterable[str] = ()
) -> str:
    """Create a record as the caller; ``trusted``: read-only fields this action fills."""
    return RecordsService(ctx).create_many(
        object_name, [values], trusted_fields=frozenset(trusted)
    )[0]


def lines_of(ctx: Context, line_object: str, parent_field: str, parent_id: str) -> list[dict]:
    """The live lines of a parent, in their order (sort_order, then creation), read as stored
    values (ids, decimals) — the caller's access to the parent was checked already."""
    obj = ctx.object(line_object)
    t = obj.table
    order = [t.c.sort_order] if "sort_order" in t.c else []
    rows = ctx.conn.execute(
        sa.select(t)
        .where(t.c[parent_field] == parent_id, t.c.deleted_at.is_(None))
        .order_by(*order, t.c.created_at, t.c.id)
    ).mappings()
    return [dict(row) for row in rows]


def copy_lines(
    ctx: Context,
    source: list[dict[str, Any]],
    line_object: str,
    parent_field: str,
    parent_id: str,
) -> list[str]:
    """Create ``line_object`` rows under ``parent_id`` copying product, quantity, price,
    discount, tax rate, order and description (line totals are recomputed by the hooks)."""
    fields = ctx.object(line_object).fields
    rows = []
    for index, line in enumerate(source):
        values: dict[str, Any] = {parent_field: parent_id}
        for name in (*LINE_FIELDS, *LINE_EXTRA):
            if name in fields and line.get(name) is not None:
                values[name] = _plain(line[name])
        if line.get("unit_price_currency"):  # the price's currency travels with it
            values["unit_price_currency"] = line["unit_price_currency"]
        if "sort_order" in fields and values.get("sort_order") is None:
            values["sort_order"] = index + 1
        rows.append(values)
    if not rows:
        return []
    return RecordsService(ctx).create_many(line_object, rows)


def _plain(value: Any) -> Any:
    """A stored value as the records service accepts it on input (decimals as text)."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value) if not isinstance(value, str | int | bool) else value


def owner_of(record: Mapping[str, Any]) -> str | None:
    owner = record.get("owner_id")
    return str(owner) if owner else None


def tell(
    ctx: Context,
    user_ids: Iterable[str | None],
    texts: Mapping[str, str],
    *,
    link: RecordLink,
    dedupe: str,
    **params: Any,
) -> int:
    """Notify users in their own language (``texts``: en and zh-CN templates over ``params``),
    once per ``dedupe`` key; how many notifications were written."""
    users = sorted({u for u in user_ids if u})
    if not users:
        return 0
    table = ctx.object("user").table
    rows = ctx.conn.execute(sa.select(table.c.id, table.c.language).where(table.c.id.in_(users)))
    languages = {str(user): language for user, language in rows}
    written = 0
    by_language: dict[str, list[str]] = {}
    for user in users:
        by_language.setdefault(normalise_locale(languages.get(user)), []).append(user)
    for language, group in by_language.items():
        title = texts.get(language, texts["en"]).format(**params)
        written += len(notify(ctx, group, title, link=link, source="l2c", dedupe_key=dedupe))
    return written


# ---------------------------------------------------------------- approvals
def submit(
    ctx: Context, object_name: str, record_id: str, comment: str | None = None
) -> dict[str, Any]:
    """Submit a draft quote or contract to its approval process. The process's outcomes set
    the status (metadata: ``approvals/*.yaml``); an object whose processes an administrator
    removed or switched off needs no approval, so the record is approved at once."""
    record = get(ctx, object_name, record_id)
    if record.get("superseded"):
        raise Conflict("quote_superseded")
    require_status(ctx, object_name, record, ("draft",))
    if not _has_process(ctx, object_name):
        done = APPROVED[object_name]
        set_fields(ctx, object_name, record_id, {"status": done})
        return {"approval_id": None, "status": done}
    approval = approvals.submit(ctx, object_name, record_id, comment)
    status = get(ctx, object_name, record_id)["status"]
    return {"approval_id": approval["id"], "status": status}


APPROVED = {"quote": "approved", "contract": "active"}


def _has_process(ctx: Context, object_name: str) -> bool:
    p = process_table
    found = ctx.conn.execute(
        sa.select(p.c.id).where(p.c.object == object_name, p.c.active.is_(True)).limit(1)
    ).first()
    return found is not None
