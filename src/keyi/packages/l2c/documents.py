"""Quote and contract PDFs (报价单, 合同): what they say; the platform lays them out.

Everything is read through the records service as the caller, so a document shows exactly
what its reader may see: a quote they cannot open is a 404, a line's product they may not read
prints without its name, hidden fields stay hidden. Captions come from the objects' metadata
(an administrator's relabelling shows on the documents) in the reader's language, falling back
to the company's; figures are formatted from Decimal; a CNY total is also written in financial
capitals (人民币大写, :mod:`keyi.packages.l2c.capitals`).

The PDFs are served as GET record actions (``/api/v1/records/quote/{id}/pdf``,
``/api/v1/records/contract/{id}/pdf``): :func:`register` adds them to the package's actions
(``keyi.packages.l2c.actions`` calls it).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from keyi.packages.l2c.capitals import to_chinese_capital
from keyi.platform.actions import FileResult, PackageActions
from keyi.platform.context import Context
from keyi.platform.documents.formatting import (
    as_decimal,
    format_date,
    format_money,
    format_number,
)
from keyi.platform.documents.layout import BusinessDocument, Column, CompanyHeader, render_pdf
from keyi.platform.documents.template import DocumentTemplate, load_template
from keyi.platform.errors import Forbidden, NotFound
from keyi.platform.i18n import label
from keyi.platform.query.listing import QuerySpec, run_query
from keyi.platform.records import RecordsService

__all__ = ["contract_pdf", "quote_pdf", "register"]

PDF = "application/pdf"
MAX_LINES = 2000  # a quote longer than this is not a document anyone prints
_PAGE = 500

# Texts of the documents themselves (object and field captions come from metadata).
TEXTS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "quote_title": "报价单",
        "contract_title": "合同",
        "date": "日期",
        "sales": "销售代表",
        "no": "序号",
        "in_words": "大写金额（人民币）：",
        "page": "第 {page} 页 / 共 {pages} 页",
        "phone": "电话：",
        "tax_id": "税号：",
        "bank": "开户行及账号：",
        "terms": "条款",
        "plan": "回款计划",
        "installment": "第{n}期",
        "party_a": "甲方（客户）：{name}\n签字/盖章：\n日期：",
        "party_b": "乙方：{name}\n签字/盖章：\n日期：",
        "no_lines": "（无明细）",
    },
    "en": {
        "quote_title": "Quotation",
        "contract_title": "Contract",
        "date": "Date",
        "sales": "Sales rep",
        "no": "#",
        "in_words": "Amount in words (RMB): ",
        "page": "Page {page} of {pages}",
        "phone": "Phone: ",
        "tax_id": "Tax ID: ",
        "bank": "Bank: ",
        "terms": "Terms",
        "plan": "Payment schedule",
        "installment": "Instalment {n}",
        "party_a": "Customer: {name}\nSignature / seal:\nDate:",
        "party_b": "Supplier: {name}\nSignature / seal:\nDate:",
        "no_lines": "(no lines)",
    },
}


def _language(ctx: Context) -> str:
    """The reader's language when it is one documents are written in, else the company's."""
    if ctx.locale in TEXTS:
        return ctx.locale
    company = str(ctx.settings.get("locale") or "zh-CN")
    return "en" if company.startswith("en") else "zh-CN"


class _Labels:
    """Captions of one document: metadata labels of fields, and the documents' own texts."""

    def __init__(self, ctx: Context, language: str) -> None:
        self.ctx = ctx
        self.language = language
        self.texts = TEXTS[language]

    def __getitem__(self, key: str) -> str:
        return self.texts[key]

    def field(self, object_name: str, field_name: str) -> str:
        obj = self.ctx.object(object_name)
        f = obj.fields.get(field_name)
        return label(f.labels, self.language, field_name) if f is not None else field_name

    def object(self, object_name: str) -> str:
        obj = self.ctx.object(object_name)
        return label(obj.definition.labels, self.language, object_name)


def _display(record: dict[str, Any], field_name: str) -> str:
    """A reference's title as the reader may see it (empty when hidden or unset)."""
    return str((record.get("_display") or {}).get(field_name) or "")


