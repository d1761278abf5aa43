"""The lead-to-cash actions: one typed function each, calling the package's services.

Status steps are checked by the services (409 ``invalid_status`` naming the record's status)
rather than by ``available``, so a refused step tells the user why. Importing this module also
brings the package's flow hooks (quotes) and its daily job (daily).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from keyi.packages.l2c import (
    collections,
    contracts,
    daily,
    documents,
    invoices,
    quotes,
    workflow,
)
from keyi.platform.actions import registry
from keyi.platform.context import Context

__all__ = ["daily"]  # imported for its periodic job

actions = registry.package("l2c")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuoteCreated(BaseModel):
    quote_id: str


class ContractCreated(BaseModel):
    contract_id: str


class OrderCreated(BaseModel):
    order_id: str


class OpportunityCreated(BaseModel):
    opportunity_id: str


class InvoiceCreated(BaseModel):
    invoice_id: str


class SubmitResult(BaseModel):
    approval_id: str | None = Field(description="The approval started; null: none was needed.")
    status: str


class StatusResult(BaseModel):
    status: str


class ReasonBody(_Body):
    reason: str = Field(min_length=1, max_length=2000)


class OptionalReasonBody(_Body):
    reason: str | None = Field(default=None, max_length=2000)


class IssueBody(_Body):
    # No descriptions: the web app shows them under the inputs, and they would be English only.
    tax_invoice_number: Annotated[  # 发票号码, as printed on the tax invoice
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
    ]
    issued_on: date | None = None  # today if none


class VoidBody(_Body):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ContractFromQuote(_Body):
    start_date: date
    end_date: date
    name: str | None = Field(default=None, max_length=200)


class InstallmentIn(_Body):
    due_date: date
    percent: Decimal | None = None
    amount: Decimal | None = None


class InstallmentsBody(_Body):
    mode: Literal["percent", "amount"]
    installments: list[InstallmentIn] = Field(max_length=collections.MAX_INSTALLMENTS)


class InstallmentsResult(BaseModel):
    plan_ids: list[str]


def _status(record: dict[str, Any]) -> StatusResult:
    return StatusResult(status=str(record["status"]))


def in_status(object_name: str, *allowed: str) -> Callable[[Context, dict[str, Any]], bool]:
    """An action's `available`: the menu offers it only in these statuses, and running it in
    another answers 409 ``invalid_status`` naming the record's status."""

    def check(ctx: Context, record: dict[str, Any]) -> bool:
        if object_name == "quote":
            quotes.not_superseded(record)
        workflow.require_status(ctx, object_name, record, allowed)
        return True

    return check


# ---------------------------------------------------------------- opportunity
@actions.record(
    "opportunity",
    "create_quote",
    labels={"en": "Create quote", "zh-CN": "生成报价单"},
    output=QuoteCreated,
    access="read",
)
def create_quote(ctx: Context, record: dict[str, Any], payload: None) -> QuoteCreated:
    """A draft quote with the opportunity's lines, price book and account."""
    return QuoteCreated(quote_id=quotes.create_quote(ctx, record["id"]))


# ---------------------------------------------------------------- quote
@actions.record(
    "quote",
    "new_version",
    labels={"en": "New version", "zh-CN": "新版本"},
    available=in_status("quote", "draft", "approved", "sent", "rejected", "expired"),
    output=QuoteCreated,
)
def quote_new_version(ctx: Context, record: dict[str, Any], payload: None) -> QuoteCreated:
    """A copy with the next revision number; this quote becomes read-only."""
    return QuoteCreated(quote_id=quotes.new_version(ctx, record["id"]))


@actions.record(
    "quote",
    "submit",
    labels={"en": "Submit for approval", "zh-CN": "提交审批"},
    output=SubmitResult,
    available=in_status("quote", "draft"),
)
def quote_submit(ctx: Context, record: dict[str, Any], payload: None) -> SubmitResult:
    """Submit a draft quote: approved at once within the discount limit, else by a manager."""
    return SubmitResult(**workflow.submit(ctx, "quote", record["id"]))


@actions.record(
    "quote",
    "mark_sent",
    labels={"en": "Mark as sent", "zh-CN": "标记为已发送"},
    available=in_status("quote", "approved"),
    output=StatusResult,
)
def quote_mark_sent(ctx: Context, record: dict[str, Any], payload: None) -> StatusResult:
    """The approved quote went to the customer."""
    return _status(quotes.mark_sent(ctx, record["id"]))


@actions.record(
    "quote",
    "accept",
    labels={"en": "Customer accepted", "zh-CN": "客户接受"},
    output=StatusResult,
    available=in_status("quote", "approved", "sent"),
)
def quote_accept(ctx: Context, record: dict[str, Any], payload: None) -> StatusResult:
    """The customer accepted the quote."""
    return _status(quotes.accept(ctx, record["id"]))


@actions.record(
    "quote",
    "reject",
    labels={"en": "Customer rejected", "zh-CN": "客户拒绝"},
    available=in_status("quote", "approved", "sent"),
    input=OptionalReasonBody,
    output=StatusResult,
)
def quote_reject(ctx: Context, record: dict[str, Any], payload: OptionalReasonBody) -> StatusResult:
    """The customer turned the quote down."""
    return _status(quotes.reject(ctx, record["id"], payload.reason))


