"""Valid values for any field, generated from the object's metadata, and what reads return.

The contract suite never lists an object's fields by hand: it asks `GET /metadata/objects/{o}`
and makes, per field type, a value that respects `required`, `unique` (every value carries a
sequence number), `max_length`, picklist options and lookup targets. `expected` is the value the
API must answer for what was sent — written independently of the platform's coercion code, so
a change in how values are stored or serialised shows up as a difference.

What metadata cannot say — validation rules and package hooks that narrow a field's values or
tie it to another record (a quote line's product in its quote's price book, one standard price
book, a payment within its plan) — is declared below as data (SPECIAL, LOCKING_OPTIONS,
DOCUMENT_CURRENCY, ONE_OF, MINIMAL_VALUES, FRESH_TARGETS, PREPARED_TARGETS, COPIED,
AT_MOST_ONE_TRUE, LINKED_POOLS, WITH_CHILDREN), which
`World` in conftest.py applies to every object alike.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

# Types whose value the platform computes: never sent.
COMPUTED = frozenset({"formula", "rollup", "auto_number", "id", "version"})
REFERENCES = frozenset({"lookup", "master_detail", "owner"})
DECIMALS = frozenset({"decimal", "currency", "percent"})
DEFAULT_SCALE = {"decimal": 4, "currency": 2, "percent": 4, "rollup": 2}

# GB 32100-2015 unified social credit code: 17 characters and a weighted mod-31 check.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc(seq: int) -> str:
    """A valid code (the account's validation rule checks the check character)."""
    head = f"9131000{seq:010d}"
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(head, USCC_WEIGHTS, strict=True))
    return head + USCC_CHARSET[(31 - total % 31) % 31]


def later_date(seq: int) -> str:
    """A date after every one `generate` makes (from 2026 on, 3 days per sequence number), for
    a field a rule keeps from preceding another date of its record: any later update of the
    earlier date still leaves the pair in order."""
    return (date(2126, 1, 31) + timedelta(days=seq)).isoformat()


def later_datetime(seq: int) -> str:
    """A moment after every one `generate` makes (as `later_date`), for a field a rule keeps
    after another datetime of its record (a work order's scheduled end after its start)."""
    moment = datetime(2126, 1, 31, 9, 0, 0, 250000) + timedelta(hours=seq)
    return moment.isoformat(timespec="milliseconds") + "+08:00"


def small_amount(seq: int) -> str:
    """An amount far below every generated one (12 345 678 and up), so that many payments fit
    in one payment plan's open amount."""
    return f"{seq % 900 + 1}.{seq % 100:02d}"


def small_tax(seq: int) -> str:
    """A tax below every small amount (the tax is part of the amount including it)."""
    return f"0.{seq % 100:02d}"


def period_start(seq: int) -> str:
    """A first of January: the first day of a month, a quarter and a (calendar fiscal) year
    alike, whatever period type a sales target has; one year per sequence number keeps every
    target in a slot of its own."""
    return date(2000 + seq % 7000, 1, 1).isoformat()


