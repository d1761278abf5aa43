"""Invoices (开票申请): requested → issued → voided, and what a contract or order has invoiced.

A rep requests an invoice (by hand or from an active contract, pre-filled); finance issues it
with the tax invoice's number and date, or voids it with a reason. Once issued, what is printed
on the tax invoice (amount, tax, type, buyer, links) no longer changes: a wrong invoice is voided
and requested again, as the tax rules require. A voided invoice is kept, read-only, as the record
of what happened; only a requested one may be deleted.

``invoiced_amount`` on a contract and an order is the sum of their invoices that are not voided.
It is a roll-up with a filter, which the platform's roll-up fields cannot express, so this module
keeps it: recomputed from the invoices after each invoice write (in the same transaction), and
written the way the platform writes roll-ups — straight to the column, without a history entry
or a new version of the contract, so invoicing never makes a contract's open edit form stale.
An invoice that would take the total above the contract amount (the order's grand total) is
refused on ``amount``, under a lock on the contract (order) so two requests cannot both pass.

Tax: an invoice saved without a tax amount gets one in proportion to its document's — its
order's tax ÷ grand total, else its contract's quote's — to the cent (half up). An amount change
without a tax re-derives it; a tax the caller sends is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from keyi.packages.l2c import workflow
from keyi.packages.l2c.hooks import set_currency, stored_row
from keyi.platform.context import Context
from keyi.platform.errors import Conflict
from keyi.platform.fieldtypes import currency_column
from keyi.platform.hooks import AfterWriteEvent, DeleteEvent, UpgradeEvent, WriteEvent, registry
from keyi.platform.i18n import MESSAGES, label
from keyi.platform.records.rollups import decimal_scale

hooks = registry.package("l2c")

MESSAGES.update(
    {
        "invoice_issued_locked": {
            "en": "The invoice is issued: to change this, void it and request a new one.",
            "zh-CN": "发票已开具，不能修改此项；如需更改，请作废后重新申请开票。",
        },
        "invoice_voided": {
            "en": "A voided invoice can no longer be changed.",
            "zh-CN": "已作废的发票不能再修改。",
        },
        "invoice_not_deletable": {
            "en": "The invoice is {status}: only a requested invoice can be deleted (void an "
            "issued one instead).",
            "zh-CN": "发票状态为“{status}”，只有已申请的开票申请可以删除（已开具的发票请作废）。",
        },
        "invoice_exceeds_contract": {
            "en": "The invoices would exceed the contract amount: {open} is left to invoice.",
            "zh-CN": "开票总额将超过合同金额：合同尚可开票 {open}。",
        },
        "invoice_exceeds_order": {
            "en": "The invoices would exceed the order total: {open} is left to invoice.",
            "zh-CN": "开票总额将超过订单金额：订单尚可开票 {open}。",
        },
        "contract_below_invoiced": {
            "en": "The contract amount cannot be less than what is already invoiced ({invoiced}).",
            "zh-CN": "合同金额不能低于已开票金额（{invoiced}）。",
        },
        "contract_fully_invoiced": {
            "en": "The contract is fully invoiced.",
            "zh-CN": "该合同已全部开票。",
        },
        "date_in_future": {
            "en": "The date cannot be later than today.",
            "zh-CN": "日期不能晚于今天。",
        },
    }
)

INVOICED = "invoiced_amount"
# Printed on the tax invoice (or deciding whose totals it counts in): fixed once issued.
LOCKED_WHEN_ISSUED = frozenset(
    {
        "amount",
        "tax",
        "type",
        "buyer_title",
        "buyer_tax_id",
        "account",
        "contract",
        "order",
        "tax_invoice_number",
        "issued_on",
    }
)
# What still changes on a voided invoice: whose it is (a leaver's records move to a colleague).
ADMINISTRATIVE = frozenset({"owner_id"})
# The status steps: from a status (None: a new invoice) to the statuses it may take.
STEPS: dict[str | None, frozenset[str]] = {
    None: frozenset({"requested", "issued", "voided"}),
    "requested": frozenset({"requested", "issued", "voided"}),
    "issued": frozenset({"issued", "voided"}),
}
# What an invoice requested from a contract is called: "HT-2027-0001 开票申请".
REQUEST_NAME = {"en": "invoice request", "zh-CN": "开票申请"}


# ------------------------------------------------------------------ services (the actions)
def issue(ctx: Context, invoice_id: str, number: str, issued_on: date | None) -> dict[str, Any]:
    """Mark a requested invoice issued with the tax invoice's number and date (today if none)."""
    invoice = workflow.get(ctx, "invoice", invoice_id)
    workflow.require_status(ctx, "invoice", invoice, ("requested",))
    values = {
        "status": "issued",
        "tax_invoice_number": number,
        "issued_on": (issued_on or ctx.today()).isoformat(),
    }
    return workflow.set_fields(ctx, "invoice", invoice_id, values)


