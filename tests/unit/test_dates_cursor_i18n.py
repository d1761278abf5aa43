"""Relative dates, keyset cursors and language negotiation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from keyi.platform.errors import ValidationFailed
from keyi.platform.i18n import MESSAGES, message, negotiate
from keyi.platform.query import cursor as cursors
from keyi.platform.query.dates import is_relative, resolve

TODAY = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("today", (date(2026, 11, 23), date(2026, 11, 24))),
        ("yesterday", (date(2026, 11, 22), date(2026, 11, 23))),
        ("this_week", (date(2026, 11, 23), date(2026, 11, 30))),
        ("last_week", (date(2026, 11, 16), date(2026, 11, 23))),
        ("this_month", (date(2026, 11, 1), date(2026, 12, 1))),
        ("next_month", (date(2026, 12, 1), date(2027, 1, 1))),
        ("last_month", (date(2026, 10, 1), date(2026, 11, 1))),
        ("this_quarter", (date(2026, 10, 1), date(2027, 1, 1))),
        ("last_quarter", (date(2026, 7, 1), date(2026, 10, 1))),
        ("next_quarter", (date(2027, 1, 1), date(2027, 4, 1))),
        ("this_year", (date(2026, 1, 1), date(2027, 1, 1))),
        ("last_year", (date(2025, 1, 1), date(2026, 1, 1))),
        ("last_n_days:30", (date(2026, 10, 25), date(2026, 11, 24))),
        ("next_n_days:7", (date(2026, 11, 23), date(2026, 11, 30))),
        ("last_n_weeks:1", (date(2026, 11, 17), date(2026, 11, 24))),
    ],
)
def test_relative_dates(literal: str, expected: tuple[date, date]) -> None:
    assert is_relative(literal)
    assert resolve(literal, TODAY) == expected


def test_relative_months_across_year_end() -> None:
    start, end = resolve("last_n_months:3", date(2026, 1, 31))
    assert start == date(2025, 11, 1) and end == date(2026, 2, 1)


@pytest.mark.parametrize(
    ("literal", "today", "start_month", "expected"),
    [
        # Calendar fiscal year: the same as this_quarter / this_year.
        ("this_fiscal_quarter", date(2026, 2, 15), 1, (date(2026, 1, 1), date(2026, 4, 1))),
        ("this_fiscal_year", date(2026, 12, 31), 1, (date(2026, 1, 1), date(2027, 1, 1))),
        # April start: January–March belong to the fiscal year that began the April before.
        ("this_fiscal_year", date(2026, 3, 31), 4, (date(2025, 4, 1), date(2026, 4, 1))),
        ("this_fiscal_year", date(2026, 4, 1), 4, (date(2026, 4, 1), date(2027, 4, 1))),
        ("last_fiscal_year", date(2026, 1, 10), 4, (date(2024, 4, 1), date(2025, 4, 1))),
        ("next_fiscal_year", date(2026, 1, 10), 4, (date(2026, 4, 1), date(2027, 4, 1))),
        ("this_fiscal_quarter", date(2026, 2, 15), 4, (date(2026, 1, 1), date(2026, 4, 1))),
        ("next_fiscal_quarter", date(2026, 2, 15), 4, (date(2026, 4, 1), date(2026, 7, 1))),
        # February start: quarters Feb–Apr, May–Jul, Aug–Oct, Nov–Jan (across the year end).
        ("this_fiscal_quarter", date(2026, 1, 20), 2, (date(2025, 11, 1), date(2026, 2, 1))),
        ("last_fiscal_quarter", date(2026, 2, 1), 2, (date(2025, 11, 1), date(2026, 2, 1))),
        ("next_fiscal_quarter", date(2025, 12, 31), 2, (date(2026, 2, 1), date(2026, 5, 1))),
        ("this_fiscal_year", date(2026, 1, 31), 2, (date(2025, 2, 1), date(2026, 2, 1))),
        # October start (many multinationals' subsidiaries).
        ("this_fiscal_year", date(2026, 9, 30), 10, (date(2025, 10, 1), date(2026, 10, 1))),
        ("last_fiscal_quarter", date(2026, 10, 1), 10, (date(2026, 7, 1), date(2026, 10, 1))),
    ],
)
def test_fiscal_relative_dates(
    literal: str, today: date, start_month: int, expected: tuple[date, date]
) -> None:
    assert is_relative(literal)
    assert resolve(literal, today, start_month) == expected


def test_not_relative() -> None:
    assert not is_relative("this_fiscal_week")
    assert not is_relative("2026-01-01")
    assert not is_relative("last_n_days:abc")
    assert not is_relative(5)


def test_cursor_round_trip_and_tampering() -> None:
    values = [datetime(2026, 1, 1, 8, 30), date(2026, 1, 1), Decimal("12.50"), None, "abc", 3]
    signature = cursors.sort_signature([("created_at", "desc"), ("id", "desc")])
    token = cursors.encode(values, signature)
    assert cursors.decode(token, signature, len(values)) == values
    with pytest.raises(ValidationFailed):
        cursors.decode(token, cursors.sort_signature([("name", "asc")]), len(values))
    with pytest.raises(ValidationFailed):
        cursors.decode("!!!", signature, 1)


def test_language_negotiation() -> None:
    assert negotiate(None) == "en"
    assert negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh-CN"
    assert negotiate("en-US,en;q=0.9,zh;q=0.8") == "en"
    assert negotiate("fr-FR, zh-Hans;q=0.5") == "zh-CN"
    assert negotiate("fr") == "en"
    assert message("too_long", "zh-CN", max=5) == "长度不能超过 5 个字符。"
    assert message("nonexistent", "en") == "nonexistent"


def test_every_message_in_both_languages() -> None:
    for code, texts in MESSAGES.items():
        assert set(texts) == {"en", "zh-CN"}, code
