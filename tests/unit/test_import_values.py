"""The forms of dates, amounts and yes/no the importer reads (keyi.imports.values)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from keyi.imports.values import (
    Unparsable,
    excel_serial_date,
    normalise,
    parse_amount,
    parse_bool,
    parse_date,
    parse_datetime,
)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-07",
        "2026-12-7",
        "2026/12/7",
        "2026/12/07",
        "2026.12.07",
        "2026年12月7日",
        "2026年12月07日",
        "2026年12月7",
        "20261207",
        "２０２６－１２－０７",
        "2026-12-07 10:30:00",
        "2026-12-07T10:30:00Z",
        " 2026/12/7 ",
    ],
)
def test_dates_in_chinese_and_iso_forms(text: str) -> None:
    assert parse_date(text) == date(2026, 12, 7)


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "07/12/2026", "明天", "", "2026"])
def test_what_is_not_a_date(text: str) -> None:
    with pytest.raises(Unparsable) as caught:
        parse_date(text)
    assert caught.value.code == "invalid_date"


def test_datetimes_are_read_in_the_tenant_zone_and_stored_in_utc() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    assert parse_datetime("2026年12月7日 08:30", shanghai) == datetime(2026, 12, 7, 0, 30)
    assert parse_datetime("2026/12/7", shanghai) == datetime(2026, 12, 6, 16, 0)
    assert parse_datetime("2026-12-07T08:30:00Z", shanghai) == datetime(2026, 12, 7, 8, 30)
    with pytest.raises(Unparsable):
        parse_datetime("2026-12-07 25:99", shanghai)


def test_excel_serial_numbers() -> None:
    assert excel_serial_date(46363).date() == date(2026, 12, 7)
    assert excel_serial_date(46363.5) == datetime(2026, 12, 7, 12, 0)
    with pytest.raises(Unparsable):
        excel_serial_date(0)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234", "1234"),
        ("1,234.50", "1234.5"),
        ("¥1,234.50", "1234.5"),
        ("￥1234", "1234"),
        ("1234元", "1234"),
        ("12.5万", "125000"),
        ("1.5万元", "15000"),
        ("3亿", "300000000"),
        ("¥ 2万", "20000"),
        ("１２３４", "1234"),
        ("１，２３４．５", "1234.5"),
        ("-5", "-5"),
        ("(1,000)", "-1000"),
        (".5", "0.5"),
        ("RMB 100", "100"),
    ],
)
def test_amounts(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("text", ["abc", "1,23", "12,34,567", "1.2.3", "", "万", "¥"])
def test_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(Unparsable) as caught:
        parse_amount(text)
    assert caught.value.code == "invalid_number"


def test_percent_sign_only_where_a_percent_is_meant() -> None:
    assert parse_amount("15%", percent=True) == Decimal(15)
    with pytest.raises(Unparsable):
        parse_amount("15%")


@pytest.mark.parametrize("text", ["是", "true", "TRUE", "1", "Y", "y", "yes", "√", "ｙ"])
def test_yes(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["否", "false", "False", "0", "N", "no", "×"])
def test_no(text: str) -> None:
    assert parse_bool(text) is False


def test_neither_yes_nor_no() -> None:
    with pytest.raises(Unparsable) as caught:
        parse_bool("也许")
    assert caught.value.code == "invalid_boolean"


def test_header_spellings_meet() -> None:
    assert normalise("客户 名称*") == normalise("客户名称")
    assert normalise("Account_Name") == normalise("account name")
    assert normalise("ＡＣＣＯＵＮＴ　ＮＡＭＥ") == normalise("Account name")
