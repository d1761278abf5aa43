"""The business-hours engine: working time as intervals of real instants, per local day.

A calendar is a time zone, working intervals per ISO weekday (several a day, "HH:MM" local
wall-clock times, an end of "24:00" meaning midnight after), its own extra days off and extra
working days, and optionally China's public holidays and make-up working days. What a date
works is decided once, in this order: the calendar's own dates, then China's (when on and the
year is covered), then the weekday. A make-up or extra working day works the calendar's
*standard day* (Monday's hours, else the first weekday that has any): a Saturday worked in
place of a holiday keeps office hours, not Saturday's (usually none).

Each local year's working intervals are turned into POSIX seconds once and kept on the
calendar with the running total of business seconds before each interval, so DST is handled
by the time-zone database at that single point (a 02:00–03:00 that does not exist is simply
shorter) and an addition is two binary searches on plain numbers, however many nights,
weekends and holidays it crosses. A calendar is immutable: callers cache it (sla.py does, per
content) so the timeline is built once per process.

Why seconds, not minutes: targets are decimal hours (1.25 h) and instants come with seconds; a
due time must not drift by rounding at each interval.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from keyi.platform.calendars import china

Interval = tuple[int, int]  # local minutes after midnight: [start, end)
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
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
        "_timeline",
        "china_holidays",
        "days_off",
        "extra_workdays",
        "has_hours",
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
        self.has_hours = any(self.hours.values())
        self.standard_day = self.hours[1] or next((h for h in self.hours.values() if h), ())
        self.days_off = frozenset(days_off)
        self.extra_workdays = frozenset(extra_workdays)
        self.china_holidays = china_holidays
        # Years a computation met that China's data does not cover (weekday rules were used).
        self.uncovered_years: set[int] = set()
        self._timeline: _Timeline | None = None

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
        midnight = datetime.combine(day, time(), self.tz)
        return tuple(
            (self._at(midnight, start), self._at(midnight, end))
            for start, end in self.local_intervals(day)
        )

    def _at(self, midnight: datetime, minutes: int) -> float:
        if minutes == 1440:
            return datetime.combine(midnight.date() + _DAY, time(), self.tz).timestamp()
        # Wall-clock arithmetic (same tzinfo), then the zone's offset at that wall time.
        return (midnight + timedelta(minutes=minutes)).timestamp()

    # --- the timeline: every working interval of the loaded years, with running totals ----

    def _load(self, year: int, base: _Timeline | None) -> _Timeline:
        """A timeline covering local ``year`` and everything ``base`` covers (and the years
        between): intervals as POSIX seconds and the business seconds before each. Built
        whole and then swapped in, so a thread reading the previous one is never confused."""
        first, last = (
            (year, year) if base is None else (min(year, base.first), max(year, base.last))
        )
        starts: list[float] = []
        ends: list[float] = []
        day, stop = date(first, 1, 1), date(last + 1, 1, 1)
        while day < stop:
            for start, end in self._instants(day):
                starts.append(start)
                ends.append(end)
            day += _DAY
        before, after, running = [], [], 0.0
        for start, end in zip(starts, ends, strict=True):
            before.append(running)
            running += end - start
            after.append(running)
        found = _Timeline(
            first,
            last,
            datetime.combine(date(first, 1, 1), time(), self.tz).timestamp(),
            datetime.combine(stop, time(), self.tz).timestamp(),
            starts,
            ends,
            before,
            after,
        )
        self._timeline = found
        return found

    def _covering(self, *instants: float) -> _Timeline:
        found = self._timeline
        for ts in instants:
            if found is None or not found.lo <= ts < found.hi:
                found = self._load(datetime.fromtimestamp(ts, self.tz).year, found)
        assert found is not None
        return found

    def _grow(self, timeline: _Timeline) -> _Timeline:
        """One more year at the end; a calendar that works nowhere in it (nor in the next
        one) is refused rather than searched forever."""
        grown = self._load(timeline.last + 1, timeline)
        if grown.total == timeline.total:
            grown = self._load(grown.last + 1, grown)
            if grown.total == timeline.total:
                raise NoWorkingTime("the calendar has no working time")
        return grown

    # --- the three operations -----------------------------------------------------------

    def add(self, start: datetime, minutes: float) -> datetime:
        """The instant `minutes` business minutes after `start` (in the calendar's zone).

        Time is placed inside working intervals only; a result that fills an interval exactly
        is that interval's end (Friday 17:00 + 1 h is Friday 18:00, not Monday 09:00), and
        zero minutes from outside working hours is the next working instant.
        """
        return datetime.fromtimestamp(self._add(_ts(start), round(minutes * 60, 6)), self.tz)

    def add_seconds(self, ts: float, seconds: float) -> float:
        """:meth:`add` on POSIX seconds: bulk callers (a policy's open cases) skip the
        datetime conversions."""
        return self._add(ts, seconds)

    def add_seconds_many(self, ts: float, seconds: tuple[float, ...]) -> tuple[float, ...]:
        """Several additions from one start, its position on the timeline found once: the
        bulk recomputation's first-response, resolution and warning instants of a case.
        Each result is exactly :meth:`add_seconds` of the same amount."""
        if not self.has_hours and not self.extra_workdays:
            raise NoWorkingTime("the calendar has no working time")
        if min(seconds, default=0) < 0:
            raise ValueError("cannot add negative business time")
        timeline = self._covering(ts)
        i, done = timeline.position(ts)
        while i == len(timeline.ends):
            timeline = self._grow(timeline)
            i, done = timeline.position(ts)
        goals = [done + s for s in seconds]
        while max(goals, default=0) > timeline.total:
            timeline = self._grow(timeline)
        after, starts, before = timeline.after, timeline.starts, timeline.before
        out = []
        for s, goal in zip(seconds, goals, strict=True):
            if s == 0:
                out.append(max(ts, starts[i]))
            else:
                j = bisect_left(after, goal, lo=i)
                out.append(starts[j] + (goal - before[j]))
        return tuple(out)

    def _add(self, t: float, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("cannot add negative business time")
        if not self.has_hours and not self.extra_workdays:
            raise NoWorkingTime("the calendar has no working time")
        timeline = self._covering(t)
        i, done = timeline.position(t)
        while i == len(timeline.ends):
            timeline = self._grow(timeline)
            i, done = timeline.position(t)
        if seconds == 0:
            return max(t, timeline.starts[i])
        goal = done + seconds
        while goal > timeline.total:
            timeline = self._grow(timeline)
        j = bisect_left(timeline.after, goal, lo=i)
        return timeline.starts[j] + (goal - timeline.before[j])

    def next_working(self, at: datetime) -> datetime:
        """`at` itself when inside working hours, else the start of the next interval."""
        return self.add(at, 0)

    def between(self, start: datetime, end: datetime) -> float:
        """Business minutes from `start` to `end` (negative when `end` is earlier)."""
        a, b = _ts(start), _ts(end)
        if b < a:
            return -self.between(end, start)
        timeline = self._covering(a, b)
        return (timeline.position(b)[1] - timeline.position(a)[1]) / 60

    def minutes_on(self, day: date) -> float:
        """A local date's working minutes (for the preview's explanation and tests)."""
        return sum(end - start for start, end in self._instants(day)) / 60


@dataclass(frozen=True, slots=True)
class _Timeline:
    """The working intervals of local years ``first``–``last`` (POSIX seconds), in order, with
    the business seconds before and at the end of each."""

    first: int
    last: int
    lo: float  # the first year's first instant
    hi: float  # the instant after the last year
    starts: list[float]
    ends: list[float]
    before: list[float]
    after: list[float]

    @property
    def total(self) -> float:
        return self.after[-1] if self.after else 0.0

    def position(self, ts: float) -> tuple[int, float]:
        """(index of the first interval ending after ts, business seconds before ts)."""
        i = bisect_right(self.ends, ts)
        if i == len(self.ends):
            return i, self.total
        return i, self.before[i] + max(0.0, ts - self.starts[i])


def _ts(at: datetime) -> float:
    if at.tzinfo is None:
        raise ValueError("an instant needs its time zone offset")
    return at.timestamp()


def utc(at: datetime) -> datetime:
    """The instant in UTC (what the database stores)."""
    return at.astimezone(UTC)
