"""Behaviour of the sales objects that metadata alone does not express."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

# Registers the sales target's hooks (one module per object with rules of its own).
from keyi.packages.sales import (
    analytics,
    target_rules,  # noqa: F401
)
from keyi.platform import pools
from keyi.platform.dedupe import fill_missing_keys, normalise_company_name, normalise_mobile
from keyi.platform.errors import Conflict
from keyi.platform.hooks import UpgradeEvent, WriteEvent, registry
from keyi.platform.privacy import register_person

if TYPE_CHECKING:
    from keyi.platform.context import Context

# Run only for tenants that installed the sales package.
hooks = registry.package("sales")

# People, for personal data export and erasure (keyi.platform.privacy.persons): their text,
# contact and date fields are personal by default; a contact's gender too. A lead's company,
# credit code and UTM parameters describe the company and the campaign, not the person.
register_person("contact", personal={"gender"})
register_person(
    "lead",
    non_personal={
        "company",
        "credit_code",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
    },
)


@hooks.before_save("opportunity")
def default_probability_from_stage(ctx: Context, event: WriteEvent) -> None:
    """A stage change sets the stage's default probability unless the user set one too."""
    stage = event.values.get("stage")
    if stage is None or (event.old is not None and event.old.get("stage") == stage):
        return
    if event.values.get("probability") is not None:
        return  # set explicitly in the same write: the user's number wins
    field = ctx.object("opportunity").fields["stage"]
    for option in field.options or ():
        if option.value == stage and option.probability is not None:
            event.values["probability"] = Decimal(option.probability)


@hooks.before_save("opportunity")
def forecast_category_from_stage(ctx: Context, event: WriteEvent) -> None:
    """The forecast category follows the stage unless the write chooses one
    (keyi.packages.sales.analytics says which stage means which category, and why)."""
    analytics.set_forecast_category(ctx, event)


@hooks.after_upgrade
def fill_forecast_categories(ctx: Context, event: UpgradeEvent) -> str | None:
    """Opportunities from before the forecast category existed get their stage's."""
    written = analytics.fill_forecast_categories(ctx)
    return f"forecast categories filled: {written} opportunit(ies)" if written else None


# Activity types that are logged after they happened (a task is planned instead).
LOGGED_TYPES = frozenset({"call", "visit", "note", "email"})
# Logged types that happen at a moment worth recording (when the call or visit took place).
TIMED_TYPES = frozenset({"call", "visit"})


@hooks.before_save("activity")
def logged_activity_defaults(ctx: Context, event: WriteEvent) -> None:
    """A logged call or visit is done and happened now, unless the caller said otherwise.

    The status picklist's metadata default (open) suits tasks; which default applies depends on
    the type, which metadata defaults cannot express. Only values the caller left out change.
    """
    if event.operation != "create" or event.values.get("type") not in LOGGED_TYPES:
        return
    fields = ctx.object("activity").fields
    status = fields.get("status")
    if (
        "status" in event.defaulted
        and status is not None
        and any(o.value == "completed" for o in status.options or ())
    ):
        event.values["status"] = "completed"
    if (
        event.values["type"] in TIMED_TYPES
        and "start_at" in fields
        and "start_at" not in event.values  # an explicit null (time unknown) stays
    ):
        event.values["start_at"] = ctx.now()


@hooks.before_save("activity")
def link_activity_to_account(ctx: Context, event: WriteEvent) -> None:
    """An activity logged on a contact or opportunity also shows on its account's timeline."""
    related_object = event.final("related_object")
    related_id = event.final("related_id")
    if not related_object or not related_id:
        return
    if (
        related_object in ("account", "contact", "opportunity")
        and event.final(related_object) is None
    ):
        event.values[related_object] = related_id
    # A follow-up keeps a claimed account or lead from going back to the public pool.
    if event.operation == "create" and related_object in ("account", "lead"):
        pools.touch(ctx, related_object, related_id)
    if event.final("account") is None and related_object in ("contact", "opportunity"):
        parent = ctx.object(related_object)
        account_id = ctx.conn.execute(
            sa.select(parent.table.c.account).where(parent.table.c.id == related_id)
        ).scalar()
        if account_id:
            event.values["account"] = account_id
        if event.operation == "create" and account_id:
            pools.touch(ctx, "account", account_id)


@hooks.before_save("account")
def account_name_key(ctx: Context, event: WriteEvent) -> None:
    """Keep the account's duplicate-matching key in step with its name (an indexed field, so
    lead conversion finds 北京某某科技有限公司 when the lead says 某某科技)."""
    if "name" in event.values and "name_key" in ctx.object("account").fields:
        event.values["name_key"] = normalise_company_name(event.values["name"])


@hooks.before_save("contact")
def contact_mobile_key(ctx: Context, event: WriteEvent) -> None:
    """The contact's mobile in E.164, whatever way it was typed, for duplicate matching."""
    if "mobile" in event.values and "mobile_key" in ctx.object("contact").fields:
        event.values["mobile_key"] = normalise_mobile(event.values["mobile"])


@hooks.before_save("lead")
def lead_mobile_key(ctx: Context, event: WriteEvent) -> None:
    """The lead's mobile in E.164, for duplicate matching (a web form finds a returning
    visitor by it, whether they typed 138-1234-5678 or +86 138 1234 5678)."""
    if "mobile" in event.values and "mobile_key" in ctx.object("lead").fields:
        event.values["mobile_key"] = normalise_mobile(event.values["mobile"])


@hooks.after_upgrade
def fill_matching_keys(ctx: Context, event: UpgradeEvent) -> str | None:
    """Accounts and contacts from before the matching keys existed get them, so converting a
    lead finds the old customers too (the hooks above fill them on every later save).

    Written straight to the key columns in batches: see keyi.platform.dedupe.backfill for why a
    derived read-only key need not go through the RecordsService."""
    accounts = fill_missing_keys(
        ctx, "account", source="name", key="name_key", normalise=normalise_company_name
    )
    contacts = fill_missing_keys(
        ctx, "contact", source="mobile", key="mobile_key", normalise=normalise_mobile
    )
    leads = fill_missing_keys(
        ctx, "lead", source="mobile", key="mobile_key", normalise=normalise_mobile
    )
    if not accounts and not contacts and not leads:
        return None
    return f"matching keys filled: {accounts} account(s), {contacts} contact(s), {leads} lead(s)"


@hooks.before_save("lead")
def converted_leads_are_read_only(ctx: Context, event: WriteEvent) -> None:
    """A converted lead is a record of what was converted: its account, contact and
    opportunity carry the work on, so the lead itself no longer changes. Converted means
    ``converted_at`` is set (only the conversion writes it): a lead imported with the status
    "converted" stays editable."""
    if event.operation == "update" and (event.old or {}).get("converted_at") is not None:
        raise Conflict("lead_converted")
