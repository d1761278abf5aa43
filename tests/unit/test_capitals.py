"""人民币大写: known-correct amounts in words, by the financial (PBOC) convention."""

from __future__ import annotations

from decimal import Decimal

import pytest

from keyi.packages.l2c.capitals import to_chinese_capital


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("0.56", "伍角陆分"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("10.05", "壹拾元零伍分"),
        ("10.50", "壹拾元伍角"),
        ("15", "壹拾伍元整"),
        ("101", "壹佰零壹元整"),
        ("110", "壹佰壹拾元整"),
        ("1004.50", "壹仟零肆元伍角"),
        ("1010", "壹仟零壹拾元整"),
        ("1001", "壹仟零壹元整"),
        ("10000", "壹万元整"),
        ("10100", "壹万零壹佰元整"),
        ("10010", "壹万零壹拾元整"),
        ("11000", "壹万壹仟元整"),
        ("100000", "壹拾万元整"),
        ("105000", "壹拾万伍仟元整"),
        ("1000001", "壹佰万零壹元整"),
        ("3456789.12", "叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
        ("20000000", "贰仟万元整"),
        ("100000000", "壹亿元整"),
        ("100010000", "壹亿零壹万元整"),
        ("100000001", "壹亿零壹元整"),
        ("110000000", "壹亿壹仟万元整"),
        ("101000000", "壹亿零壹佰万元整"),
        ("1000000000000", "壹万亿元整"),
        ("1000100000000", "壹万零壹亿元整"),
        ("123456789012.34", "壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分"),
        ("-1004.50", "负壹仟零肆元伍角"),
        ("-0.05", "负伍分"),
    ],
)
def test_amounts_in_words(amount: str, words: str) -> None:
    assert to_chinese_capital(Decimal(amount)) == words


def test_rounds_half_up_to_the_fen_first() -> None:
    assert to_chinese_capital(Decimal("1.005")) == "壹元零壹分"
    assert to_chinese_capital(Decimal("1.004")) == "壹元整"
    assert to_chinese_capital(Decimal("0.995")) == "壹元整"


def test_refuses_floats_and_non_finite_values() -> None:
    with pytest.raises(TypeError):
        to_chinese_capital(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        to_chinese_capital(Decimal("NaN"))
