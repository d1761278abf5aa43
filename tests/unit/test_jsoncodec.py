"""The JSON codec writes decimals with their exact digits and never fails where stdlib did not."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from keyi.platform.jsoncodec import decimal_text, dumps, loads_exact


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("1234567890123456.78", "1234567890123456.78"),
        ("12.5000", "12.5"),
        ("100", "100"),
        ("1E+2", "100"),
        ("0.0000001", "0.0000001"),
        ("-0.00", "0"),
        ("-3.10", "-3.1"),
    ],
)
def test_decimal_text_is_plain_and_exact(value: str, text: str) -> None:
    assert decimal_text(Decimal(value)) == text


def test_dumps_writes_decimals_verbatim_and_loads_keeps_them() -> None:
    body = {"amount": Decimal("1234567890123456.78"), "name": "华为", 1: [Decimal("0.1")]}
    data = dumps(body)
    assert data == '{"amount":1234567890123456.78,"name":"华为","1":[0.1]}'.encode()
    assert loads_exact(data)["amount"] == Decimal("1234567890123456.78")


def test_dumps_falls_back_for_what_orjson_refuses() -> None:
    for content in ({"big": 2**70}, {"text": "\ud800"}):
        assert json.loads(dumps(content)) == json.loads(json.dumps(content))
