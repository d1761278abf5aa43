"""Lead conversion: one lead becomes an account, a contact and (optionally) an opportunity.

What metadata cannot say: three records created or picked in one transaction, duplicate
candidates proposed from normalised keys (keyi.platform.dedupe), the lead's activities moved
to the contact, and the lead closed as converted. Every write goes through the RecordsService,
so history, audit, outbox, search, access checks and flows apply to each record.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from keyi.api.bodies import RecordValues
from keyi.platform.context import Context
from keyi.platform.dedupe import (
    find_candidates,
    normalise_company_name,
    normalise_credit_code,
    normalise_email,
    normalise_mobile,
)
from keyi.platform.errors import (
    Conflict,
    FieldError,
    FieldErrors,
    NotFound,
    ValidationFailed,
)
from keyi.platform.query import QuerySpec, run_query
from keyi.platform.records import RecordsService

# Lead values a new account or contact starts from (lead field → record field).
ACCOUNT_FROM_LEAD = {
    "credit_code": "credit_code",
    "industry": "industry",
    "source": "source",
    "province": "province",
    "city": "city",
    "phone": "phone",
}
CONTACT_FROM_LEAD = {"title": "title", "mobile": "mobile", "phone": "phone", "email": "email"}
CONVERTED_FIELDS = frozenset(
    {"status", "converted_account", "converted_contact", "converted_opportunity", "converted_at"}
)
PAGE = 500


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpportunityInput(_Body):
    """The opportunity to open with the conversion."""

    name: str = Field(min_length=1, max_length=200)
    amount: Decimal | None = Field(default=None, ge=0)
    close_date: date
    stage: str | None = Field(default=None, max_length=64)


class ConvertInput(_Body):
    """Pick an existing account/contact by id, or create them (from the lead, with the values
    in ``create_account`` / ``create_contact`` taking precedence)."""

    account_id: str | None = Field(default=None, max_length=36)
    create_account: RecordValues | None = None
    contact_id: str | None = Field(default=None, max_length=36)
    create_contact: RecordValues | None = None
    opportunity: OpportunityInput | None = None
    confirm: bool = Field(
        default=False, description="Create new records although duplicate candidates exist."
    )


class ConvertResult(BaseModel):
    account_id: str
    contact_id: str
    opportunity_id: str | None


class Match(BaseModel):
    id: str
    name: str | None
    reasons: list[str]
    account: str | None = None  # a contact's account


class Matches(BaseModel):
    accounts: list[Match]
    contacts: list[Match]


def _id_of(value: Any) -> str | None:
    """A lookup value as the query API serialises it (an id, or {id, name})."""
    if isinstance(value, dict):
        return value.get("id")
    return value


def find_matches(ctx: Context, lead: dict[str, Any]) -> Matches:
    """Accounts and contacts the caller can read that look like the lead's company/person."""
    accounts: dict[str, Match] = {}
    contacts: dict[str, Match] = {}

    def add(found: dict[str, Match], rows: list[dict[str, Any]], reason: str) -> None:
        for row in rows:
            match = found.setdefault(
                row["id"],
                Match(id=row["id"], name=row.get("name"), reasons=[], account=None),
            )
            if "account" in row:
                match.account = _id_of(row.get("account"))
            if reason not in match.reasons:
                match.reasons.append(reason)

    code = normalise_credit_code(lead.get("credit_code"))
    add(
        accounts,
        find_candidates(ctx, "account", "credit_code", [code], fields=["name"]),
        "credit_code",
    )
    add(
        accounts,
        find_candidates(
            ctx,
            "account",
            "name_key",
            [normalise_company_name(lead.get("company"))],
            fields=["name"],
        ),
        "company_name",
    )
    person_fields = ["name", "account"]
    email = normalise_email(lead.get("email"))
    mobile = normalise_mobile(lead.get("mobile"))
    add(contacts, find_candidates(ctx, "contact", "email", [email], fields=person_fields), "email")
    add(
        contacts,
        find_candidates(ctx, "contact", "mobile_key", [mobile], fields=person_fields),
        "mobile",
    )
    # The person is known: their account is a candidate too (when the caller can read it).
    by_account: dict[str, list[str]] = {}
    for contact in contacts.values():
        if contact.account:
            by_account.setdefault(contact.account, []).extend(contact.reasons)
    if by_account:
        for row in find_candidates(ctx, "account", "id", list(by_account), fields=["name"]):
            for reason in by_account[row["id"]]:
                add(accounts, [row], reason)
    return Matches(accounts=list(accounts.values()), contacts=list(contacts.values()))


def _readable(ctx: Context, object_name: str, record_id: str, field: str) -> dict[str, Any]:
    """A record the caller picked: it must exist and be readable by them (a field error
    otherwise, which says nothing about records the caller cannot see)."""
    try:
        uuid.UUID(record_id)  # not an id at all: PostgreSQL would refuse it as a uuid
        return RecordsService(ctx).get(object_name, record_id.lower())
    except (NotFound, ValueError):
        raise ValidationFailed(
            [FieldError(field, "invalid_reference", {"target": object_name})]
        ) from None


