"""Field type coercion: what users type becomes typed values, or a precise error code."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from keyi.platform.fieldtypes import Invalid, coerce_currency_code, datetime_json, impl_for
from keyi.platform.metadata.model import FieldDef, FieldType, PicklistOption


def field(ftype: str, **extra: Any) -> FieldDef:
    return FieldDef(name="f", type=FieldType(ftype), labels={"en": "F"}, **extra)


OPTIONS = (
    PicklistOption(value="a", labels={"en": "A"}),
    PicklistOption(value="b", labels={"en": "B"}),
)


@pytest.mark.parametrize(
    ("ftype", "extra", "raw", "expected"),
    [
        ("text", {}, "  hi  ", "hi"),
        ("text", {}, "", None),
        ("text", {}, 42, "42"),
        ("integer", {}, "1,200", 1200),
        ("integer", {}, 7.0, 7),
        ("decimal", {"scale": 2}, "3.14159", Decimal("3.14")),
        ("currency", {}, 10, Decimal("10.00")),
        ("percent", {}, "12.5", Decimal("12.5000")),
        ("boolean", {}, "是", True),
        ("boolean", {}, "false", False),
        ("boolean", {}, 1, True),
        ("date", {}, "2026-02-28", date(2026, 2, 28)),
        ("date", {}, "2026-02-28T23:00:00Z", date(2026, 2, 28)),
        ("datetime", {}, "2026-01-01T08:00:00+08:00", datetime(2026, 1, 1, 0, 0)),
        ("email", {}, "A@B.CN", "a@b.cn"),
        ("phone", {}, "+86 138-0013-8000", "+86 138-0013-8000"),
        ("phone", {}, "010-88886666转123", "010-88886666转123"),
        ("url", {}, "keyi.dev/docs", "https://keyi.dev/docs"),
        ("picklist", {"options": OPTIONS}, "a", "a"),
        ("multi_picklist", {"options": OPTIONS}, ["b", "a", "b"], '["a", "b"]'),
        ("multi_picklist", {"options": OPTIONS}, "a;b", '["a", "b"]'),
        (
            "lookup",
            {"target": "account"},
            "0190F5A0-0000-7000-8000-000000000001",
            "0190f5a0-0000-7000-8000-000000000001",
        ),
    ],
)
def test_coerce_accepts(ftype: str, extra: dict[str, Any], raw: Any, expected: Any) -> None:
    f = field(ftype, **extra)
    assert impl_for(f).coerce(f, raw) == expected


@pytest.mark.parametrize(
    ("ftype", "extra", "raw", "code"),
    [
        ("text", {"max_length": 3}, "abcd", "too_long"),
        ("text", {}, True, "invalid_text"),
        ("text", {}, {"a": 1}, "invalid_text"),
        ("integer", {}, "1.5", "invalid_integer"),
        ("integer", {}, True, "invalid_integer"),
        ("integer", {}, "NaN", "invalid_integer"),
        ("integer", {}, 2**64, "number_too_large"),
        ("decimal", {"precision": 5, "scale": 2}, "12345.6", "number_too_large"),
        ("decimal", {}, "Infinity", "invalid_number"),
        ("decimal", {}, "abc", "invalid_number"),
        ("boolean", {}, "maybe", "invalid_boolean"),
        ("date", {}, "2026-02-30", "invalid_date"),
        ("date", {}, 20260101, "invalid_date"),
        ("datetime", {}, "yesterday", "invalid_datetime"),
        ("email", {}, "a@b", "invalid_email"),
        ("phone", {}, "call me", "invalid_phone"),
        ("url", {}, "javascript:alert(1)", "invalid_url"),
        ("picklist", {"options": OPTIONS}, "c", "invalid_option"),
        ("multi_picklist", {"options": OPTIONS}, ["a", "z"], "invalid_option"),
        ("lookup", {"target": "account"}, "not-a-uuid", "invalid_reference"),
        ("lookup", {"target": "account"}, 5, "invalid_reference"),
    ],
)
def test_coerce_rejects(ftype: str, extra: dict[str, Any], raw: Any, code: str) -> None:
    f = field(ftype, **extra)
    with pytest.raises(Invalid) as caught:
        impl_for(f).coerce(f, raw)
    assert caught.value.code == code


def test_currency_code() -> None:
    assert coerce_currency_code(" usd ") == "USD"
    with pytest.raises(Invalid):
        coerce_currency_code("US")


def test_output_shapes() -> None:
    d = field("decimal")
    assert impl_for(d).to_json(d, Decimal("12.5000")) == 12.5
    assert impl_for(d).to_json(d, Decimal("12.0000")) == 12
    m = field("multi_picklist", options=OPTIONS)
    assert impl_for(m).to_json(m, None) == []
    assert datetime_json(datetime(2026, 1, 2, 3, 4, 5, 678000)) == "2026-01-02T03:04:05.678Z"


def test_currency_has_two_columns() -> None:
    f = field("currency")
    assert [c.name for c in impl_for(f).columns(f)] == ["f", "f_currency"]
    formula = field("formula", expression="1", return_type="decimal")
    assert impl_for(formula).columns(formula) == []
