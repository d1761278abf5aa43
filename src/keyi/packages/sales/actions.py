"""Record actions of the sales package (routes: keyi.api.routes.actions)."""

from __future__ import annotations

from typing import Any

from keyi.packages.sales.conversion import (
    ConvertInput,
    ConvertResult,
    Matches,
    convert,
    find_matches,
)
from keyi.platform.actions import registry
from keyi.platform.context import Context

# Run only for tenants that installed the sales package.
actions = registry.package("sales")


def not_converted(ctx: Context, record: dict[str, Any]) -> bool:
    """Only the conversion sets ``converted_at``: a lead is converted once."""
    return not record.get("converted_at")


@actions.record(
    "lead",
    "convert",
    labels={"en": "Convert", "zh-CN": "转换"},
    input=ConvertInput,
    output=ConvertResult,
    access="edit",
    available=not_converted,
    unavailable_code="already_converted",
)
def convert_lead(ctx: Context, record: dict[str, Any], payload: ConvertInput) -> ConvertResult:
    """Turn the lead into an account, a contact and optionally an opportunity, in one
    transaction. Without `account_id`, `create_account` or `confirm`, answers 409
    `duplicates_found` with the candidates when a similar account or contact exists."""
    return convert(ctx, record, payload)


@actions.record(
    "lead",
    "conversion_matches",
    labels={"en": "Possible duplicates", "zh-CN": "查重"},
    method="GET",
    output=Matches,
    access="read",
    menu=False,
)
def conversion_matches(ctx: Context, record: dict[str, Any], payload: None) -> Matches:
    """Accounts (by credit code, company name, or their contacts) and contacts (by email or
    mobile) that may be the lead's company and person, among those the caller can read."""
    return find_matches(ctx, record)