# Fields whose valid values a validation rule or hook narrows beyond their type.
SPECIAL: dict[tuple[str, str], Any] = {
    ("sales_target", "period_start"): period_start,  # the first day of its period
    ("account", "credit_code"): uscc,
    ("lead", "credit_code"): uscc,
    ("contract", "end_date"): later_date,  # not before start_date
    ("price_book", "valid_to"): later_date,  # not before valid_from
    ("payment", "amount"): small_amount,  # within its plan's open amount
    ("invoice", "amount"): small_amount,  # within its contract's amount not yet invoiced
    ("invoice", "tax"): small_tax,  # part of the amount
    # Pooled orders have no lines (a grand total of 0, nothing to invoice): invoices are the
    # pooled contracts' only.
    ("invoice", "order"): lambda seq: None,
    ("sla_policy", "warn_at_percent"): lambda seq: seq % 99 + 1,  # 1 to 99 % of a target
    # A case moves only along its lifecycle (keyi.packages.service.lifecycle, tested by
    # tests/integration/test_service_lifecycle.py): in progress ⇄ waiting on the customer.
    ("case", "status"): lambda seq: ("in_progress", "waiting_on_customer")[seq % 2],
    # A customer's (inbound) message is always public: messages are ours, so any visibility.
    ("case_message", "direction"): lambda seq: "outbound",
    ("work_order", "scheduled_end"): later_datetime,  # after scheduled_start
    # An IANA time zone (keyi.packages.service.sla_hooks refuses others).
    ("business_calendar", "time_zone"): lambda seq: ("Asia/Shanghai", "Europe/Berlin", "UTC")[
        seq % 3
    ],
    # "HH:MM", the end after the start whatever the other field holds: starts before noon,
    # ends after it (overlapping hours of one day are merged, so any pair will do).
    ("business_hours", "start_time"): lambda seq: f"{seq % 12:02d}:{seq * 7 % 60:02d}",
    ("business_hours", "end_time"): lambda seq: f"{12 + seq % 12:02d}:{seq * 11 % 60:02d}",
    # Targets of at most a year (sla_hooks.MAX_TARGET_HOURS) and above zero.
    ("sla_target", "first_response_hours"): lambda seq: f"{seq % 90 + 1}.25",
    ("sla_target", "resolution_hours"): lambda seq: f"{seq % 900 + 1}.50",
    ("campaign", "end_date"): later_date,  # not before start_date
    ("marketing_plan", "fiscal_year"): lambda seq: 2000 + seq % 100,  # a plausible year
    # A care plan sends 0 to 30 days ahead, at an hour of the day (validation rules).
    ("care_plan", "days_before"): lambda seq: seq % 31,
    ("care_plan", "send_hour"): lambda seq: seq % 24,
    # A segment's conditions must compile for its object (both have a name); its members
    # belong to a static list of contacts, one membership per person, no lead beside it
    # (keyi.packages.marketing.segment_hooks, tested by test_marketing_segments.py).
    ("segment", "filter"): lambda seq: {"field": "name", "op": "contains", "value": f"值{seq}"},
    ("segment_member", "lead"): lambda seq: None,
    # A web form's fields are lead fields a visitor may fill, the lead's name among them
    # (keyi.packages.marketing.web_forms); its allowed origins are website origins.
    ("web_form", "fields"): lambda seq: [
        {"field": "name", "required": True},
        {"field": ("email", "mobile", "company")[seq % 3], "required": seq % 2 == 0},
    ],
    ("web_form", "allowed_origins"): lambda seq: f"https://www{seq}.example.com",
    # A template's blocks are a list of blocks (keyi.packages.marketing.email_render).
    ("email_template", "blocks"): lambda seq: [
        {"type": "heading", "text": f"标题 {seq}", "level": 1},
        {"type": "text", "text": f"第 {seq} 段"},
    ],
    # A template's variables are its text's (keyi.packages.marketing.sms_render): the sample
    # text has none.
    ("sms_template", "variables"): lambda seq: None,
}

# Values every minimal record of an object carries (the records lookups point at): a segment
# member needs a static list of contacts, so the segments other records link to are those.
MINIMAL_VALUES: dict[str, dict[str, Any]] = {"segment": {"type": "static", "object": "contact"}}

# Lookups the per-field round trip leaves alone: an invoice on an order is bounded by the
# order's grand total, and pooled orders have no lines (nothing to invoice); invoices are
# exercised on contracts, and the order ceiling by tests/integration/test_l2c_invoices.py.
# A message's direction is left alone too (an inbound one is always public, and the
# conversation's rules are tests/integration/test_service_queues.py's).
# A list member's lead stays empty: it is a contact's membership (MINIMAL_VALUES). A template's
# blocks sent alone remake its HTML (keyi.packages.marketing.email_templates), so they are
# exercised with the create only.
UNCHANGED: frozenset[tuple[str, str]] = frozenset(
    {
        ("invoice", "order"),
        ("case_message", "direction"),
        ("segment_member", "lead"),
        ("email_template", "blocks"),
        # A template's variables are its text's (test_sms_marketing.py changes them).
        ("sms_template", "variables"),
    }
)

# Picklist values after which a hook refuses every edit (a converted lead is a record of its
# conversion, which the convert action sets): a record given one could not be changed on, so
# values avoid them.
LOCKING_OPTIONS: dict[tuple[str, str], frozenset[str]] = {
    ("lead", "status"): frozenset({"converted"}),
    # Refused by a rule until the check-out and sign-off actions filled their read-only
    # fields (tests/integration/test_service_field.py completes one).
    ("work_order", "status"): frozenset({"completed"}),
}

