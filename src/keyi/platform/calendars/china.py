"""China's public holidays and make-up working days (调休), from the maintained PyPI library
`chinesecalendar` (import name ``chinese_calendar``), which the State Council's yearly notice
updates. Its data covers a fixed range of years; outside it the library raises, and this module
answers None so the engine falls back to the weekday rules *and says so* (``covered``) instead
of guessing where the next notice will put Spring Festival.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from chinese_calendar import constants


@cache
def covered_years() -> tuple[int, int]:
    """The first and last year the installed library has data for (2004–2026 in 1.11.0)."""
    years = [d.year for d in constants.holidays]
    return min(years), max(years)


def covered(year: int) -> bool:
    first, last = covered_years()
    return first <= year <= last


def day_kind(day: date) -> str | None:
    """'holiday' for a public holiday (a day off even on a weekday), 'workday' for a make-up
    working day (a weekend day worked, 调休), '' for an ordinary day, None outside the data."""
    if not covered(day.year):
        return None
    if day in constants.holidays:
        return "holiday"
    if day in constants.workdays:
        return "workday"
    return ""


def holiday_name(day: date) -> str | None:
    """The holiday's English name the library gives ('Spring Festival'), for display."""
    name = constants.holidays.get(day) or constants.workdays.get(day)
    return None if name is None else str(name)