def _children(ctx: Context, object_name: str, parent_field: str, parent_id: str) -> list[Any]:
    """Every visible child record of a parent, in its sort order, through the query path."""
    obj = ctx.object(object_name)
    sort = ["sort_order", "created_at"] if "sort_order" in obj.fields else ["created_at"]
    if object_name == "payment_plan":
        sort = ["installment", "due_date"]
    spec = QuerySpec(
        filter={"field": parent_field, "op": "eq", "value": parent_id}, sort=sort, limit=_PAGE
    )
    rows: list[Any] = []
    while True:
        page = run_query(ctx, object_name, spec)
        rows.extend(page["records"])
        if not page["next_cursor"] or len(rows) >= MAX_LINES:
            return rows[:MAX_LINES]
        spec.cursor = page["next_cursor"]


def _company(template: DocumentTemplate, labels: _Labels) -> CompanyHeader:
    bank = "  ".join(p for p in (template.bank_name, template.bank_account) if p)
    return CompanyHeader(
        name=template.company_name,
        address=template.address,
        phone=template.phone,
        tax_id=template.tax_id,
        bank=bank,
        logo=template.logo,
        captions={k: labels[k] for k in ("phone", "tax_id", "bank")},
    )


def _in_words(labels: _Labels, amount: Decimal | None, currency: str) -> tuple[str, str] | None:
    """人民币大写 — for amounts in yuan only (元角分 are RMB units)."""
    if amount is None or currency != "CNY":
        return None
    return labels["in_words"], to_chinese_capital(amount)


def _line_rows(lines: list[dict[str, Any]], currency: str) -> list[list[str]]:
    rows = []
    for i, line in enumerate(lines, start=1):
        product = _display(line, "product")
        description = str(line.get("description") or "")
        name = f"{product}\n{description}" if product and description else product or description
        rows.append(
            [
                str(i),
                name,
                format_number(line.get("quantity")),
                format_money(line.get("unit_price"), currency),
                format_number(line.get("discount_percent") or 0, "%"),
                format_number(line.get("tax_rate"), "%"),
                format_money(line.get("line_total"), currency),
            ]
        )
    return rows


def _line_columns(labels: _Labels, line_object: str) -> list[Column]:
    f = labels.field
    return [
        Column(labels["no"], 5, "R"),
        Column(f(line_object, "product"), 36),
        Column(f(line_object, "quantity"), 9, "R"),
        Column(f(line_object, "unit_price"), 15, "R"),
        Column(f(line_object, "discount_percent"), 10, "R"),
        Column(f(line_object, "tax_rate"), 9, "R"),
        Column(f(line_object, "line_total"), 16, "R"),
    ]


def _currency(ctx: Context, record: dict[str, Any]) -> str:
    return str(record.get("currency") or ctx.settings.get("currency") or "CNY")


# ---------------------------------------------------------------- quote
def quote_pdf(ctx: Context, quote_id: str) -> bytes:
    """The quote as a PDF in the reader's language; NotFound when the reader cannot see it."""
    records = RecordsService(ctx)
    quote = records.get("quote", quote_id)
    return _quote_document(ctx, quote)


def _quote_document(ctx: Context, quote: dict[str, Any]) -> bytes:
    labels = _Labels(ctx, _language(ctx))
    template = load_template(ctx)
    currency = _currency(ctx, quote)
    lines = _children(ctx, "quote_line", "quote", quote["id"])
    f = labels.field
    fields = [
        (f("quote", "account"), _display(quote, "account")),
        (f("quote", "quote_no"), str(quote.get("quote_no") or "")),
        (f("quote", "contact"), _display(quote, "contact")),
        (labels["date"], format_date(quote.get("created_at"))),
        (labels["sales"], _display(quote, "owner_id")),
        (f("quote", "valid_until"), format_date(quote.get("valid_until"))),
        (f("quote", "opportunity"), _display(quote, "opportunity")),
        (f("quote", "revision"), format_number(quote.get("revision"))),
    ]
    totals = []
    discount = as_decimal(quote.get("discount"))
    if discount:
        totals.append((f("quote", "discount"), format_money(discount, currency)))
    totals += [
        (f("quote", "subtotal"), format_money(quote.get("subtotal") or 0, currency)),
        (f("quote", "tax"), format_money(quote.get("tax") or 0, currency)),
        (f("quote", "grand_total"), format_money(quote.get("grand_total") or 0, currency)),
    ]
    document = BusinessDocument(
        title=labels["quote_title"],
        company=_company(template, labels),
        number=str(quote.get("quote_no") or ""),
        fields=fields,
        columns=_line_columns(labels, "quote_line"),
        rows=_line_rows(lines, currency),
        totals=totals,
        amount_in_words=_in_words(
            labels, as_decimal(quote.get("grand_total")) or Decimal(0), currency
        ),
        terms_title=labels["terms"],
        terms=str(quote.get("terms") or "") or template.text("terms_text", labels.language),
        footer=template.text("footer_text", labels.language),
        page_label=labels["page"],
        accent=template.accent_rgb,
        author=template.company_name,
        empty_table_text=labels["no_lines"],
    )
    return render_pdf(document)


