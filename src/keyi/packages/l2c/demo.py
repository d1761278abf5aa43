"""Demo lead-to-cash documents that agree with the demo's opportunities.

A product catalogue and a standard price book are created once per tenant; then, for each batch
of opportunities: a quote with lines from the price book for deals in the later stages, and for
won deals the whole chain — the quote accepted, an active contract for exactly the quote's
grand total, two or three installments summing to it, and payments for what has fallen due
(mostly paid, some partly, some not: the receivables view has something to show). Every record
goes through the records service, so the amounts are the hooks' own (half-up per line).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from keyi.demo.deals import Deal
from keyi.packages.l2c.money import line_amounts, split_by_percent, to_decimal
from keyi.platform.context import Context
from keyi.platform.query import QuerySpec, run_query
from keyi.platform.records import RecordsService

STANDARD_BOOK = "标准价目表"
# code, name, category, unit, list price, tax rate
CATALOGUE: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("KY-CRM-STD", "客易 CRM 标准版（年订阅/用户）", "subscription", "用户·年", "1200.00", "6"),
    ("KY-CRM-PRO", "客易 CRM 专业版（年订阅/用户）", "subscription", "用户·年", "2400.00", "6"),
    ("KY-CRM-ENT", "客易 CRM 企业版（年订阅/用户）", "subscription", "用户·年", "4800.00", "6"),
    ("KY-SVC-IMPL", "实施服务（人天）", "service", "人天", "2500.00", "6"),
    ("KY-SVC-TRAIN", "现场培训（场）", "service", "场", "8000.00", "6"),
    ("KY-SVC-DATA", "数据迁移服务", "service", "项", "30000.00", "6"),
    ("KY-SVC-SUPPORT", "7×24 高级支持（年）", "service", "年", "60000.00", "6"),
    ("KY-SW-BI", "经营分析模块（永久授权）", "software", "套", "98000.00", "13"),
    ("KY-SW-API", "开放平台接口包", "software", "套", "36000.00", "13"),
    ("KY-SW-ERP", "ERP 集成连接器", "software", "套", "45000.00", "13"),
    ("KY-HW-PAD", "移动销售平板", "hardware", "台", "3299.00", "13"),
    ("KY-HW-SCAN", "名片扫描仪", "hardware", "台", "899.00", "13"),
    ("KY-HW-SRV", "本地部署服务器", "hardware", "台", "56000.00", "13"),
    ("KY-HW-PRN", "票据打印机", "hardware", "台", "1580.00", "13"),
    ("KY-SUB-SMS", "短信包（万条）", "subscription", "万条", "450.00", "6"),
    ("KY-SUB-STORAGE", "附件存储扩容（100GB/年）", "subscription", "份", "1800.00", "6"),
)
OPEN_QUOTED = {"proposal": 0.6, "negotiation": 0.8, "commitment": 0.9}
DISCOUNTS = ("0", "0", "0", "5", "8", "10", "12.5", "15", "25")
SPLITS = (("100",), ("30", "70"), ("50", "50"), ("30", "40", "30"), ("40", "30", "30"))
METHODS = ("bank_transfer",) * 6 + ("acceptance_bill", "cheque", "alipay", "wechat_pay")
TRUSTED_STATUS = frozenset({"status"})


@dataclass(frozen=True)
class Catalogue:
    book_id: str
    # product id → (unit price in the standard book, tax rate)
    prices: dict[str, tuple[Decimal, Decimal]]


def seed_deals(
    ctx: Context, svc: RecordsService, deals: list[Deal], rng: random.Random
) -> dict[str, int]:
    """Quotes for deals in the later stages, the whole chain for won deals."""
    catalogue = ensure_catalogue(ctx, svc)
    quoted = [d for d in deals if d.stage == "won" or rng.random() < OPEN_QUOTED.get(d.stage, 0.0)]
    if not quoted:
        return {}
    today = ctx.today()
    quote_ids = svc.create_many(
        "quote",
        [
            {
                "name": deal.name[:200],
                "account": deal.account_id,
                "opportunity": deal.id,
                "contact": deal.contact_id,
                "price_book": catalogue.book_id,
                "valid_until": (min(deal.close_date, today) + timedelta(days=30)).isoformat(),
                "owner_id": deal.owner_id,
            }
            for deal in quoted
        ],
    )
    lines, totals = _lines(quoted, quote_ids, catalogue, rng)
    svc.create_many("quote_line", lines)
    counts = {"quote": len(quote_ids), "quote_line": len(lines)}
    for deal, quote_id in zip(quoted, quote_ids, strict=True):
        if deal.stage == "won":
            status = "accepted"
        elif deal.stage in ("negotiation", "commitment") and rng.random() < 0.5:
            status = "sent"
        else:
            continue
        svc.update("quote", quote_id, {"status": status}, trusted_fields=TRUSTED_STATUS)
    won = [(d, q) for d, q in zip(quoted, quote_ids, strict=True) if d.stage == "won"]
    if won:
        counts.update(_contracts(ctx, svc, won, totals, rng, today))
    return counts


def ensure_catalogue(ctx: Context, svc: RecordsService) -> Catalogue:
    """The demo's products and standard price book, created by the first batch only."""
    codes = [row[0] for row in CATALOGUE]
    found = run_query(
        ctx,
        "product",
        QuerySpec(
            filter={"field": "code", "op": "in", "value": codes},
            fields=["code", "tax_rate"],
            limit=len(codes),
        ),
    )["records"]
    books = run_query(
        ctx,
        "price_book",
        QuerySpec(filter={"field": "name", "op": "eq", "value": STANDARD_BOOK}, limit=1),
    )["records"]
    if len(found) == len(codes) and books:
        entries = run_query(
            ctx,
            "price_book_entry",
            QuerySpec(
                filter={"field": "price_book", "op": "eq", "value": books[0]["id"]},
                fields=["product", "unit_price"],
                limit=len(codes),
            ),
        )["records"]
        rates = {r["id"]: to_decimal(r["tax_rate"]) for r in found}
        return Catalogue(
            books[0]["id"],
            {
                e["product"]: (to_decimal(e["unit_price"]), rates[e["product"]])
                for e in entries
                if e["product"] in rates
            },
        )
    product_ids = svc.create_many(
        "product",
        [
            {
                "code": code,
                "name": name,
                "category": category,
                "unit": unit,
                "list_price": price,
                "cost": str((Decimal(price) * Decimal("0.45")).quantize(Decimal("0.01"))),
                "tax_rate": rate,
            }
            for code, name, category, unit, price, rate in CATALOGUE
        ],
    )
    book_id = svc.create_many(
        "price_book",
        [{"name": STANDARD_BOOK, "currency": "CNY", "is_standard": True}],
    )[0]
    svc.create_many(
        "price_book_entry",
        [
            {"price_book": book_id, "product": product_id, "unit_price": row[4]}
            for product_id, row in zip(product_ids, CATALOGUE, strict=True)
        ],
    )
    return Catalogue(
        book_id,
        {
            product_id: (Decimal(row[4]), Decimal(row[5]))
            for product_id, row in zip(product_ids, CATALOGUE, strict=True)
        },
    )


