"""Quotes: from an opportunity, new versions, the status steps, and what a quote becomes
(a contract, an order).

Statuses (picklist ``quote.status``, read-only to users): draft → in_approval (the
``quote_discount`` approval process) → approved → sent → accepted | rejected; expired by the
daily job. A superseded quote (a newer version exists) is read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from keyi.packages.l2c import workflow
from keyi.platform.context import Context
from keyi.platform.errors import Conflict, FieldError, ValidationFailed
from keyi.platform.hooks import DeleteEvent, WriteEvent, registry

hooks = registry.package("l2c")

VALID_DAYS = 30
# Header fields a new version keeps from the quote it replaces.
VERSION_FIELDS = ("name", "account", "opportunity", "contact", "price_book", "terms")
# Statuses from which a quote can turn into a contract or an order.
CONVERTIBLE = ("approved", "sent", "accepted")


# ---------------------------------------------------------------- from an opportunity
def create_quote(ctx: Context, opportunity_id: str) -> str:
    """A draft quote for an opportunity with its lines copied (price book and currency from
    the lines' price book, else the standard one), valid for VALID_DAYS days."""
    opportunity = workflow.get(ctx, "opportunity", opportunity_id)
    lines = workflow.lines_of(ctx, "opportunity_line", "opportunity", opportunity_id)
    book_id = next((str(line["price_book"]) for line in lines if line.get("price_book")), None)
    book = _price_book(ctx, book_id)
    quote_id = workflow.create(
        ctx,
        "quote",
        {
            "name": opportunity["name"],
            "account": opportunity["account"],
            "opportunity": opportunity_id,
            "contact": opportunity.get("contact"),
            "price_book": book["id"],
            "currency": book["currency"],
            "valid_until": (ctx.today() + timedelta(days=VALID_DAYS)).isoformat(),
        },
        trusted=("currency",),
    )
    workflow.copy_lines(ctx, lines, "quote_line", "quote", quote_id)
    return quote_id


def _price_book(ctx: Context, book_id: str | None) -> dict[str, Any]:
    """The named price book, else the active standard one (422 on ``price_book`` if none)."""
    if book_id is None:
        t = ctx.object("price_book").table
        found = ctx.conn.execute(
            sa.select(t.c.id).where(
                t.c.is_standard.is_(True), t.c.active.is_(True), t.c.deleted_at.is_(None)
            )
        ).scalar()
        if found is None:
            raise ValidationFailed([FieldError("price_book", "price_book_missing")])
        book_id = str(found)
    book = workflow.get(ctx, "price_book", book_id)
    return {"id": book["id"], "currency": book.get("currency") or "CNY"}


# ---------------------------------------------------------------- versions
def new_version(ctx: Context, quote_id: str) -> str:
    """A draft copy with revision + 1 pointing at this quote, which becomes superseded."""
    quote = workflow.get(ctx, "quote", quote_id)
    not_superseded(quote)
    workflow.require_status(
        ctx, "quote", quote, ("draft", "approved", "sent", "rejected", "expired")
    )
    values = {name: quote.get(name) for name in VERSION_FIELDS if quote.get(name) is not None}
    values["valid_until"] = (ctx.today() + timedelta(days=VALID_DAYS)).isoformat()
    new_id = workflow.create(
        ctx,
        "quote",
        {
            **values,
            "currency": quote.get("currency"),
            "revision": int(quote.get("revision") or 1) + 1,
            "previous_version": quote_id,
        },
        trusted=("currency", "revision", "previous_version"),
    )
    lines = workflow.lines_of(ctx, "quote_line", "quote", quote_id)
    workflow.copy_lines(ctx, lines, "quote_line", "quote", new_id)
    workflow.set_fields(ctx, "quote", quote_id, {"superseded": True})
    return new_id


def not_superseded(quote: dict[str, Any]) -> None:
    if quote.get("superseded"):
        raise Conflict("quote_superseded")


@hooks.before_save("quote")
def superseded_is_read_only(ctx: Context, event: WriteEvent) -> None:
    """A replaced version stays as it was sent: the newer one is where changes go."""
    if event.old is not None and event.old.get("superseded"):
        raise Conflict("quote_superseded")


@hooks.before_save_many("quote_line")
def superseded_lines_are_read_only(ctx: Context, events: Sequence[WriteEvent]) -> None:
    """The lines of a replaced version stay too; the batch's quotes are read in one query."""
    quote_ids = sorted({str(e.final("quote")) for e in events if e.final("quote")})
    if not quote_ids:
        return
    t = ctx.object("quote").table
    superseded = ctx.conn.execute(
        sa.select(t.c.id).where(t.c.id.in_(quote_ids), t.c.superseded.is_(True)).limit(1)
    ).first()
    if superseded is not None:
        raise Conflict("quote_superseded")


@hooks.before_delete("quote_line")
def superseded_lines_stay(ctx: Context, event: DeleteEvent) -> None:
    quote_id = event.old.get("quote")
    if quote_id and _is_superseded(ctx, str(quote_id)):
        raise Conflict("quote_superseded")


def _is_superseded(ctx: Context, quote_id: str) -> bool:
    t = ctx.object("quote").table
    return bool(ctx.conn.execute(sa.select(t.c.superseded).where(t.c.id == quote_id)).scalar())


# ---------------------------------------------------------------- status steps
def mark_sent(ctx: Context, quote_id: str) -> dict[str, Any]:
    """An approved quote went to the customer."""
    return _step(ctx, quote_id, ("approved",), "sent")


def accept(ctx: Context, quote_id: str) -> dict[str, Any]:
    """The customer accepted the quote (sent, or approved and handed over in person)."""
    return _step(ctx, quote_id, ("approved", "sent"), "accepted")


def reject(ctx: Context, quote_id: str, reason: str | None) -> dict[str, Any]:
    """The customer turned the quote down; the reason goes to the audit log with the change."""
    record = _step(ctx, quote_id, ("approved", "sent"), "rejected")
    ctx.audit("quote.reject", object_name="quote", record_id=quote_id, reason=reason)
    return record


def _step(ctx: Context, quote_id: str, allowed: tuple[str, ...], status: str) -> dict[str, Any]:
    quote = workflow.get(ctx, "quote", quote_id)
    not_superseded(quote)
    workflow.require_status(ctx, "quote", quote, allowed)
    return workflow.set_fields(ctx, "quote", quote_id, {"status": status})


# ---------------------------------------------------------------- what a quote becomes
def create_contract(
    ctx: Context, quote_id: str, start_date: date, end_date: date, name: str | None = None
) -> str:
    """A draft contract for the quote's grand total, account, opportunity and currency."""
    quote = workflow.get(ctx, "quote", quote_id)
    not_superseded(quote)
    workflow.require_status(ctx, "quote", quote, CONVERTIBLE)
    if end_date < start_date:
        raise ValidationFailed([FieldError("end_date", "end_before_start")])
    values = {
        "name": name or quote["name"],
        "account": quote["account"],
        "opportunity": quote.get("opportunity"),
        "quote": quote_id,
        "contact": quote.get("contact"),
        "currency": quote.get("currency"),
        "amount": str(workflow.money(quote.get("grand_total"))),
        "start_date": start_date.isoformat(),
        "end_date": end_date.isoformat(),
    }
    return workflow.create(ctx, "contract", {k: v for k, v in values.items() if v is not None})


def create_order(ctx: Context, quote_id: str) -> str:
    """An order with the quote's lines (and its contract, if the quote has one)."""
    quote = workflow.get(ctx, "quote", quote_id)
    not_superseded(quote)
    workflow.require_status(ctx, "quote", quote, CONVERTIBLE)
    contracts = ctx.object("contract").table
    contract_id = ctx.conn.execute(
        sa.select(contracts.c.id)
        .where(contracts.c.quote == quote_id, contracts.c.deleted_at.is_(None))
        .order_by(contracts.c.created_at)
        .limit(1)
    ).scalar()
    return order_from(
        ctx,
        {
            "name": quote["name"],
            "account": quote["account"],
            "opportunity": quote.get("opportunity"),
            "quote": quote_id,
            "contract": str(contract_id) if contract_id else None,
            "currency": quote.get("currency"),
        },
        workflow.lines_of(ctx, "quote_line", "quote", quote_id),
    )


def order_from(ctx: Context, header: dict[str, Any], lines: list[dict[str, Any]]) -> str:
    """A draft order dated today with ``lines`` copied into order lines."""
    values = {k: v for k, v in header.items() if v is not None}
    values["order_date"] = ctx.today().isoformat()
    order_id = workflow.create(ctx, "order", values)
    workflow.copy_lines(ctx, lines, "order_line", "order", order_id)
    return order_id
