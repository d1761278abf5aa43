"""Relative date literals ('this_quarter', 'last_n_days:30') resolved to half-open ranges.

Fiscal literals ('this_fiscal_quarter', 'last_fiscal_year', ...) follow the tenant's fiscal year
start month (setting ``fiscal_year_start_month``, 1 = the calendar year). A fiscal year is named
by the calendar year it starts in: with April as the start, FY2026 runs 2026-04-01 to 2027-03-31.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

RELATIVE_RE = re.compile(r"^(last|next)_n_(days|weeks|months)\s*:\s*(\d{1,4})$")
NAMED = frozenset(
    {
        "today",
        "yesterday",
        "tomorrow",
        "this_week",
        "last_week",
        "next_week",
        "this_month",
        "last_month",
        "next_month",
        "this_quarter",
        "last_quarter",
        "next_quarter",
        "this_year",
        "last_year",
        "next_year",
    }
)
FISCAL = frozenset(
    f"{when}_fiscal_{unit}" for when in ("this", "last", "next") for unit in ("quarter", "year")
)


def is_relative(value: object) -> bool:
    return isinstance(value, str) and (
        value in NAMED or value in FISCAL or bool(RELATIVE_RE.match(value))
    )


def fiscal_start_month(settings: dict[str, object]) -> int:
    """The tenant's fiscal year start month, 1–12 (a bad stored value counts as January)."""
    value = settings.get("fiscal_year_start_month", 1)
    return value if isinstance(value, int) and 1 <= value <= 12 else 1


def fiscal_period_start(day: date, months: int, start_month: int) -> date:
    """First day of the fiscal period of ``months`` (3: quarter, 12: year) containing ``day``.

    Periods start on months congruent to the fiscal start month, so the offset of ``day``'s
    month from the nearest such month below it is taken off."""
    index = day.year * 12 + day.month - 1
    index -= (index - (start_month - 1)) % months
    return date(index // 12, index % 12 + 1, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def resolve(value: str, today: date, fiscal_start: int = 1) -> tuple[date, date]:
    """[start, end) of a relative literal, in the tenant's calendar; weeks start on Monday."""
    if value in FISCAL:
        when, _, unit = value.split("_")
        months = 3 if unit == "quarter" else 12
        start = fiscal_period_start(today, months, fiscal_start)
        shift = {"this": 0, "last": -months, "next": months}[when]
        return _add_months(start, shift), _add_months(start, shift + months)
    match = RELATIVE_RE.match(value)
    if match:
        direction, unit, count_text = match.groups()
        count = int(count_text)
        if unit == "days":
            span = timedelta(days=count)
        elif unit == "weeks":
            span = timedelta(weeks=count)
        else:
            if direction == "last":
                return _months_back(today, count), today + timedelta(days=1)
            return today, _months_forward(today, count)
        if direction == "last":
            # "last 30 days" includes today, as every CRM's date filter does.
            return today - span + timedelta(days=1), today + timedelta(days=1)
        return today, today + span
    week = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    quarter = _quarter_start(today)
    year = date(today.year, 1, 1)
    table = {
        "today": (today, today + timedelta(days=1)),
        "yesterday": (today - timedelta(days=1), today),
        "tomorrow": (today + timedelta(days=1), today + timedelta(days=2)),
        "this_week": (week, week + timedelta(days=7)),
        "last_week": (week - timedelta(days=7), week),
        "next_week": (week + timedelta(days=7), week + timedelta(days=14)),
        "this_month": (month, _add_months(month, 1)),
        "last_month": (_add_months(month, -1), month),
        "next_month": (_add_months(month, 1), _add_months(month, 2)),
        "this_quarter": (quarter, _add_months(quarter, 3)),
        "last_quarter": (_add_months(quarter, -3), quarter),
        "next_quarter": (_add_months(quarter, 3), _add_months(quarter, 6)),
        "this_year": (year, date(today.year + 1, 1, 1)),
        "last_year": (date(today.year - 1, 1, 1), year),
        "next_year": (date(today.year + 1, 1, 1), date(today.year + 2, 1, 1)),
    }
    return table[value]


def _months_back(today: date, count: int) -> date:
    index = today.year * 12 + today.month - 1 - count
    year, month = index // 12, index % 12 + 1
    day = min(today.day, _days_in_month(year, month))
    return date(year, month, day) + timedelta(days=1)


def _months_forward(today: date, count: int) -> date:
    index = today.year * 12 + today.month - 1 + count
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(today.day, _days_in_month(year, month)))


def _days_in_month(year: int, month: int) -> int:
    start = date(year, month, 1)
    return (_add_months(start, 1) - start).days
