"""IS_USCC: unified social credit codes (GB 32100-2015) — length, charset and check character."""

from __future__ import annotations

import pytest

from keyi.platform.expressions import ExpressionError, ValueType, evaluate, infer_type, parse
from keyi.platform.expressions.lib_codes import USCC_CHARSET, is_uscc, uscc_check_char

# Codes printed on real business licences (and the standard's own example).
REAL_CODES = (
    "91350100M000100Y43",  # GB 32100-2015, appendix example
    "914403001922038216",  # 华为技术有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
)


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert is_uscc(code)
    assert evaluate(parse("IS_USCC(code)"), {"code": code}) is True


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_character_change_is_caught(code: str) -> None:
    """The mod-31 check with weights coprime to 31 detects any one substituted character."""
    for position in range(len(code)):
        for replacement in USCC_CHARSET:
            if replacement == code[position]:
                continue
            corrupted = code[:position] + replacement + code[position + 1 :]
            assert not is_uscc(corrupted), corrupted


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("914403001922038217", "wrong check digit"),
        ("91440300192203821", "17 characters"),
        ("9144030019220382160", "19 characters"),
        ("", "empty"),
        ("91350100m000100y43", "lower case"),
        ("91350100I000100Y43", "I is not in the charset"),
        ("9135010OM000100Y43", "O is not in the charset"),
        ("91350100Z000100Y43", "Z is not in the charset"),
        ("91350100S000100Y43", "S is not in the charset"),
        ("91350100V000100Y43", "V is not in the charset"),
        (" 91350100M000100Y4", "leading space"),
        ("91350100M000100Y4３", "full-width digit"),
        ("194403001922038216", "two characters swapped"),
    ],
)
def test_corrupted_codes_are_invalid(code: str, why: str) -> None:
    assert not is_uscc(code), why


def test_check_char_of_the_standard_example() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_null_gives_null_and_the_type_is_boolean() -> None:
    """A blank code is a separate question (required); the rule says nothing about it."""
    tree = parse("IS_USCC(code)")
    assert evaluate(tree, {"code": None}) is None
    assert infer_type(tree, {"code": ValueType.TEXT}) is ValueType.BOOLEAN
    rule = parse("NOT ISBLANK(code) AND NOT IS_USCC(code)")
    assert evaluate(rule, {"code": None}) is False
    assert evaluate(rule, {"code": "914403001922038217"}) is True
    assert evaluate(rule, {"code": "914403001922038216"}) is False


def test_only_text_is_accepted() -> None:
    with pytest.raises(ExpressionError):
        infer_type(parse("IS_USCC(n)"), {"n": ValueType.INTEGER})
    with pytest.raises(ExpressionError):
        parse("IS_USCC('a', 'b')")