# Currency fields whose code a hook copies from the record's document (its own `currency`,
# its price book's, its parent's, its contract's or order's): a code sent along would be
# replaced, so none is sent and the value is checked alone.
DOCUMENT_CURRENCY: frozenset[tuple[str, str]] = frozenset(
    {
        ("contract", "amount"),
        ("payment_plan", "amount"),
        ("payment", "amount"),
        ("price_book_entry", "unit_price"),
        ("quote_line", "unit_price"),
        ("order_line", "unit_price"),
        ("opportunity_line", "unit_price"),
    }
)

# Optional fields a minimal record fills anyway, because a validation rule wants one of a few
# (a payment plan belongs to a contract or an order). Pooled plans take the order: a payment
# naming one of them may then name any contract (a plan's contract must be the payment's).
ONE_OF: dict[str, str] = {
    "payment_plan": "order",
    "sales_target": "user",
    "campaign_member": "contact",
}

# Optional fields of which a record holds exactly one (a sales target is a rep's or a
# department's): records are made with the first, and an update of either empties the other.
EXCLUSIVE: dict[str, tuple[str, str]] = {
    "sales_target": ("user", "department"),
    # A campaign member is a contact or a lead (keyi.packages.marketing.members).
    "campaign_member": ("contact", "lead"),
}

# Lookups that take a new target for every value instead of a pooled one: a price book holds
# one entry per product, and pooled products are already in every pooled book (LINKED_POOLS).
# A queue holds one membership per agent (keyi.packages.service.assignment): each member gets
# a queue of its own. A case links an article once (and only a published one: see
# PREPARED_TARGETS). A policy holds one target per priority and grade: each target gets a
# policy of its own. A contact has at most one portal user: each gets a contact of its own.
FRESH_TARGETS: frozenset[tuple[str, str]] = frozenset(
    {
        ("price_book_entry", "product"),
        ("queue_member", "queue"),
        ("case_article", "article"),
        ("sla_target", "policy"),
        ("portal_user", "contact"),
        # A person is a member of a campaign once.
        ("campaign_member", "contact"),
        ("campaign_member", "lead"),
        ("segment_member", "contact"),
    }
)

# Record actions run on a fresh target before a lookup may point at it: (object, lookup) →
# action. A case links published knowledge articles only.
PREPARED_TARGETS: dict[tuple[str, str], str] = {("case_article", "article"): "publish"}

# Values a hook copies on create from a linked record when that link is set: (object, field)
# → (its lookup, the linked record's field). A payment plan's account is its contract's.
COPIED: dict[tuple[str, str], tuple[str, str]] = {
    ("payment_plan", "account"): ("contract", "account"),
}

# Booleans at most one record may hold true (one standard price book): new records get false,
# so the one true value is left to the update that switches it on.
AT_MOST_ONE_TRUE: frozenset[tuple[str, str]] = frozenset(
    {("price_book", "is_standard"), ("sla_policy", "is_default")}
)

# Records an object's values need between the targets of two of its lookups' pools: a quote
# line's product must have an active entry in its quote's price book, so before quote lines
# are made every pooled product gets an entry in every pooled price book (pooled quotes use
# pooled books). object → (linking object, its lookup to the first pool, to the second).
LINKED_POOLS: dict[str, tuple[str, str, str]] = {
    "quote_line": ("price_book_entry", "price_book", "product"),
}


# Records a new record needs below it before others may use it: an SLA policy refuses a
# calendar without working hours, so every calendar the world makes gets one interval.
# object → (child object, its master-detail field, the child's other values).
WITH_CHILDREN: dict[str, tuple[str, str, dict[str, Any]]] = {
    "business_calendar": (
        "business_hours",
        "calendar",
        {"weekday": "1", "start_time": "09:00", "end_time": "18:00"},
    ),
}


def writable(field: dict[str, Any]) -> bool:
    """A field a create or update may set (system fields like owner_id are tested apart)."""
    return not field["system"] and not field["read_only"] and field["type"] not in COMPUTED


def active_options(field: dict[str, Any]) -> list[str]:
    return [o["value"] for o in field["options"] or () if o.get("active", True)]


