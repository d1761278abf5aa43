"""Behaviour of the lead-to-cash objects that metadata alone does not express.

Line maths (money.py), values derived from linked records (a quote's currency, a plan's name),
checks that need another record (the product in the quote's price book, a payment within its
plan's open amount), the locks of approved quotes and active contracts, and a payment plan's
status kept in step with its payments. Range checks that an expression can state (negative
quantities, discounts over 100 %) are validation rules in the object files instead, where an
administrator can see them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from keyi.packages.l2c.money import line_amounts, plan_status, to_decimal
from keyi.platform.errors import Conflict
from keyi.platform.fieldtypes import currency_column
from keyi.platform.hooks import (
    AfterWriteEvent,
    DeleteEvent,
    UpgradeEvent,
    WriteEvent,
    registry,
)
from keyi.platform.i18n import MESSAGES
from keyi.platform.metadata import store
from keyi.platform.records import RecordsService
from keyi.platform.schema import meta_state_table

if TYPE_CHECKING:
    from keyi.platform.context import Context

# Run only for tenants that installed the lead-to-cash package.
hooks = registry.package("l2c")

# The package's error texts, added to the platform's catalogue when the package loads.
MESSAGES.update(
    {
        "not_in_price_book": {
            "en": "This product has no active entry in the quote's price book.",
            "zh-CN": "该产品不在报价单所选价目表中（或条目已停用）。",
        },
        "quote_not_editable": {
            "en": "The quote is {status}: only a draft quote can be changed.",
            "zh-CN": "报价单状态为“{status}”，只有草稿状态的报价单可以修改。",
        },
        "contract_amount_locked": {
            "en": "The contract is active: its amount can no longer change.",
            "zh-CN": "合同已生效，合同金额不能再修改。",
        },
        "standard_price_book_exists": {
            "en": "There is already a standard price book ({name}).",
            "zh-CN": "已存在标准价目表（{name}）。",
        },
        "exceeds_open_amount": {
            "en": "The payment is larger than the plan's open amount ({open}).",
            "zh-CN": "回款金额超过该回款计划的未回款金额（{open}）。",
        },
        "plan_of_other_contract": {
            "en": "The payment plan belongs to another contract.",
            "zh-CN": "该回款计划属于其他合同。",
        },
    }
)

LINE_PARENTS = {"quote_line": "quote", "order_line": "order", "opportunity_line": "opportunity"}
LINE_INPUTS = ("quantity", "unit_price", "discount_percent", "tax_rate")
LINE_AMOUNTS = ("line_total", "discount_amount", "tax_amount", "unit_price")
# Quote fields the package itself changes (through trusted writes) after a quote left draft.
QUOTE_SYSTEM_FIELDS = frozenset(
    {"status", "superseded", "previous_version", "revision", "owner_id", "currency"}
)
ALLOW_OVERPAYMENT = "l2c.allow_overpayment"
ID_CHUNK = 500  # ids per IN list when a batch hook reads linked records


# ------------------------------------------------------------------ helpers
def stored_row(
    ctx: Context, object_name: str, record_id: Any, *, lock: bool = False
) -> dict[str, Any]:
    """A linked record as stored (as the system reads it: a hook's checks do not depend on
    what the writer may see), or {} when there is none."""
    if not record_id:
        return {}
    table = ctx.object(object_name).table
    stmt = sa.select(table).where(table.c.id == record_id, table.c.deleted_at.is_(None))
    if lock:
        stmt = stmt.with_for_update(of=table)
    found = ctx.conn.execute(stmt).mappings().first()
    return dict(found) if found else {}


def _status_label(ctx: Context, object_name: str, value: Any) -> str:
    field = ctx.object(object_name).fields["status"]
    for option in field.options or ():
        if option.value == value:
            return option.labels.get(ctx.locale) or option.labels.get("en") or str(value)
    return str(value)


def allow_overpayment(ctx: Context) -> bool:
    """Whether the tenant accepts payments above a plan's open amount (off by default)."""
    return bool(ctx.settings.get(ALLOW_OVERPAYMENT, False))