def void(ctx: Context, invoice_id: str, reason: str) -> dict[str, Any]:
    """Void a requested or issued invoice, keeping the reason (the history shows who and when);
    its amount leaves the contract's and order's invoiced totals."""
    invoice = workflow.get(ctx, "invoice", invoice_id)
    workflow.require_status(ctx, "invoice", invoice, ("requested", "issued"))
    return workflow.set_fields(
        ctx, "invoice", invoice_id, {"status": "voided", "void_reason": reason}
    )


def open_amount(contract: dict[str, Any]) -> Decimal:
    """What is left to invoice on a contract (as the API reads it)."""
    return workflow.money(contract.get("amount")) - workflow.money(contract.get(INVOICED))


def require_invoiceable(ctx: Context, contract: dict[str, Any]) -> None:
    """409 unless the contract is active with something left to invoice."""
    workflow.require_status(ctx, "contract", contract, ("active",))
    if open_amount(contract) <= 0:
        raise Conflict("contract_fully_invoiced")


def request_from_contract(ctx: Context, contract_id: str) -> str:
    """A requested invoice for what the active contract has not invoiced yet, for its account:
    the buyer's title is the account's name, its tax id the account's unified social credit
    code (the 纳税人识别号 of a Chinese company)."""
    contract = workflow.get(ctx, "contract", contract_id)
    require_invoiceable(ctx, contract)
    account = workflow.get(ctx, "account", contract["account"])
    values: dict[str, Any] = {
        "name": f"{contract.get('contract_no') or contract['name']} "
        f"{label(REQUEST_NAME, ctx.locale)}",
        "account": contract["account"],
        "contract": contract_id,
        "buyer_title": account["name"],
        "amount": str(open_amount(contract)),
    }
    if account.get("credit_code"):
        values["buyer_tax_id"] = account["credit_code"]
    return workflow.create(ctx, "invoice", values)


# ------------------------------------------------------------------ invoice rules
@hooks.before_save("invoice")
def invoice_rules(ctx: Context, event: WriteEvent) -> None:
    """Voided: read-only. Issued: the printed fields are locked. Status steps go forward only,
    with the tax invoice's number to issue and a reason to void. Then the tax, the currency
    and the contract's and order's ceilings."""
    old = event.old or {}
    before = old.get("status") if event.operation == "update" else None
    if before == "voided" and set(event.values) - ADMINISTRATIVE:
        raise Conflict("invoice_voided")
    if before == "issued":
        for name in sorted(LOCKED_WHEN_ISSUED & set(event.values)):
            event.errors.add(name, "invoice_issued_locked")
    _check_step(ctx, event, before)
    # Locked when the ceilings are checked, so a concurrent invoice for the same contract
    # (order) waits for this transaction and then counts this invoice.
    ceilings = event.final("status") != "voided" and (
        event.operation == "create" or bool({"amount", "contract", "order"} & set(event.values))
    )
    parents = {
        name: stored_row(ctx, name, event.final(name), lock=ceilings)
        for name in ("contract", "order")
    }
    if "tax" not in event.values and (event.operation == "create" or "amount" in event.values):
        quote = stored_row(ctx, "quote", parents["contract"].get("quote"))
        _derive_tax(event, parents["order"] or quote)
    currency = (parents["order"] or parents["contract"]).get("currency")
    set_currency(ctx, event, ("amount", "tax"), currency)
    if ceilings:
        _check_ceilings(ctx, event, parents)


