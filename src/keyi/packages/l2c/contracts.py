"""Contracts: terminate, order from a contract, and the renewal opportunity.

Statuses (picklist ``contract.status``, read-only to users): draft → in_approval (the
``contract_approval`` process) → active → expired (daily job) | terminated.
"""

from __future__ import annotations

from typing import Any

from keyi.packages.l2c import workflow
from keyi.packages.l2c.quotes import order_from
from keyi.platform.context import Context
from keyi.platform.errors import Conflict
from keyi.platform.i18n import label


def terminate(ctx: Context, contract_id: str, reason: str) -> dict[str, Any]:
    """End an active contract early, with the reason on the contract."""
    contract = workflow.get(ctx, "contract", contract_id)
    workflow.require_status(ctx, "contract", contract, ("active",))
    return workflow.set_fields(
        ctx, "contract", contract_id, {"status": "terminated", "terminated_reason": reason}
    )


def create_order(ctx: Context, contract_id: str) -> str:
    """An order under an active contract, with the lines of the contract's quote if any."""
    contract = workflow.get(ctx, "contract", contract_id)
    workflow.require_status(ctx, "contract", contract, ("active",))
    quote_id = contract.get("quote")
    lines = workflow.lines_of(ctx, "quote_line", "quote", quote_id) if quote_id else []
    return order_from(
        ctx,
        {
            "name": contract["name"],
            "account": contract["account"],
            "opportunity": contract.get("opportunity"),
            "quote": quote_id,
            "contract": contract_id,
            "currency": contract.get("currency"),
        },
        lines,
    )


def create_renewal(ctx: Context, contract_id: str) -> str:
    """A renewal opportunity for the contract's amount, closing when the contract ends, owned
    by the contract's owner and linked from the contract (once: a second call is a 409)."""
    contract = workflow.get(ctx, "contract", contract_id)
    workflow.require_status(ctx, "contract", contract, ("active", "expired"))
    if contract.get("renewal_opportunity"):
        raise Conflict("renewal_exists", opportunity=contract["renewal_opportunity"])
    values: dict[str, Any] = {
        "name": f"{contract['name']} — {label(RENEWAL, ctx.locale)}",
        "account": contract["account"],
        "type": "renewal",
        "amount": str(workflow.money(contract["amount"])),
        "close_date": contract["end_date"],
    }
    if contract.get("amount_currency"):
        values["amount_currency"] = contract["amount_currency"]
    if contract.get("owner_id"):
        values["owner_id"] = contract["owner_id"]
    opportunity_id = workflow.create(ctx, "opportunity", values)
    workflow.set_fields(ctx, "contract", contract_id, {"renewal_opportunity": opportunity_id})
    return opportunity_id


RENEWAL = {"en": "Renewal", "zh-CN": "续约"}
