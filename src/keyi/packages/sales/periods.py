"""Target periods: which days a month, quarter or year covers, and how much of it has passed.

Quarters and years are fiscal: they start on the tenant's fiscal year start month (setting
``fiscal_year_start_month``, see keyi.platform.query.dates), so with April as the start a
quarter target starts on 1 April, 1 July, 1 October or 1 January and a year target on 1 April.
A target stores the first day of its period, so a period is (type, first day); the checks here
keep that day a real first day, the one the attainment service compares records against.

Pure functions of dates: the hook, the attainment service and the tests share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from keyi.platform.query.dates import fiscal_period_start

PeriodType = Literal["month", "quarter", "year"]
PERIOD_TYPES: tuple[PeriodType, ...] = ("month", "quarter", "year")
MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}
HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal("0.01")


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(day: date, period_type: str, fiscal_start: int) -> date:
    """The first day of the period of ``period_type`` that contains ``day``."""
    start_month = fiscal_start if period_type != "month" else 1
    return fiscal_period_start(day, MONTHS[period_type], start_month)


def is_period_start(day: date, period_type: str, fiscal_start: int) -> bool:
    """Whether ``day`` is the first day of a period of ``period_type`` (fiscal quarters and
    years start on the fiscal start month)."""
    return period_containing(day, period_type, fiscal_start) == day


@dataclass(frozen=True)
class Period:
    """A half-open range of days [start, end) of one target period."""

    type: str
    start: date
    end: date

    @classmethod
    def of(cls, period_type: str, start: date) -> Period:
        return cls(period_type, start, add_months(start, MONTHS[period_type]))

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def elapsed_days(self, today: date) -> int:
        """Days of the period up to and including ``today`` (0 before it starts, all of them
        once it is over): today counts, as the day's work is part of what is projected."""
        return max(0, min((today - self.start).days + 1, self.days))

    def elapsed_percent(self, today: date) -> Decimal:
        return (Decimal(self.elapsed_days(today)) * HUNDRED / self.days).quantize(
            PERCENT_PLACES, ROUND_HALF_UP
        )

    def label(self, fiscal_start: int) -> str:
        """A language-neutral name: 2026-04, 2026-Q2, 2026; fiscal ones FY2026-Q1, FY2026
        (a fiscal year is named by the calendar year it starts in, as the date filters do)."""
        if self.type == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        prefix = "FY" if fiscal_start != 1 else ""
        fiscal_year = period_containing(self.start, "year", fiscal_start)
        if self.type == "year":
            return f"{prefix}{fiscal_year.year}"
        months_in = (self.start.year - fiscal_year.year) * 12 + self.start.month - fiscal_year.month
        quarter = months_in // 3 + 1
        return f"{prefix}{fiscal_year.year}-Q{quarter}"


def start_problem(
    day: date, period_type: str, fiscal_start: int
) -> tuple[str, dict[str, str]] | None:
    """Why ``day`` cannot start a period of ``period_type``, as an error code and its params:
    not the period's first day (``invalid_period_start``, naming the day that is), or a period
    past the calendar's ends (``period_out_of_range``: one that would start before year 1 or
    end after 9999); None when it can."""
    try:
        expected = period_containing(day, period_type, fiscal_start)
        Period.of(period_type, day)
    except ValueError:
        return "period_out_of_range", {}
    if expected != day:
        return "invalid_period_start", {"expected": expected.isoformat()}
    return None


def projection(actual: Decimal, period: Period, today: date) -> Decimal | None:
    """What ``actual`` comes to by the period's end at the pace so far: actual ÷ the share of
    the period's days elapsed. None before the period starts (nothing to extrapolate from)."""
    elapsed = period.elapsed_days(today)
    if elapsed == 0:
        return None
    return actual * period.days / elapsed


def on_track(actual: Decimal, target: Decimal | None, period: Period, today: date) -> bool | None:
    """Whether the projection reaches the target, compared exactly (actual × days ≥ target ×
    elapsed, no rounded quotient in between); None without a target or before the start."""
    elapsed = period.elapsed_days(today)
    if target is None or elapsed == 0:
        return None
    return actual * period.days >= target * elapsed