def _check_step(ctx: Context, event: WriteEvent, before: str | None) -> None:
    """Forward steps only, each with what it needs (the status is read-only to users, but a
    company from before it was may still let an edit change it: the same rules apply)."""
    after = event.final("status") or "requested"
    if after == before:
        return
    if after not in STEPS.get(before, frozenset()):
        event.errors.add(
            "status", "invalid_status", status=workflow.status_label(ctx, "invoice", before)
        )
        return
    if after == "issued":
        if not (event.final("tax_invoice_number") or "").strip():
            event.errors.add("tax_invoice_number", "required")
        issued_on = event.final("issued_on")
        if issued_on is None:
            event.values["issued_on"] = ctx.today()
        elif issued_on > ctx.today():
            event.errors.add("issued_on", "date_in_future")
    reason_field = "void_reason" in ctx.object("invoice").fields  # an upgrade adds it
    if after == "voided" and reason_field and not (event.final("void_reason") or "").strip():
        event.errors.add("void_reason", "required")


def _derive_tax(event: WriteEvent, document: dict[str, Any]) -> None:
    """The tax in proportion to ``document``'s (an order, or a contract's quote: their stored
    ``subtotal`` and ``tax`` roll-ups), to the cent; left as it is when there is none."""
    amount = event.final("amount")
    subtotal = workflow.money(document.get("subtotal"))
    tax = workflow.money(document.get("tax"))
    if amount is None or subtotal + tax <= 0:
        return
    event.values["tax"] = workflow.cents(workflow.money(amount) * tax / (subtotal + tax))


def _check_ceilings(ctx: Context, event: WriteEvent, parents: dict[str, dict[str, Any]]) -> None:
    """The invoices of the contract (order) that are not voided, this one included, may not
    come to more than its amount (grand total)."""
    amount = workflow.money(event.final("amount"))
    for parent, row in parents.items():
        if not row:
            continue
        ceiling = _ceiling(row)
        others = _invoiced(ctx, parent, str(row["id"]), exclude=event.record_id)
        if others + amount > ceiling:
            open_ = str(max(ceiling - others, Decimal(0)))
            event.errors.add("amount", f"invoice_exceeds_{parent}", open=open_)
            return


def _ceiling(row: dict[str, Any]) -> Decimal:
    """A contract's amount, or an order's grand total (subtotal + tax, a formula read as its
    stored roll-ups)."""
    if "subtotal" in row:
        return workflow.money(row.get("subtotal")) + workflow.money(row.get("tax"))
    return workflow.money(row.get("amount"))


def _live(ctx: Context) -> Any:
    """Invoices that count: not deleted, not voided."""
    t = ctx.object("invoice").table
    return sa.and_(t.c.deleted_at.is_(None), t.c.status.is_distinct_from("voided"))


def _invoiced(ctx: Context, parent: str, parent_id: str, *, exclude: str | None = None) -> Decimal:
    """The sum of the invoices of a contract or an order that count (Python-side rounding:
    SQLite sums decimals as floats)."""
    t = ctx.object("invoice").table
    stmt = sa.select(sa.func.sum(t.c.amount)).where(t.c[parent] == parent_id, _live(ctx))
    if exclude is not None:
        stmt = stmt.where(t.c.id != exclude)
    return workflow.money(ctx.conn.execute(stmt).scalar())


@hooks.before_delete("invoice")
def only_requested_invoices_go(ctx: Context, event: DeleteEvent) -> None:
    """An issued invoice exists outside Keyi (it is voided, not deleted); a voided one is the
    record of that."""
    status = event.old.get("status")
    if status not in (None, "requested"):
        raise Conflict(
            "invoice_not_deletable", status=workflow.status_label(ctx, "invoice", status)
        )