@actions.record(
    "quote",
    "create_contract",
    labels={"en": "Create contract", "zh-CN": "生成合同"},
    available=in_status("quote", *quotes.CONVERTIBLE),
    input=ContractFromQuote,
    output=ContractCreated,
    access="read",
)
def quote_create_contract(
    ctx: Context, record: dict[str, Any], payload: ContractFromQuote
) -> ContractCreated:
    """A draft contract for the quote's grand total."""
    contract_id = quotes.create_contract(
        ctx, record["id"], payload.start_date, payload.end_date, payload.name
    )
    return ContractCreated(contract_id=contract_id)


@actions.record(
    "quote",
    "create_order",
    labels={"en": "Create order", "zh-CN": "生成订单"},
    available=in_status("quote", *quotes.CONVERTIBLE),
    output=OrderCreated,
    access="read",
)
def quote_create_order(ctx: Context, record: dict[str, Any], payload: None) -> OrderCreated:
    """An order with the quote's lines."""
    return OrderCreated(order_id=quotes.create_order(ctx, record["id"]))


# ---------------------------------------------------------------- contract
@actions.record(
    "contract",
    "submit",
    labels={"en": "Submit for approval", "zh-CN": "提交审批"},
    output=SubmitResult,
    available=in_status("contract", "draft"),
)
def contract_submit(ctx: Context, record: dict[str, Any], payload: None) -> SubmitResult:
    """Submit a draft contract to the contract approval."""
    return SubmitResult(**workflow.submit(ctx, "contract", record["id"]))


@actions.record(
    "contract",
    "terminate",
    labels={"en": "Terminate", "zh-CN": "终止合同"},
    available=in_status("contract", "active"),
    input=ReasonBody,
    output=StatusResult,
)
def contract_terminate(ctx: Context, record: dict[str, Any], payload: ReasonBody) -> StatusResult:
    """End an active contract early, with the reason."""
    return _status(contracts.terminate(ctx, record["id"], payload.reason))


@actions.record(
    "contract",
    "create_order",
    labels={"en": "Create order", "zh-CN": "生成订单"},
    available=in_status("contract", "active"),
    output=OrderCreated,
    access="read",
)
def contract_create_order(ctx: Context, record: dict[str, Any], payload: None) -> OrderCreated:
    """An order under the active contract."""
    return OrderCreated(order_id=contracts.create_order(ctx, record["id"]))


@actions.record(
    "contract",
    "installments",
    labels={"en": "Payment plan", "zh-CN": "设置回款计划"},
    available=in_status("contract", "draft", "in_approval", "active"),
    input=InstallmentsBody,
    output=InstallmentsResult,
)
def contract_installments(
    ctx: Context, record: dict[str, Any], payload: InstallmentsBody
) -> InstallmentsResult:
    """Split the contract amount into installments by percent or amount (they must add up to
    the contract amount); replaces the plans while none has a payment."""
    items = [
        collections.Installment(due_date=i.due_date, percent=i.percent, amount=i.amount)
        for i in payload.installments
    ]
    plan_ids = collections.create_installments(ctx, record["id"], payload.mode, items)
    return InstallmentsResult(plan_ids=plan_ids)


@actions.record(
    "contract",
    "create_renewal",
    labels={"en": "Create renewal", "zh-CN": "创建续约商机"},
    available=in_status("contract", "active", "expired"),
    output=OpportunityCreated,
)
def contract_create_renewal(
    ctx: Context, record: dict[str, Any], payload: None
) -> OpportunityCreated:
    """A renewal opportunity for the contract's amount, linked from the contract."""
    return OpportunityCreated(opportunity_id=contracts.create_renewal(ctx, record["id"]))


def invoiceable(ctx: Context, record: dict[str, Any]) -> bool:
    """Offered on an active contract with an amount left to invoice (409 naming why not)."""
    invoices.require_invoiceable(ctx, record)
    return True


@actions.record(
    "contract",
    "request_invoice",
    labels={"en": "Request invoice", "zh-CN": "申请开票"},
    available=invoiceable,
    output=InvoiceCreated,
    access="read",
)
def contract_request_invoice(ctx: Context, record: dict[str, Any], payload: None) -> InvoiceCreated:
    """A requested invoice for what the active contract has not invoiced yet, with the buyer
    (the account's name and unified social credit code) filled in."""
    return InvoiceCreated(invoice_id=invoices.request_from_contract(ctx, record["id"]))


# ---------------------------------------------------------------- invoice
@actions.record(
    "invoice",
    "issue",
    labels={"en": "Issue", "zh-CN": "开具发票"},
    available=in_status("invoice", "requested"),
    input=IssueBody,
    output=StatusResult,
)
def invoice_issue(ctx: Context, record: dict[str, Any], payload: IssueBody) -> StatusResult:
    """The tax invoice was issued: its number and date; the invoice's amounts lock."""
    return _status(invoices.issue(ctx, record["id"], payload.tax_invoice_number, payload.issued_on))


@actions.record(
    "invoice",
    "void",
    labels={"en": "Void", "zh-CN": "作废"},
    available=in_status("invoice", "requested", "issued"),
    input=VoidBody,
    output=StatusResult,
)
def invoice_void(ctx: Context, record: dict[str, Any], payload: VoidBody) -> StatusResult:
    """Void the invoice with the reason; it no longer counts towards the invoiced totals and
    stays, read-only, as the record of what happened."""
    return _status(invoices.void(ctx, record["id"], payload.reason))


# The quote and contract PDFs (GET .../pdf) live with the document layout.
documents.register(actions)
