"""Spreadsheet text → typed values: the forms people type dates, amounts and yes/no in.

Pure functions (no database), so every accepted form is a unit test. What comes out is what
the records service accepts (ISO dates, decimal strings, booleans); anything else raises
:class:`Unparsable` with the code the row error reports.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation

__all__ = [
    "Unparsable",
    "excel_serial_date",
    "normalise",
    "parse_amount",
    "parse_bool",
    "parse_date",
    "parse_datetime",
]


class Unparsable(ValueError):
    """A cell that is not a value of the field's type; ``code`` names the problem."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def normalise(text: str) -> str:
    """Half-width, case-folded, without spaces, underscores and required-markers: what two
    spellings of one header or label have in common ("客户 名称*" = "客户名称", "Account_Name"
    = "account name", full-width "ＡＢＣ" = "abc")."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_*:：\-]+", "", folded)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (with Lotus's phantom 29 February)


def excel_serial_date(serial: float) -> datetime:
    """An Excel date serial number (days since 1899-12-30, fraction = time of day)."""
    if not 1 <= serial < 2958466:  # 9999-12-31
        raise Unparsable("invalid_date")
    whole = int(serial)
    seconds = round((serial - whole) * 86400)
    return datetime.combine(EXCEL_EPOCH + timedelta(days=whole), datetime.min.time()) + timedelta(
        seconds=seconds
    )


def _split_date_time(text: str) -> tuple[str, str | None]:
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if "T" in cleaned and cleaned[:4].isdigit():
        day, _, clock = cleaned.partition("T")
        return day, clock.rstrip("Z") or None
    parts = cleaned.split()
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) == 1:
        return parts[0], None
    raise Unparsable("invalid_date")


def parse_date(text: str) -> date:
    """2026-12-07, 2026-12-7, 2026/12/7, 2026.12.07, 2026年12月7日, 20261207 (a time after the
    date is ignored)."""
    day, _ = _split_date_time(text)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(day)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                break
    raise Unparsable("invalid_date")


def parse_datetime(text: str, zone: tzinfo) -> datetime:
    """A date as :func:`parse_date` reads it with an optional time (HH:MM[:SS]), in the
    tenant's time zone unless it says Z or an offset; naive UTC out, as stored."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    try:
        moment = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        day_text, clock = _split_date_time(cleaned)
        day = parse_date(day_text)
        hour = minute = second = 0
        if clock:
            match = _TIME.match(clock)
            if not match:
                raise Unparsable("invalid_datetime") from None
            hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        try:
            moment = datetime(day.year, day.month, day.day, hour, minute, second)
        except ValueError:
            raise Unparsable("invalid_datetime") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC).replace(tzinfo=None)


_MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000)}
_CURRENCY_MARKS = ("人民币", "RMB", "CNY", "¥", "元", "圆")


def parse_amount(text: str, *, percent: bool = False) -> Decimal:
    """¥1,234.50, ￥1234, 1234元, 12.5万 (×10,000), 3亿 (×100,000,000), full-width digits,
    (1,000) for -1000; with ``percent`` a trailing % is allowed (15% → 15)."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    if cleaned.startswith(("-", "−")):
        negative, cleaned = not negative, cleaned[1:]
    for mark in _CURRENCY_MARKS:
        cleaned = cleaned.replace(mark, "")
    if percent and cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    factor = Decimal(1)
    while cleaned and cleaned[-1] in _MULTIPLIERS:
        factor *= _MULTIPLIERS[cleaned[-1]]
        cleaned = cleaned[:-1]
    if not re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?|\.\d+", cleaned):
        raise Unparsable("invalid_number")
    try:
        value = Decimal(cleaned.replace(",", "")) * factor
    except InvalidOperation:
        raise Unparsable("invalid_number") from None
    value = -value if negative else value
    # 12.5万 is 125000, not 125000.0: no more places than the number needs.
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


_TRUE = frozenset({"是", "true", "t", "yes", "y", "1", "真", "对", "√", "✓", "on"})
_FALSE = frozenset({"否", "false", "f", "no", "n", "0", "假", "错", "×", "✗", "off"})


def parse_bool(text: str) -> bool:
    """是/否, true/false, yes/no, Y/N, 1/0 (case and width ignored)."""
    key = unicodedata.normalize("NFKC", text).strip().casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise Unparsable("invalid_boolean")