# ------------------------------------------------------------------ invoiced totals
@hooks.after_write("invoice")
def invoice_updates_totals(ctx: Context, event: AfterWriteEvent) -> None:
    """Recompute the invoiced totals of the contracts and orders the invoice belonged to before
    and after the write. A restored invoice (from the recycle bin, where no before-save check
    ran) that takes a total above its ceiling is refused, and the restore with it."""
    for parent in ("contract", "order"):
        ids = {str(row[parent]) for row in (event.old, event.new) if row and row.get(parent)}
        refresh_invoiced(ctx, parent, ids)
        if event.operation == "restore" and event.new and event.new.get(parent):
            _refuse_restore_above_ceiling(ctx, parent, event.new)


def _refuse_restore_above_ceiling(ctx: Context, parent: str, invoice: dict[str, Any]) -> None:
    row = stored_row(ctx, parent, invoice[parent])
    if not row or INVOICED not in row:
        return
    ceiling, invoiced = _ceiling(row), workflow.money(row[INVOICED])
    if invoiced > ceiling:
        before = invoiced - workflow.money(invoice.get("amount"))
        raise Conflict(f"invoice_exceeds_{parent}", open=str(max(ceiling - before, Decimal(0))))


def refresh_invoiced(ctx: Context, parent: str, ids: Iterable[str]) -> None:
    """Set ``invoiced_amount`` of these contracts or orders from their invoices."""
    wanted = sorted(ids)
    if wanted:
        _refresh(ctx, parent, ctx.object(parent).table.c.id.in_(wanted))


def _refresh(ctx: Context, parent: str, where: Any) -> int:
    """Recompute the invoiced total (and its currency: the document's) of the contracts or
    orders ``where`` selects, in one statement; how many rows it set. A company whose upgrade
    could not add the field is left alone."""
    obj = ctx.object(parent)
    field = obj.fields.get(INVOICED)
    if field is None:
        return 0
    table, invoices = obj.table, ctx.object("invoice").table
    total = (
        sa.select(sa.func.sum(invoices.c.amount))
        .where(invoices.c[parent] == table.c.id, _live(ctx))
        .scalar_subquery()
    )
    values: dict[str, Any] = {
        INVOICED: sa.func.coalesce(sa.func.round(total, decimal_scale(field)), 0)
    }
    if "currency" in table.c:
        values[currency_column(INVOICED)] = table.c.currency
    return int(ctx.conn.execute(sa.update(table).where(where).values(values)).rowcount or 0)


@hooks.before_save("contract")
def contract_keeps_its_invoices(ctx: Context, event: WriteEvent) -> None:
    """The invoiced total is in the contract's currency, and the amount cannot drop below it."""
    set_currency(ctx, event, (INVOICED,), event.final("currency"))
    if event.operation == "update" and "amount" in event.values:
        invoiced = workflow.money((event.old or {}).get(INVOICED))
        if workflow.money(event.values["amount"]) < invoiced:
            event.errors.add("amount", "contract_below_invoiced", invoiced=str(invoiced))


@hooks.before_save("order")
def order_invoiced_currency(ctx: Context, event: WriteEvent) -> None:
    set_currency(ctx, event, (INVOICED,), event.final("currency"))


@hooks.after_upgrade
def fill_invoiced_totals(ctx: Context, event: UpgradeEvent) -> str | None:
    """Contracts and orders from before ``invoiced_amount`` existed get it from their invoices
    (the hooks above keep it from then on): those with invoices, and any left empty (adding
    the field may have given the old rows its default, 0, or nothing). Recomputed from the
    invoices, so running it again changes nothing. Nothing to do where the objects are not
    (yet) in the schema."""
    if any(ctx.schema.get(name) is None for name in ("invoice", "contract", "order")):
        return None
    done = 0
    invoices = ctx.object("invoice").table
    for parent in ("contract", "order"):
        table = ctx.object(parent).table
        if INVOICED not in table.c:
            continue
        billed = sa.select(invoices.c[parent]).where(invoices.c[parent].is_not(None))
        done += _refresh(ctx, parent, sa.or_(table.c.id.in_(billed), table.c[INVOICED].is_(None)))
    return f"invoiced totals computed: {done} contract(s) and order(s)" if done else None
