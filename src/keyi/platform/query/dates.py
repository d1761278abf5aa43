"""Relative date literals ('this_quarter', 'last_n_days:30') resolved to half-open ranges."""

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


def is_relative(value: object) -> bool:
    return isinstance(value, str) and (value in NAMED or bool(RELATIVE_RE.match(value)))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def resolve(value: str, today: date) -> tuple[date, date]:
    """[start, end) of a relative literal, in the tenant's calendar; weeks start on Monday."""
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
