"""The business-hours engine: working time as intervals of real instants, per local day.

A calendar is a time zone, working intervals per ISO weekday (several a day, "HH:MM" local
wall-clock times, an end of "24:00" meaning midnight after), its own extra days off and extra
working days, and optionally China's public holidays and make-up working days. What a date
works is decided once, in this order: the calendar's own dates, then China's (when on and the
year is covered), then the weekday. A make-up or extra working day works the calendar's
*standard day* (Monday's hours, else the first weekday that has any): a Saturday worked in
place of a holiday keeps office hours, not Saturday's (usually none).

Each date's intervals are turned into POSIX seconds once and cached on the calendar, so DST is
handled by the time-zone database at that single point (a 02:00–03:00 that does not exist is
simply shorter) and all arithmetic after it is on plain numbers. Whole weeks without anything
left to place are skipped by their cached total, so a target of weeks costs a few look-ups.

Why seconds, not minutes: targets are decimal hours (1.25 h) and instants come with seconds; a
due time must not drift by rounding at each interval.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from keyi.platform.calendars import china

Interval = tuple[int, int]  # local minutes after midnight: [start, end)
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
# A calendar with no working time in this many consecutive weeks has none at all.
_EMPTY_WEEKS_LIMIT = 106
_DAY = timedelta(days=1)


class NoWorkingTime(ValueError):
    """The calendar never works (no hours on any weekday, or none for two years ahead)."""


def parse_hhmm(text: str) -> int:
    """'09:30' → 570 minutes; '24:00' → 1440 (an interval's end only). ValueError otherwise."""
    if not isinstance(text, str) or not _HHMM.match(text):
        raise ValueError(f"not a time HH:MM: {text!r}")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class BusinessCalendar:
    """One calendar's working time (immutable once built; its caches fill as it is used)."""

    __slots__ = (
        "_days",
        "_weeks",
        "china_holidays",
        "days_off",
        "extra_workdays",
        "hours",
        "standard_day",
        "tz",
        "uncovered_years",
    )

    def __init__(
        self,
        time_zone: str,
        hours: Mapping[int, Iterable[Interval]],
        *,
        days_off: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        china_holidays: bool = False,
    ) -> None:
        self.tz = ZoneInfo(time_zone)
        self.hours: dict[int, tuple[Interval, ...]] = {}
        for weekday in range(1, 8):
            merged: list[Interval] = []
            for start, end in sorted(hours.get(weekday, ())):
                if not 0 <= start < end <= 1440:
                    raise ValueError(f"bad interval {start}–{end} on weekday {weekday}")
                if merged and start <= merged[-1][1]:
                    # Overlapping or touching hours (09–12 and 11–18) are one interval.
                    merged[-1] = (merged[-1][0], max(merged[-1][1], end))
                else:
                    merged.append((start, end))
            self.hours[weekday] = tuple(merged)
        self.standard_day = self.hours[1] or next((h for h in self.hours.values() if h), ())
        self.days_off = frozenset(days_off)
        self.extra_workdays = frozenset(extra_workdays)
        self.china_holidays = china_holidays
        # Years a computation met that China's data does not cover (weekday rules were used).
        self.uncovered_years: set[int] = set()
        self._days: dict[date, tuple[tuple[float, float], ...]] = {}
        self._weeks: dict[date, float] = {}

    @property
    def has_hours(self) -> bool:
        return any(self.hours.values())

    # --- what a date works --------------------------------------------------------------

    def local_intervals(self, day: date) -> tuple[Interval, ...]:
        """The working intervals of a local date, after its own dates and China's."""
        if day in self.days_off:
            return ()
        if day in self.extra_workdays:
            return self.standard_day
        if self.china_holidays:
            kind = china.day_kind(day)
            if kind is None:
                self.uncovered_years.add(day.year)
            elif kind == "holiday":
                return ()
            elif kind == "workday":
                return self.standard_day
        return self.hours[day.isoweekday()]

    def _instants(self, day: date) -> tuple[tuple[float, float], ...]:
        found = self._days.get(day)
        if found is None:
            midnight = datetime.combine(day, time(), self.tz)
            found = tuple(
                (self._at(midnight, start), self._at(midnight, end))
                for start, end in self.local_intervals(day)
            )
            self._days[day] = found
        return found

    def _at(self, midnight: datetime, minutes: int) -> float:
        if minutes == 1440:
            return datetime.combine(midnight.date() + _DAY, time(), self.tz).timestamp()
        # Wall-clock arithmetic (same tzinfo), then the zone's offset at that wall time.
        return (midnight + timedelta(minutes=minutes)).timestamp()

    def _week_seconds(self, monday: date) -> float:
        found = self._weeks.get(monday)
        if found is None:
            found = sum(
                end - start
                for offset in range(7)
                for start, end in self._instants(monday + timedelta(days=offset))
            )
            self._weeks[monday] = found
        return found

    def _local_date(self, ts: float) -> date:
        return datetime.fromtimestamp(ts, self.tz).date()

    def _out(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, self.tz)

    # --- the three operations -----------------------------------------------------------

    def add(self, start: datetime, minutes: float) -> datetime:
        """The instant `minutes` business minutes after `start` (in the calendar's zone).

        Time is placed inside working intervals only; a result that fills an interval exactly
        is that interval's end (Friday 17:00 + 1 h is Friday 18:00, not Monday 09:00), and
        zero minutes from outside working hours is the next working instant.
        """
        return self._out(self._add(_ts(start), round(minutes * 60, 6)))

    def _add(self, t: float, remaining: float) -> float:
        if remaining < 0:
            raise ValueError("cannot add negative business time")
        day = self._local_date(t)
        empty_weeks = 0
        first = True
        while True:
            if not first and day.isoweekday() == 1:
                week = self._week_seconds(day)
                if remaining > week:
                    remaining -= week
                    day += timedelta(days=7)
                    empty_weeks = empty_weeks + 1 if week == 0 else 0
                    if empty_weeks > _EMPTY_WEEKS_LIMIT:
                        raise NoWorkingTime("the calendar has no working time")
                    continue
            for start, end in self._instants(day):
                if end <= t:
                    continue
                begin = max(start, t)
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
            first = False
            day += _DAY
            if not self.has_hours:
                raise NoWorkingTime("the calendar has no working time")

    def next_working(self, at: datetime) -> datetime:
        """`at` itself when inside working hours, else the start of the next interval."""
        return self.add(at, 0)

    def between(self, start: datetime, end: datetime) -> float:
        """Business minutes from `start` to `end` (negative when `end` is earlier)."""
        a, b = _ts(start), _ts(end)
        if b < a:
            return -self._between(b, a) / 60
        return self._between(a, b) / 60

    def _between(self, a: float, b: float) -> float:
        total = 0.0
        day = self._local_date(a)
        last = self._local_date(b)
        first = True
        while day <= last:
            if not first and day.isoweekday() == 1 and day + timedelta(days=6) < last:
                total += self._week_seconds(day)
                day += timedelta(days=7)
                continue
            for start, end in self._instants(day):
                lo, hi = max(start, a), min(end, b)
                if hi > lo:
                    total += hi - lo
            first = False
            day += _DAY
        return total

    def minutes_on(self, day: date) -> float:
        """A local date's working minutes (for the preview's explanation and tests)."""
        return sum(end - start for start, end in self._instants(day)) / 60


def _ts(at: datetime) -> float:
    if at.tzinfo is None:
        raise ValueError("an instant needs its time zone offset")
    return at.timestamp()


def utc(at: datetime) -> datetime:
    """The instant in UTC (what the database stores)."""
    return at.astimezone(UTC)
