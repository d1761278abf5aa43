"""Lead-to-cash operations (issue 13's budgets), measured on a tenant seeded with documents.

- ``quote_tree``: a quote with 20 lines in one request (``POST /records/quote/tree``); raw =
  one INSERT of the quote and one multi-row INSERT of its lines with the amounts precomputed.
- ``receivables``: aging of the whole tenant's receivables grouped by account (first page);
  raw = the buckets of all unpaid plans as CASE sums, the first 50 accounts in key order, and
  their buckets (the platform's three reads without row access, currencies and names).
- ``payment``: a payment applied to an open plan (roll-up of `received`, the plan's status);
  raw = INSERT the payment, UPDATE the plan's received and status.

Only ``python -m bench --mix l2c`` (or ``full``) seeds the documents these need.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from bench.operations import Operation, Subject, rows_of
from keyi.packages.l2c.money import line_amounts
from keyi.platform.ids import new_id
from keyi.platform.query import QuerySpec, run_query
from keyi.platform.records import RecordsService
from keyi.platform.records.tree import ChildBatch, create_tree

LINES = 20
PAYMENT = Decimal("0.01")  # small enough that the open plans never run out during a run


def l2c_operations(s: Subject) -> list[Operation]:
    return [quote_tree_op(s), receivables_op(s), payment_op(s)]


def _first(s: Subject, object_name: str, **spec: Any) -> list[dict[str, Any]]:
    with s.context() as ctx:
        return list(run_query(ctx, object_name, QuerySpec(**spec))["records"])


# ---------------------------------------------------------------- quote with 20 lines
def quote_tree_op(s: Subject) -> Operation:
    [book] = _first(s, "price_book", filter={"field": "is_standard", "op": "eq", "value": True})
    entries = _first(
        s,
        "price_book_entry",
        filter={"field": "price_book", "op": "eq", "value": book["id"]},
        fields=["product", "unit_price"],
        limit=LINES,
    )
    deals = _first(s, "opportunity", fields=["account", "contact"], limit=200)
    products = [(e["product"], Decimal(str(e["unit_price"]))) for e in entries]

    def body(i: int) -> dict[str, Any]:
        deal = deals[i % len(deals)]
        lines = [
            {
                "product": products[j % len(products)][0],
                "quantity": str(1 + (i + j) % 7),
                "unit_price": str(products[j % len(products)][1]),
                "discount_percent": str((i + j) % 4 * 5),
            }
            for j in range(LINES)
        ]
        return {
            "record": {
                "name": f"基准报价 {i}",
                "account": deal["account"],
                "opportunity": deal["id"],
                "price_book": book["id"],
            },
            "children": [{"object": "quote_line", "records": lines}],
        }

    def platform(i: int) -> Any:
        data = body(i)
        with s.context(write=True) as ctx:
            return create_tree(
                RecordsService(ctx),
                "quote",
                data["record"],
                [ChildBatch("quote_line", data["children"][0]["records"])],
            ).record

    def api(i: int) -> Any:
        return s.http("POST", "/api/v1/records/quote/tree", expect=201, json=body(i))

    def raw(i: int) -> Any:
        data = body(i)
        now = datetime.now(UTC).replace(tzinfo=None)
        quote_id, actor = s.db_id(new_id()), s.db_id(s.actor.id or "")
        rec = data["record"]
        money = (lambda v: v) if s.postgres else float
        lines = []
        for j, line in enumerate(data["children"][0]["records"]):
            amounts = line_amounts(
                line["quantity"], line["unit_price"], line["discount_percent"], 13
            )
            lines.append(
                {
                    "id": s.db_id(new_id()),
                    "quote": quote_id,
                    "product": s.db_id(line["product"]),
                    "quantity": money(Decimal(line["quantity"])),
                    "unit_price": money(Decimal(line["unit_price"])),
                    "discount_percent": money(Decimal(line["discount_percent"])),
                    "tax_rate": 13,
                    "line_total": money(amounts.line_total),
                    "tax_amount": money(amounts.tax_amount),
                    "sort_order": j,
                    "now": now,
                    "actor": actor,
                }
            )
        with s.raw(write=True) as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO quote (id, version, created_at, created_by, updated_at, "
                    "updated_by, owner_id, name, account, opportunity, price_book, status, "
                    "revision) VALUES (:id, 1, :now, :actor, :now, :actor, :actor, :name, "
                    ":account, :opportunity, :book, 'draft', 1)"
                ),
                {
                    "id": quote_id,
                    "now": now,
                    "actor": actor,
                    "name": rec["name"],
                    "account": s.db_id(rec["account"]),
                    "opportunity": s.db_id(rec["opportunity"]),
                    "book": s.db_id(rec["price_book"]),
                },
            )
            conn.execute(
                sa.text(
                    "INSERT INTO quote_line (id, version, created_at, created_by, updated_at, "
                    "updated_by, quote, product, quantity, unit_price, discount_percent, "
                    "tax_rate, line_total, tax_amount, sort_order) VALUES (:id, 1, :now, "
                    ":actor, :now, :actor, :quote, :product, :quantity, :unit_price, "
                    ":discount_percent, :tax_rate, :line_total, :tax_amount, :sort_order)"
                ),
                lines,
            )
            return rows_of(
                conn.execute(sa.text("SELECT * FROM quote WHERE id = :id"), {"id": quote_id})
            )

    return Operation(
        "quote_tree",
        f"Create a quote with {LINES} lines in one request",
        platform,
        api,
        raw,
        notes="raw = INSERT the quote and its lines with precomputed amounts; the platform "
        "checks each line's product against the price book, computes the amounts per line, "
        "sums the quote's roll-ups, numbers it, writes history, outbox and search rows",
    )


# ---------------------------------------------------------------- receivables
def receivables_op(s: Subject) -> Operation:
    def platform(i: int) -> Any:
        from keyi.packages.l2c.receivables import receivables

        with s.context() as ctx:
            return receivables(ctx, group_by="account")

    def api(i: int) -> Any:
        return s.http("GET", "/api/v1/l2c/receivables?group_by=account&limit=50")

    def raw(i: int) -> Any:
        # The same three reads as the platform, without its row access, currency joins and
        # conversion: the whole tenant's buckets, the first page of accounts in key order, the
        # page's buckets.
        today = date.today()
        days = (
            "(CAST(:today AS date) - p.due_date)"
            if s.postgres
            else "(julianday(:today) - julianday(p.due_date))"
        )
        open_amount = "(p.amount - COALESCE(p.received, 0))"
        buckets = ", ".join(
            f"SUM(CASE WHEN {cond} THEN {open_amount} ELSE 0 END) AS {name}"
            for name, cond in (
                ("current", f"{days} <= 0"),
                ("d0_30", f"{days} BETWEEN 1 AND 30"),
                ("d31_60", f"{days} BETWEEN 31 AND 60"),
                ("d61_90", f"{days} BETWEEN 61 AND 90"),
                ("d90_plus", f"{days} > 90"),
            )
        )
        unpaid = f"p.deleted_at IS NULL AND p.status <> 'paid' AND {open_amount} > 0"
        params = {"today": today.isoformat()}
        with s.raw() as conn:
            totals = rows_of(
                conn.execute(
                    sa.text(f"SELECT {buckets} FROM payment_plan p WHERE {unpaid}"), params
                )
            )
            keys = (
                conn.execute(
                    sa.text(
                        f"SELECT p.account FROM payment_plan p WHERE {unpaid} "
                        "AND p.account IS NOT NULL GROUP BY p.account ORDER BY p.account LIMIT 51"
                    )
                )
                .scalars()
                .all()
            )
            page = rows_of(
                conn.execute(
                    sa.text(
                        f"SELECT p.account, {buckets} FROM payment_plan p WHERE {unpaid} "
                        "AND p.account IN :keys GROUP BY p.account"
                    ).bindparams(sa.bindparam("keys", expanding=True)),
                    {**params, "keys": list(keys[:50])},
                )
            )
            return totals + page

    return Operation(
        "receivables",
        "Receivables aging of the whole tenant, by account (first 50)",
        platform,
        api,
        raw,
        notes="raw = totals over unpaid plans, a keyset page of accounts, the page's buckets; "
        "the platform applies row access through the plans' query plan, reads the currency "
        "through contracts/orders, converts currencies, reads the page's names and the rates",
    )


# ---------------------------------------------------------------- payment applied
def payment_op(s: Subject) -> Operation:
    plans = _first(
        s,
        "payment_plan",
        filter={"field": "status", "op": "in", "value": ["pending", "overdue", "partly_paid"]},
        fields=["contract", "account", "amount", "received"],
        limit=500,
    )
    today = date.today().isoformat()

    def body(i: int) -> dict[str, Any]:
        plan = plans[i % len(plans)]
        return {
            "account": plan["account"],
            "contract": plan["contract"],
            "payment_plan": plan["id"],
            "amount": str(PAYMENT),
            "received_on": today,
            "reference": f"BENCH-{i}",
        }

    def platform(i: int) -> Any:
        with s.context(write=True) as ctx:
            return RecordsService(ctx).create("payment", body(i))

    def api(i: int) -> Any:
        return s.http("POST", "/api/v1/records/payment", expect=201, json=body(i))

    def raw(i: int) -> Any:
        data = body(i)
        now = datetime.now(UTC).replace(tzinfo=None)
        actor = s.db_id(s.actor.id or "")
        amount: Any = PAYMENT if s.postgres else float(PAYMENT)
        with s.raw(write=True) as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO payment (id, version, created_at, created_by, updated_at, "
                    "updated_by, owner_id, account, contract, payment_plan, amount, "
                    "received_on, reference) VALUES (:id, 1, :now, :actor, :now, :actor, "
                    ":actor, :account, :contract, :plan, :amount, :on, :ref)"
                ),
                {
                    "id": s.db_id(new_id()),
                    "now": now,
                    "actor": actor,
                    "account": s.db_id(data["account"]),
                    "contract": s.db_id(data["contract"]),
                    "plan": s.db_id(data["payment_plan"]),
                    "amount": amount,
                    "on": data["received_on"],
                    "ref": data["reference"],
                },
            )
            return rows_of(
                conn.execute(
                    sa.text(
                        "UPDATE payment_plan SET received = COALESCE(received, 0) + :amount, "
                        "status = CASE WHEN COALESCE(received, 0) + :amount >= amount "
                        "THEN 'paid' ELSE 'partly_paid' END WHERE id = :plan RETURNING *"
                    ),
                    {"amount": amount, "plan": s.db_id(data["payment_plan"])},
                )
            )

    return Operation(
        "payment",
        "Apply a payment to a plan (roll-up and status)",
        platform,
        api,
        raw,
        notes="raw = INSERT the payment, UPDATE the plan's received and status; the platform "
        "checks the plan's open amount under a row lock, recomputes the plan's and the "
        "contract's roll-ups, derives the status, writes history, outbox and search rows",
    )