def set_allow_overpayment(ctx: Context, allowed: bool) -> None:
    """Switch the tenant setting; stored with the tenant's settings, as the webhook settings
    are, and the metadata version bumped so every process reads it on its next request."""
    settings = dict(
        ctx.conn.execute(
            sa.select(meta_state_table.c.settings).where(meta_state_table.c.id == 1)
        ).scalar_one()
        or {}
    )
    if settings.get(ALLOW_OVERPAYMENT, False) == allowed:
        return
    settings[ALLOW_OVERPAYMENT] = allowed
    ctx.conn.execute(
        sa.update(meta_state_table).where(meta_state_table.c.id == 1).values(settings=settings)
    )
    store.bump_version(ctx.conn)
    ctx.refresh_schema(dataclasses.replace(ctx.schema, settings=settings, memo={}))
    ctx.audit("l2c.settings", allow_overpayment=allowed)


def set_currency(ctx: Context, event: WriteEvent, fields: tuple[str, ...], code: Any) -> None:
    """Money fields of a record carry its document's currency rather than the tenant's."""
    if not code:
        return
    obj = ctx.object(event.object_name)
    for name in fields:
        if name in obj.fields and event.final(name) is not None:
            event.values[currency_column(name)] = code


# ------------------------------------------------------------------ lines
def _rows(ctx: Context, object_name: str, record_ids: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Linked records as stored, by id, read with one ``IN`` per 500 ids (as :func:`_row`
    reads one: as the system does, deleted ones left out)."""
    wanted = sorted({str(record_id) for record_id in record_ids if record_id})
    table = ctx.object(object_name).table
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), ID_CHUNK):
        stmt = sa.select(table).where(
            table.c.id.in_(wanted[start : start + ID_CHUNK]), table.c.deleted_at.is_(None)
        )
        found.update((str(row["id"]), dict(row)) for row in ctx.conn.execute(stmt).mappings())
    return found


def _product_changed(event: WriteEvent) -> bool:
    return event.operation == "create" or "product" in event.values


def _line_hook(ctx: Context, events: Sequence[WriteEvent]) -> None:
    """Defaults from the product, the line's amounts, its name; for quote lines the price
    book check and the draft-only lock.

    A batch hook: the lines' parents, their products and (for quote lines) the price-book
    entries are read once for the whole batch, so a quote written with twenty lines costs
    three reads rather than sixty; a single line is a batch of one."""
    object_name = events[0].object_name
    parent_field = LINE_PARENTS[object_name]
    parents = _rows(ctx, parent_field, (e.final(parent_field) for e in events))
    products = _rows(ctx, "product", (e.final("product") for e in events if _product_changed(e)))
    priced = (
        _price_book_entries(ctx, events, parents, products)
        if object_name == "quote_line"
        else set()
    )
    for event in events:
        parent = parents.get(str(event.final(parent_field) or ""), {})
        product = (
            products.get(str(event.final("product") or ""), {}) if _product_changed(event) else {}
        )
        _line(ctx, event, parent, product, priced)


def _line(
    ctx: Context,
    event: WriteEvent,
    parent: dict[str, Any],
    product: dict[str, Any],
    priced: set[tuple[str, str]],
) -> None:
    """One line of the batch, with its parent and its product (when it changed) as stored and
    the (price book, product) pairs with an active entry."""
    parent_field = LINE_PARENTS[event.object_name]
    if event.object_name == "quote_line" and parent and parent.get("status") != "draft":
        event.errors.add(
            "quote",
            "quote_not_editable",
            status=_status_label(ctx, "quote", parent.get("status")),
        )
        return
    if product:
        if event.final("tax_rate") is None:
            event.values["tax_rate"] = to_decimal(product.get("tax_rate"))
        code, name = product.get("code") or "", product.get("name") or ""
        event.values["name"] = f"{code} {name}".strip()[:300]
    book = parent.get("price_book")
    in_book = (str(book), str(product.get("id"))) in priced
    if event.object_name == "quote_line" and product and book and not in_book:
        event.errors.add("product", "not_in_price_book")
    if event.operation == "create" or any(k in event.values for k in LINE_INPUTS):
        amounts = line_amounts(
            event.final("quantity"),
            event.final("unit_price"),
            event.final("discount_percent"),
            event.final("tax_rate"),
        )
        event.values["line_total"] = amounts.line_total
        event.values["tax_amount"] = amounts.tax_amount
        if "discount_amount" in ctx.object(event.object_name).fields:
            event.values["discount_amount"] = amounts.discount_amount
    currency = parent.get("currency") if parent_field != "opportunity" else None
    if currency is None and parent_field == "opportunity":
        currency = parent.get(currency_column("amount"))
    set_currency(ctx, event, LINE_AMOUNTS, currency)


def _price_book_entries(
    ctx: Context,
    events: Sequence[WriteEvent],
    quotes: dict[str, dict[str, Any]],
    products: dict[str, dict[str, Any]],
) -> set[tuple[str, str]]:
    """The (price book, product) pairs among the batch's quote lines that have an active
    entry, in one query over the books and products the lines name."""
    books = {
        str(book)
        for e in events
        if (book := quotes.get(str(e.final("quote") or ""), {}).get("price_book"))
    }
    wanted = sorted(products)
    if not books or not wanted:
        return set()
    entries = ctx.object("price_book_entry").table
    found: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), ID_CHUNK):
        rows = ctx.conn.execute(
            sa.select(entries.c.price_book, entries.c.product).where(
                entries.c.price_book.in_(sorted(books)),
                entries.c.product.in_(wanted[start : start + ID_CHUNK]),
                entries.c.active.is_(True),
                entries.c.deleted_at.is_(None),
            )
        )
        found.update((str(book), str(product)) for book, product in rows)
    return found


for _name in LINE_PARENTS:
    hooks.before_save_many(_name)(_line_hook)


@hooks.before_delete("quote_line")
def quote_line_delete_needs_draft(ctx: Context, event: DeleteEvent) -> None:
    """A line goes only while its quote is a draft (a sent quote is what the customer has)."""
    quote = stored_row(ctx, "quote", event.old.get("quote"))
    if quote and quote.get("status") != "draft":
        raise Conflict(
            "quote_not_editable", status=_status_label(ctx, "quote", quote.get("status"))
        )


# ------------------------------------------------------------------ quote, contract
@hooks.before_save("quote")
def quote_currency_and_lock(ctx: Context, event: WriteEvent) -> None:
    """The currency follows the price book; a quote that left draft changes only through the
    package's own (trusted) status writes, never through an edit."""
    if event.operation == "update" and (event.old or {}).get("status") != "draft":
        status = _status_label(ctx, "quote", (event.old or {}).get("status"))
        for name in event.values:
            field = ctx.object("quote").fields.get(name)
            if field is not None and name not in QUOTE_SYSTEM_FIELDS and field.writable:
                event.errors.add(name, "quote_not_editable", status=status)
        return
    if event.operation == "create" or "price_book" in event.values:
        book = stored_row(ctx, "price_book", event.final("price_book"))
        if book.get("currency"):
            event.values["currency"] = book["currency"]


@hooks.before_save("contract")
def contract_amount_lock(ctx: Context, event: WriteEvent) -> None:
    """An active contract's amount is what was signed: it does not change."""
    old = event.old or {}
    if (
        event.operation == "update"
        and old.get("status") == "active"
        and "amount" in event.values
        and to_decimal(event.values["amount"]) != to_decimal(old.get("amount"))
    ):
        event.errors.add("amount", "contract_amount_locked")
    set_currency(ctx, event, ("amount",), event.final("currency"))


# ------------------------------------------------------------------ price books
@hooks.before_save("price_book")
def one_standard_price_book(ctx: Context, event: WriteEvent) -> None:
    if not event.final("is_standard") or (
        event.operation == "update" and "is_standard" not in event.values
    ):
        return
    books = ctx.object("price_book").table
    other = ctx.conn.execute(
        sa.select(books.c.name).where(
            books.c.is_standard.is_(True),
            books.c.deleted_at.is_(None),
            books.c.id != event.record_id,
        )
    ).first()
    if other is not None:
        event.errors.add("is_standard", "standard_price_book_exists", name=other[0])


@hooks.before_save("price_book_entry")
def price_book_entry_name_and_uniqueness(ctx: Context, event: WriteEvent) -> None:
    """Named "code name" after its product; one entry per product in a book."""
    if event.operation == "create" or "product" in event.values:
        product = stored_row(ctx, "product", event.final("product"))
        if product:
            event.values["name"] = f"{product.get('code') or ''} {product.get('name') or ''}"[
                :300
            ].strip()
    if event.operation == "create" or {"product", "price_book"} & set(event.values):
        entries = ctx.object("price_book_entry").table
        taken = ctx.conn.execute(
            sa.select(entries.c.id).where(
                entries.c.price_book == event.final("price_book"),
                entries.c.product == event.final("product"),
                entries.c.deleted_at.is_(None),
                entries.c.id != event.record_id,
            )
        ).first()
        if taken is not None:
            event.errors.add("product", "not_unique")
    book = stored_row(ctx, "price_book", event.final("price_book"))
    set_currency(ctx, event, ("unit_price",), book.get("currency"))


@hooks.before_save("exchange_rate")
def exchange_rate_name(ctx: Context, event: WriteEvent) -> None:
    valid_from = event.final("valid_from")
    event.values["name"] = (
        f"{event.final('currency')} {valid_from.isoformat() if valid_from else ''}"
    )


# ------------------------------------------------------------------ collections
@hooks.before_save("payment_plan")
def payment_plan_derived(ctx: Context, event: WriteEvent) -> None:
    """Name ("HT-2027-0001 第1期"), account and currency from the contract or order, and the
    status from the amounts and the due date (payments change it after their write)."""
    source = stored_row(ctx, "contract", event.final("contract"))
    number = source.get("contract_no")
    if not source:
        source = stored_row(ctx, "order", event.final("order"))
        number = source.get("order_no")
    if source:
        if event.final("account") is None or "contract" in event.values or "order" in event.values:
            event.values["account"] = source.get("account")
        event.values["name"] = f"{number or ''} 第{event.final('installment')}期".strip()
        set_currency(ctx, event, ("amount",), source.get("currency"))
    if event.operation == "create" or {"amount", "due_date"} & set(event.values):
        event.values["status"] = plan_status(
            event.final("amount"), event.final("received"), event.final("due_date"), ctx.today()
        )


# Payment plans by the document they belong to.
PLAN_SOURCES = ("contract", "order")


@hooks.after_write("contract")
@hooks.after_write("order")
def plans_follow_the_currency(ctx: Context, event: AfterWriteEvent) -> None:
    """A plan's amounts are in its contract's (or order's) currency: when that changes, its
    plans' currency changes too (each saved as the system, so history shows it), so the plan's
    own ``amount_currency`` can be trusted on its own — the receivables sum by it without
    joining every plan to its document."""
    if event.operation != "update" or not event.new:
        return
    code = event.new.get("currency")
    if not code or code == (event.old or {}).get("currency"):
        return
    plans = ctx.object("payment_plan").table
    stale = ctx.conn.execute(
        sa.select(plans.c.id).where(
            *_plans_of(plans, event.object_name),
            plans.c[event.object_name] == event.record_id,
            plans.c.deleted_at.is_(None),
            plans.c.amount_currency.is_distinct_from(code),
        )
    ).scalars()
    records = RecordsService(ctx.as_system())
    for plan_id in sorted(str(i) for i in stale):
        records.update("payment_plan", plan_id, {currency_column("amount"): code})


def _plans_of(plans: sa.Table, source: str) -> list[Any]:
    """The plans whose currency ``source`` decides: a plan of a contract follows the contract
    (as payment_plan_derived reads it first), a plan of an order only without one."""
    if source == "contract":
        return [plans.c.contract.is_not(None)]
    return [plans.c["order"].is_not(None), plans.c.contract.is_(None)]


@hooks.after_upgrade
def plans_in_their_documents_currency(ctx: Context, event: UpgradeEvent) -> str | None:
    """Plans written before their contract's or order's currency changed (before the hook above
    existed) get that currency. Written straight to the column, as the hook's writes would set
    it; recycle-bin plans too, so a restored plan is right. Idempotent: a second run finds
    nothing to change. Nothing to do where the objects are not (yet) in the schema."""
    if any(ctx.schema.get(name) is None for name in ("payment_plan", *PLAN_SOURCES)):
        return None
    plans = ctx.object("payment_plan").table
    fixed = 0
    for source in PLAN_SOURCES:
        documents = ctx.object(source).table
        currency = (
            sa.select(documents.c.currency)
            .where(documents.c.id == plans.c[source])
            .scalar_subquery()
        )
        result = ctx.conn.execute(
            sa.update(plans)
            .where(
                *_plans_of(plans, source),
                currency.is_not(None),
                plans.c.amount_currency.is_distinct_from(currency),
            )
            .values(amount_currency=currency)
        )
        fixed += max(result.rowcount, 0)
    return f"payment plans in their document's currency: {fixed}" if fixed else None


@hooks.before_save("payment")
def payment_checks(ctx: Context, event: WriteEvent) -> None:
    """The plan's contract and order fill the payment's (and the account, from the plan, the
    contract or the order), a plan of another contract is refused, and a payment above the
    plan's open amount too (unless the tenant allows it)."""
    if event.operation == "create" or "payment_no" in event.values:
        event.values["name"] = event.final("payment_no")
    plan_id = event.final("payment_plan")
    plan = stored_row(ctx, "payment_plan", plan_id, lock=True) if plan_id else {}
    if plan:
        for link in ("contract", "order"):
            if event.final(link) is None and plan.get(link):
                event.values[link] = plan[link]
        if plan.get("contract") and event.final("contract") != plan["contract"]:
            event.errors.add("payment_plan", "plan_of_other_contract")
        relevant = event.operation == "create" or {"amount", "payment_plan"} & set(event.values)
        if relevant and not allow_overpayment(ctx):
            received = to_decimal(plan.get("received"))
            old = event.old or {}
            if old.get("payment_plan") == plan_id and old.get("amount") is not None:
                received -= to_decimal(old["amount"])  # this payment is already counted
            open_amount = to_decimal(plan.get("amount")) - received
            if to_decimal(event.final("amount")) > open_amount:
                event.errors.add(
                    "amount", "exceeds_open_amount", open=str(max(open_amount, Decimal(0)))
                )
    contract = stored_row(ctx, "contract", event.final("contract"))
    set_currency(ctx, event, ("amount",), contract.get("currency"))
    # Whose money it is follows from what it pays, when the payment does not say.
    if event.final("account") is None:
        order = stored_row(ctx, "order", event.final("order")) if event.final("order") else {}
        account = plan.get("account") or contract.get("account") or order.get("account")
        if account is None:
            event.errors.add("account", "required")
        else:
            event.values["account"] = account


@hooks.after_write("payment")
def payment_updates_plan_status(ctx: Context, event: AfterWriteEvent) -> None:
    """After a payment's write its plans' `received` roll-ups are fresh: bring their status in
    line (the old plan too when the payment moved to another one)."""
    plan_ids: set[str] = {
        str(row["payment_plan"])
        for row in (event.old, event.new)
        if row and row.get("payment_plan")
    }
    for plan_id in sorted(plan_ids):
        refresh_plan_status(ctx, plan_id)


def refresh_plan_status(ctx: Context, plan_id: str) -> str | None:
    """Recompute a plan's status from its stored amounts (also the daily overdue job's step);
    written through the records service as the system, so history and flows see it."""
    plan = stored_row(ctx, "payment_plan", plan_id)
    if not plan:
        return None
    status = plan_status(
        plan.get("amount"), plan.get("received"), plan.get("due_date"), ctx.today()
    )
    if status != plan.get("status"):
        RecordsService(ctx.as_system()).update(
            "payment_plan", plan_id, {"status": status}, trusted_fields=frozenset({"status"})
        )
    return status