def scale_of(field: dict[str, Any]) -> int:
    kind = field["return_type"] if field["type"] in ("formula", "rollup") else field["type"]
    if field["scale"] is not None:
        return int(field["scale"])
    return DEFAULT_SCALE.get(kind or "decimal", 2)


def _text(field: dict[str, Any], seq: int) -> str:
    limit = field["max_length"] or 255
    return f"值{seq}·{field['name']}"[:limit]


def generate(
    object_name: str, field: dict[str, Any], seq: int, refs: dict[str, list[str]]
) -> dict[str, Any]:
    """{name: value} (a currency also sends its code) for field `field` of `object_name`."""
    name, kind = field["name"], field["type"]
    special = SPECIAL.get((object_name, name))
    if special is not None:
        return {name: special(seq)}
    locking = LOCKING_OPTIONS.get((object_name, name), frozenset())
    options = [o for o in active_options(field) if o not in locking]
    value: Any
    if options and kind not in ("multi_picklist",):
        value = options[seq % len(options)]
    elif kind == "multi_picklist":
        value = [options[(seq + 1) % len(options)], options[seq % len(options)]]
    elif kind == "text":
        value = _text(field, seq)
    elif kind == "long_text":
        value = f"第一行 {seq}\n第二行：{field['name']}"
    elif kind == "json":
        value = {"序号": seq, "items": [field["name"], {"nested": seq % 2 == 0}]}
    elif kind == "integer":
        value = 1000 + seq
    elif kind in DECIMALS:
        scale = scale_of(field)
        whole = seq % 90 if kind == "percent" else 12_345_678 + seq
        digits = f"{seq % 10}7531"[:scale]
        value = f"{whole}.{digits}" if scale else str(whole)
    elif kind == "boolean":
        value = seq % 2 == 0
    elif kind == "date":
        value = (date(2026, 1, 31) + timedelta(days=seq * 3)).isoformat()
    elif kind == "datetime":
        # A local time east of UTC: reads must answer the same instant in UTC.
        moment = datetime(2026, 3, 1, 16, 30, 15, 123000) + timedelta(hours=seq * 5)
        value = moment.isoformat(timespec="milliseconds") + "+08:00"
    elif kind == "email":
        value = f"User{seq}.{name}@Example.COM"
    elif kind == "phone":
        value = f"+86 138-{seq:04d}-5678"
    elif kind == "url":
        value = f"example.com/{name}/{seq}" if seq % 2 else f"https://example.com/{seq}"
    elif kind in REFERENCES:
        targets = refs[field["target"]]
        value = targets[seq % len(targets)]
    else:  # a new field type: the suite must learn it
        raise AssertionError(f"no value generator for field type {kind!r}")
    if kind == "currency" and (object_name, name) not in DOCUMENT_CURRENCY:
        return {name: value, f"{name}_currency": "USD" if seq % 2 else "CNY"}
    return {name: value}


def expected(field: dict[str, Any], sent: Any) -> Any:
    """What reads answer for `sent`: exact decimals, UTC datetimes, normalised text."""
    kind = field["type"]
    if sent is None:
        return [] if kind == "multi_picklist" else None
    if kind in DECIMALS:
        number = Decimal(str(sent)).quantize(Decimal(1).scaleb(-scale_of(field)))
        return int(number) if number == number.to_integral_value() else number
    if kind == "datetime":
        moment = datetime.fromisoformat(str(sent).replace("Z", "+00:00"))
        moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.isoformat(timespec="milliseconds") + "Z"
    if kind == "email":
        return str(sent).lower()
    if kind == "url" and not str(sent).startswith(("http://", "https://")):
        return "https://" + str(sent)
    if kind == "multi_picklist":
        order = [o["value"] for o in field["options"]]
        return sorted(set(sent), key=order.index)
    return sent


def answered(field: dict[str, Any], value: Any) -> Any:
    """A value as read from the API, comparable with `expected` (exact decimals)."""
    if value is not None and field["type"] in DECIMALS | {"rollup"}:
        number = Decimal(str(value))
        return int(number) if number == number.to_integral_value() else number
    return value


def loads(text: str) -> Any:
    """JSON with decimals kept exact (the API writes stored digits, never floats)."""
    return json.loads(text, parse_float=Decimal)
