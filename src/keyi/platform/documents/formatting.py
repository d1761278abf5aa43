"""Figures as a printed business document shows them, straight from Decimal (never float).

``1234567.5`` in CNY prints ``¥1,234,567.50``: thousand separators, two decimals (amounts are
kept to the fen/cent), the currency's sign. Quantities and percentages drop trailing zeros
(``2``, ``1.5``, ``13%``), because a quote line reading ``2.000`` pieces looks like a typo.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

__all__ = ["CURRENCY_SIGNS", "as_decimal", "format_date", "format_money", "format_number"]

CURRENCY_SIGNS = {
    "CNY": "¥",
    "USD": "US$",
    "EUR": "€",
    "HKD": "HK$",
    "JPY": "JP¥",
    "GBP": "£",
}
_CENT = Decimal("0.01")


def as_decimal(value: Any) -> Decimal | None:
    """A stored figure (Decimal, int or decimal string) as Decimal; None when empty. Floats are
    refused: they would carry binary rounding into a printed amount."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise TypeError("money is never a float")
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def format_money(value: Any, currency: str | None = None) -> str:
    """``¥1,234.50``; an unknown currency code is printed before the figure (``CHF 1,234.50``);
    an empty value prints as an empty string."""
    amount = as_decimal(value)
    if amount is None:
        return ""
    amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    figure = f"{abs(amount):,.2f}"
    symbol = CURRENCY_SIGNS.get(currency or "", f"{currency} " if currency else "")
    return f"{sign}{symbol}{figure}"


def format_number(value: Any, suffix: str = "") -> str:
    """A quantity or a percentage without trailing zeros: ``2``, ``1.5``, ``12,000``."""
    number = as_decimal(value)
    if number is None:
        return ""
    text = f"{number.normalize():,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + suffix


def format_date(value: Any) -> str:
    """ISO dates (2026-12-01): unambiguous in both languages and what Chinese forms use."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10] if value else ""