def _create(ctx: Context, object_name: str, values: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Create through the records service; its field errors name the input they came from."""
    try:
        return RecordsService(ctx).create(object_name, values)
    except ValidationFailed as exc:
        raise ValidationFailed(
            [FieldError(f"{prefix}.{e.field}", e.code, e.params) for e in exc.errors]
        ) from None


def _copy(
    lead: dict[str, Any], mapping: dict[str, str], target: str, ctx: Context
) -> dict[str, Any]:
    fields = ctx.object(target).fields
    return {
        to: lead[frm]
        for frm, to in mapping.items()
        if lead.get(frm) not in (None, "") and to in fields
    }


def _check_input(ctx: Context, body: ConvertInput) -> None:
    errors = FieldErrors()
    if body.account_id and body.create_account is not None:
        errors.add("create_account", "exclusive_with", other="account_id")
    if body.contact_id and body.create_contact is not None:
        errors.add("create_contact", "exclusive_with", other="contact_id")
    errors.raise_if_any()


def convert(ctx: Context, lead: dict[str, Any], body: ConvertInput) -> ConvertResult:
    """Convert ``lead`` (already checked editable by the actions framework)."""
    if lead.get("converted_at"):
        raise Conflict("already_converted")
    _check_input(ctx, body)
    errors = FieldErrors()
    account = contact = None
    if body.account_id:
        try:
            account = _readable(ctx, "account", body.account_id, "account_id")
        except ValidationFailed as exc:
            errors.items.extend(exc.errors)
    if body.contact_id:
        try:
            contact = _readable(ctx, "contact", body.contact_id, "contact_id")
        except ValidationFailed as exc:
            errors.items.extend(exc.errors)
    errors.raise_if_any()

    if not body.confirm:
        matches = find_matches(ctx, lead)
        open_accounts = account is None and body.create_account is None and matches.accounts
        open_contacts = contact is None and body.create_contact is None and matches.contacts
        if open_accounts or open_contacts:
            raise Conflict("duplicates_found", candidates=matches.model_dump(mode="json"))

    if account is None:
        values = _copy(lead, ACCOUNT_FROM_LEAD, "account", ctx)
        values["name"] = lead.get("company") or lead["name"]
        account = _create(
            ctx, "account", {**values, **(body.create_account or {})}, "create_account"
        )
    if contact is None:
        values = _copy(lead, CONTACT_FROM_LEAD, "contact", ctx)
        values.update(name=lead["name"], account=account["id"])
        contact = _create(
            ctx, "contact", {**values, **(body.create_contact or {})}, "create_contact"
        )
    elif not _id_of(contact.get("account")):
        # A picked contact without an account joins the converted account.
        contact = RecordsService(ctx).update("contact", contact["id"], {"account": account["id"]})

    opportunity = None
    if body.opportunity is not None:
        values = {
            "name": body.opportunity.name,
            "account": account["id"],
            "contact": contact["id"],
            "amount": body.opportunity.amount,
            "close_date": body.opportunity.close_date,
        }
        if body.opportunity.stage:
            values["stage"] = body.opportunity.stage
        if lead.get("source") and "source" in ctx.object("opportunity").fields:
            values["source"] = lead["source"]
        opportunity = _create(
            ctx, "opportunity", {k: v for k, v in values.items() if v is not None}, "opportunity"
        )

    _move_activities(ctx, lead["id"], account["id"], contact["id"])
    RecordsService(ctx).update(
        "lead",
        lead["id"],
        {
            "status": "converted",
            "converted_account": account["id"],
            "converted_contact": contact["id"],
            "converted_opportunity": opportunity["id"] if opportunity else None,
            "converted_at": ctx.now(),
        },
        trusted_fields=CONVERTED_FIELDS,
    )
    return ConvertResult(
        account_id=account["id"],
        contact_id=contact["id"],
        opportunity_id=opportunity["id"] if opportunity else None,
    )


def _move_activities(ctx: Context, lead_id: str, account_id: str, contact_id: str) -> None:
    """The lead's calls, visits and tasks continue on the contact's (and account's) timeline.

    Only activities the caller can read are moved, each through the records service (which
    also checks the caller may edit it): a conversion never touches what the rep cannot see."""
    if ctx.schema.get("activity") is None:
        return
    records = RecordsService(ctx)
    spec = QuerySpec(
        filter={
            "and": [
                {"field": "related_object", "op": "eq", "value": "lead"},
                {"field": "related_id", "op": "eq", "value": lead_id},
            ]
        },
        fields=["related_id"],
        limit=PAGE,
    )
    ids: list[str] = []
    while True:
        page = run_query(ctx, "activity", spec)
        ids.extend(row["id"] for row in page["records"])
        if not page.get("next_cursor"):
            break
        spec = QuerySpec(
            filter=spec.filter, fields=spec.fields, limit=PAGE, cursor=page["next_cursor"]
        )
    for activity_id in ids:
        records.update(
            "activity",
            activity_id,
            {
                "related_object": "contact",
                "related_id": contact_id,
                "contact": contact_id,
                "account": account_id,
            },
        )