# ---------------------------------------------------------------- contract
def contract_pdf(ctx: Context, contract_id: str) -> bytes:
    """The contract as a PDF: parties, term, the quote's lines (when the reader may read the
    quote), the amount with 大写, the payment schedule, terms and signature blocks."""
    records = RecordsService(ctx)
    contract = records.get("contract", contract_id)
    labels = _Labels(ctx, _language(ctx))
    template = load_template(ctx)
    currency = _currency(ctx, contract)
    f = labels.field
    lines: list[dict[str, Any]] = []
    if contract.get("quote"):
        try:
            records.get("quote", contract["quote"])
            lines = _children(ctx, "quote_line", "quote", contract["quote"])
        except (NotFound, Forbidden):
            lines = []  # the contract stands without its quote's lines
    plans = _children(ctx, "payment_plan", "contract", contract["id"])
    schedule = "\n".join(
        "  ".join(
            (
                labels["installment"].format(n=plan.get("installment") or i),
                format_date(plan.get("due_date")),
                format_money(plan.get("amount"), currency),
            )
        )
        for i, plan in enumerate(plans, start=1)
    )
    terms = [str(contract.get("description") or "").strip()]
    if schedule:
        terms.append(
            f"{labels['plan']}:\n{schedule}"
            if labels.language == "en"
            else f"{labels['plan']}：\n{schedule}"
        )
    terms.append(template.text("terms_text", labels.language))
    amount = as_decimal(contract.get("amount"))
    account = _display(contract, "account")
    document = BusinessDocument(
        title=labels["contract_title"],
        company=_company(template, labels),
        number=str(contract.get("contract_no") or ""),
        fields=[
            (f("contract", "account"), account),
            (f("contract", "contract_no"), str(contract.get("contract_no") or "")),
            (f("contract", "name"), str(contract.get("name") or "")),
            (f("contract", "contact"), _display(contract, "contact")),
            (f("contract", "start_date"), format_date(contract.get("start_date"))),
            (f("contract", "end_date"), format_date(contract.get("end_date"))),
            (f("contract", "signed_on"), format_date(contract.get("signed_on"))),
            (f("contract", "quote"), _display(contract, "quote")),
        ],
        columns=_line_columns(labels, "quote_line") if lines else (),
        rows=_line_rows(lines, currency),
        totals=[(f("contract", "amount"), format_money(amount or 0, currency))],
        amount_in_words=_in_words(labels, amount or Decimal(0), currency),
        terms_title=labels["terms"],
        terms="\n\n".join(t for t in terms if t),
        signatures=[
            labels["party_a"].format(name=account),
            labels["party_b"].format(name=template.company_name),
        ],
        footer=template.text("footer_text", labels.language),
        page_label=labels["page"],
        accent=template.accent_rgb,
        author=template.company_name,
    )
    return render_pdf(document)


# ---------------------------------------------------------------- actions
def _filename(record: dict[str, Any], number_field: str, fallback: str) -> str:
    return f"{record.get(number_field) or record.get('name') or fallback}.pdf"


def register(actions: PackageActions) -> None:
    """Add the PDF actions to the l2c package's actions (called from its actions.py)."""

    @actions.record(
        "quote",
        "pdf",
        labels={"en": "Download PDF", "zh-CN": "下载 PDF"},
        method="GET",
        media_type=PDF,
        access="read",
        description="The quote as a PDF (报价单) in the reader's language.",
    )
    def quote_pdf_action(ctx: Context, record: dict[str, Any], payload: None) -> FileResult:
        return FileResult(_quote_document(ctx, record), _filename(record, "quote_no", "quote"))

    @actions.record(
        "contract",
        "pdf",
        labels={"en": "Download PDF", "zh-CN": "下载 PDF"},
        method="GET",
        media_type=PDF,
        access="read",
        description="The contract as a PDF (合同) in the reader's language.",
    )
    def contract_pdf_action(ctx: Context, record: dict[str, Any], payload: None) -> FileResult:
        return FileResult(
            contract_pdf(ctx, record["id"]), _filename(record, "contract_no", "contract")
        )