def _lines(
    deals: list[Deal], quote_ids: list[str], catalogue: Catalogue, rng: random.Random
) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    """One to four lines per quote, sized near the deal's amount; each quote's grand total
    computed as the hooks will (the contract is signed for exactly that)."""
    products = sorted(catalogue.prices)
    rows: list[dict[str, Any]] = []
    totals: dict[str, Decimal] = {}
    for deal, quote_id in zip(deals, quote_ids, strict=True):
        target = to_decimal(deal.amount, Decimal(50_000))
        picked = rng.sample(products, rng.randint(1, 4))
        total = Decimal(0)
        for order, product_id in enumerate(picked):
            price, rate = catalogue.prices[product_id]
            share = target / len(picked)
            quantity = max(1, int(share / price)) if price > 0 else 1
            discount = rng.choice(DISCOUNTS)
            amounts = line_amounts(quantity, price, discount, rate)
            total += amounts.line_total + amounts.tax_amount
            rows.append(
                {
                    "quote": quote_id,
                    "product": product_id,
                    "quantity": quantity,
                    "unit_price": str(price),
                    "discount_percent": discount,
                    "sort_order": order + 1,
                }
            )
        totals[quote_id] = total
    return rows, totals


def _contracts(
    ctx: Context,
    svc: RecordsService,
    won: list[tuple[Deal, str]],
    totals: dict[str, Decimal],
    rng: random.Random,
    today: date,
) -> dict[str, int]:
    """Active contracts for won deals, their installments, and payments for what fell due."""
    contract_ids = svc.create_many(
        "contract",
        [
            {
                "name": f"{deal.name[:180]} 合同",
                "account": deal.account_id,
                "opportunity": deal.id,
                "quote": quote_id,
                "contact": deal.contact_id,
                "amount": str(totals[quote_id]),
                "start_date": deal.close_date.isoformat(),
                "end_date": (deal.close_date + timedelta(days=364)).isoformat(),
                "signed_on": deal.close_date.isoformat(),
                "status": "active",
                "owner_id": deal.owner_id,
            }
            for deal, quote_id in won
        ],
        trusted_fields=TRUSTED_STATUS,
    )
    plans: list[dict[str, Any]] = []
    for (deal, quote_id), contract_id in zip(won, contract_ids, strict=True):
        split = rng.choice(SPLITS)
        for i, amount in enumerate(split_by_percent(totals[quote_id], list(split))):
            plans.append(
                {
                    "contract": contract_id,
                    "installment": i + 1,
                    "due_date": (deal.close_date + timedelta(days=90 * i + 15)).isoformat(),
                    "amount": str(amount),
                    "owner_id": deal.owner_id,
                }
            )
    plan_ids = svc.create_many("payment_plan", plans)
    payments: list[dict[str, Any]] = []
    for plan_id, plan in zip(plan_ids, plans, strict=True):
        due = date.fromisoformat(plan["due_date"])
        if due > today:
            continue
        luck = rng.random()
        if luck < 0.1:
            continue  # overdue: nothing came in
        amount = Decimal(plan["amount"])
        if luck < 0.2:
            amount = (amount / 2).quantize(Decimal("0.01"))
        paid_on = min(today, due + timedelta(days=rng.randrange(-10, 25)))
        payments.append(
            {
                "contract": plan["contract"],
                "payment_plan": plan_id,
                "account": None,
                "amount": str(amount),
                "received_on": paid_on.isoformat(),
                "method": rng.choice(METHODS),
                "reference": f"YH{rng.randrange(10**11, 10**12)}",
                "owner_id": plan["owner_id"],
            }
        )
    accounts = {cid: deal.account_id for (deal, _), cid in zip(won, contract_ids, strict=True)}
    for payment in payments:
        payment["account"] = accounts[payment["contract"]]
    svc.create_many("payment", payments)
    return {"contract": len(contract_ids), "payment_plan": len(plans), "payment": len(payments)}
