"""Valid values for any field, generated from the object's metadata, and what reads return.

The contract suite never lists an object's fields by hand: it asks `GET /metadata/objects/{o}`
and makes, per field type, a value that respects `required`, `unique` (every value carries a
sequence number), `max_length`, picklist options and lookup targets. `expected` is the value the
API must answer for what was sent — written independently of the platform's coercion code, so
a change in how values are stored or serialised shows up as a difference.
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


# Fields whose valid values a validation rule or hook narrows beyond their type.
SPECIAL: dict[tuple[str, str], Any] = {
    ("account", "credit_code"): uscc,
    ("lead", "credit_code"): uscc,
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
    options = active_options(field)
    value: Any
    if options and kind not in ("multi_picklist",):
        value = options[seq % len(options)]
    elif kind == "multi_picklist":
        value = [options[(seq + 1) % len(options)], options[seq % len(options)]]
    elif kind == "text":
        value = _text(field, seq)
    elif kind == "long_text":
        value = f"第一行 {seq}\n第二行：{field['name']}"
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
    if kind == "currency":
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
