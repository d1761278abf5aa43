"""The business-hours engine (keyi.platform.calendars): due times across nights, weekends,
China's public holidays and make-up working days (调休), own dates, lunch breaks, intervals
ending at 24:00 and DST, table by table. Each row was worked out by hand from the 2026 notice
(Spring Festival: 15–23 Feb off, Saturdays 14 and 28 Feb worked; Mid-Autumn 25–27 Sep off;
National Day 1–7 Oct off, Sunday 20 Sep and Saturday 10 Oct worked)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from keyi.platform.calendars import BusinessCalendar, NoWorkingTime, china, parse_hhmm

CN = timezone(timedelta(hours=8))
OFFICE = {d: [(540, 1080)] for d in range(1, 6)}  # Mon–Fri 09:00–18:00


def china_standard(**kw: object) -> BusinessCalendar:
    return BusinessCalendar("Asia/Shanghai", OFFICE, china_holidays=True, **kw)  # type: ignore[arg-type]


def cn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CN)


ADD_ROWS = [
    # (why, start (+08:00), business minutes, expected due (+08:00))
    ("the issue's example: Friday 17:00 + 4 h", "2026-12-04 17:00", 240, "2026-12-07 12:00"),
    ("Friday 17:00 + 16 h over the weekend", "2026-12-04 17:00", 960, "2026-12-08 15:00"),
    ("inside hours", "2026-12-02 10:00", 60, "2026-12-02 11:00"),
    ("before hours", "2026-12-02 07:00", 60, "2026-12-02 10:00"),
    ("after hours", "2026-12-02 19:00", 60, "2026-12-03 10:00"),
    ("exactly at the start, a whole day", "2026-12-02 09:00", 540, "2026-12-02 18:00"),
    ("exactly at the end", "2026-12-02 18:00", 60, "2026-12-03 10:00"),
    ("one second before the end", "2026-12-02 17:59:59", 1, "2026-12-03 09:00:59"),
    (
        "fills the day exactly: its end, not the next morning",
        "2026-12-02 17:00",
        60,
        "2026-12-02 18:00",
    ),
    (
        "zero minutes on a Saturday: the next working instant",
        "2026-12-05 10:00",
        0,
        "2026-12-07 09:00",
    ),
    ("zero minutes inside hours: the start itself", "2026-12-02 10:00", 0, "2026-12-02 10:00"),
    ("Sunday night", "2026-12-06 23:30", 30, "2026-12-07 09:30"),
    ("decimal hours: 1.25 h", "2026-12-02 17:00", 75, "2026-12-03 09:15"),
    (
        "Spring Festival: into the make-up Saturday 14 Feb",
        "2026-02-13 17:00",
        120,
        "2026-02-14 10:00",
    ),
    (
        "Spring Festival: from the make-up Saturday over 15–23 Feb",
        "2026-02-14 17:00",
        120,
        "2026-02-24 10:00",
    ),
    ("Spring Festival: a start inside the holiday", "2026-02-17 10:00", 60, "2026-02-24 10:00"),
    (
        "Spring Festival: the second make-up Saturday 28 Feb",
        "2026-02-27 17:00",
        120,
        "2026-02-28 10:00",
    ),
    ("after the make-up Saturday: Sunday off", "2026-02-28 17:00", 120, "2026-03-02 10:00"),
    ("Spring Festival: 24 h from the eve", "2026-02-13 09:00", 1440, "2026-02-24 15:00"),
    ("make-up Sunday 20 Sep before Mid-Autumn", "2026-09-18 17:00", 120, "2026-09-20 10:00"),
    ("Mid-Autumn 25–27 Sep off", "2026-09-24 17:00", 120, "2026-09-28 10:00"),
    ("National Day 1–7 Oct off", "2026-09-30 17:00", 120, "2026-10-08 10:00"),
    ("National Day: the make-up Saturday 10 Oct", "2026-10-09 17:00", 120, "2026-10-10 10:00"),
    (
        "National Day: medium resolution 40 h across it",
        "2026-09-30 10:00",
        2400,
        "2026-10-12 14:00",
    ),
    ("Qingming: Monday 6 Apr off", "2026-04-03 17:00", 120, "2026-04-07 10:00"),
    ("Labour Day 1–5 May off, Saturday 9 May worked", "2026-04-30 17:00", 600, "2026-05-06 18:00"),
    ("low resolution 80 h", "2026-11-02 09:00", 4800, "2026-11-12 17:00"),
    ("a UTC start: the same instant", "2026-12-04 09:00+00:00", 240, "2026-12-07 12:00"),
]


@pytest.mark.parametrize(("why", "start", "minutes", "due"), ADD_ROWS, ids=[r[0] for r in ADD_ROWS])
def test_add_on_china_standard(why: str, start: str, minutes: float, due: str) -> None:
    at = datetime.fromisoformat(start)
    at = at if at.tzinfo else at.replace(tzinfo=CN)
    result = china_standard().add(at, minutes)
    assert result == cn(due), why
    assert result.utcoffset() == timedelta(hours=8)  # answered in the calendar's zone


BETWEEN_ROWS = [
    ("Friday 17:00 → Monday 12:00", "2026-12-04 17:00", "2026-12-07 12:00", 240),
    ("a weekend", "2026-12-05 10:00", "2026-12-06 10:00", 0),
    ("backwards is negative", "2026-12-07 12:00", "2026-12-04 17:00", -240),
    ("the same instant", "2026-12-02 10:00", "2026-12-02 10:00", 0),
    ("a night", "2026-12-02 18:00", "2026-12-03 09:00", 0),
    ("Spring Festival fortnight: 9+9+36+9 h", "2026-02-13 09:00", "2026-03-02 09:00", 3780),
    (
        "National Day week and its make-up days",
        "2026-09-18 09:00",
        "2026-10-12 09:00",
        # 18 Sep, Sun 20 Sep, 21–24 Sep, 28–30 Sep, 8–9 Oct, Sat 10 Oct: 12 days
        12 * 540,
    ),
    (
        "a whole year 2026",
        "2026-01-01 00:00",
        "2027-01-01 00:00",
        # counted day by day below as well
        None,
    ),
]


@pytest.mark.parametrize(
    ("why", "start", "end", "minutes"), BETWEEN_ROWS, ids=[r[0] for r in BETWEEN_ROWS]
)
def test_between_on_china_standard(why: str, start: str, end: str, minutes: float | None) -> None:
    calendar = china_standard()
    found = calendar.between(cn(start), cn(end))
    if minutes is None:  # the year: the same as counting its days one by one
        day, total = cn(start).date(), 0.0
        while day < cn(end).date():
            total += calendar.minutes_on(day)
            day += timedelta(days=1)
        assert found == total
        # The 2026 notice: 261 weekdays less 19 weekday holidays (1–2 Jan, 16–20 and 23 Feb,
        # 6 Apr, 1, 4 and 5 May, 19 Jun, 25 Sep, 1, 2 and 5–7 Oct) plus 6 make-up days.
        assert found == 248 * 540
    else:
        assert found == minutes, why


def test_add_and_between_agree() -> None:
    """add(start, n) then between(start, due) == n, for many starts and amounts."""
    calendar = china_standard()
    start = cn("2026-01-01 00:00")
    for step in range(0, 24 * 330, 7):
        at = start + timedelta(hours=step * 1.13)
        for minutes in (0, 1, 59, 60, 540, 2400, 4800):
            due = calendar.add(at, minutes)
            assert calendar.between(at, due) == pytest.approx(minutes), (at, minutes)


def test_next_working_instant() -> None:
    calendar = china_standard()
    assert calendar.next_working(cn("2026-12-02 10:00")) == cn("2026-12-02 10:00")
    assert calendar.next_working(cn("2026-12-02 18:00")) == cn("2026-12-03 09:00")
    assert calendar.next_working(cn("2026-12-05 12:00")) == cn("2026-12-07 09:00")
    assert calendar.next_working(cn("2026-10-01 09:00")) == cn("2026-10-08 09:00")
    assert calendar.next_working(cn("2026-02-13 20:00")) == cn("2026-02-14 09:00")


def test_own_dates_win_over_china_and_weekdays() -> None:
    # An extra day off on a Wednesday; an extra working Saturday.
    calendar = china_standard(days_off=[date(2026, 12, 2)], extra_workdays=[date(2026, 12, 5)])
    assert calendar.add(cn("2026-12-01 17:00"), 120) == cn("2026-12-03 10:00")
    assert calendar.add(cn("2026-12-04 17:00"), 120) == cn("2026-12-05 10:00")
    # The company does not work the make-up Saturday, but does work Monday 16 Feb.
    calendar = china_standard(days_off=[date(2026, 2, 14)], extra_workdays=[date(2026, 2, 16)])
    assert calendar.add(cn("2026-02-13 17:00"), 120) == cn("2026-02-16 10:00")
    assert calendar.add(cn("2026-02-16 17:00"), 120) == cn("2026-02-24 10:00")


def test_china_off_uses_weekdays_only() -> None:
    calendar = BusinessCalendar("Asia/Shanghai", OFFICE)
    assert calendar.add(cn("2026-02-13 17:00"), 120) == cn("2026-02-16 10:00")
    assert calendar.add(cn("2026-09-30 17:00"), 120) == cn("2026-10-01 10:00")


def test_lunch_break_intervals() -> None:
    hours = {d: [(540, 720), (810, 1080)] for d in range(1, 6)}  # 09–12, 13:30–18
    calendar = BusinessCalendar("Asia/Shanghai", hours)
    assert calendar.add(cn("2026-12-07 11:00"), 120) == cn("2026-12-07 14:30")
    assert calendar.add(cn("2026-12-07 12:30"), 30) == cn("2026-12-07 14:00")
    assert calendar.add(cn("2026-12-07 09:00"), 180) == cn("2026-12-07 12:00")
    assert calendar.between(cn("2026-12-07 08:00"), cn("2026-12-07 20:00")) == 450
    # A make-up working day works the standard day (Monday's) hours, lunch included.
    calendar = BusinessCalendar("Asia/Shanghai", hours, china_holidays=True)
    assert calendar.minutes_on(date(2026, 2, 14)) == 450


def test_intervals_ending_at_midnight() -> None:
    nights = {1: [(1080, 1440)], 2: [(0, 120)]}  # Monday 18:00–24:00, Tuesday 00:00–02:00
    calendar = BusinessCalendar("Asia/Shanghai", nights)
    assert calendar.add(cn("2026-12-07 23:00"), 120) == cn("2026-12-08 01:00")
    assert calendar.add(cn("2026-12-07 18:00"), 360) == cn("2026-12-08 00:00")
    assert calendar.add(cn("2026-12-08 02:00"), 60) == cn("2026-12-14 19:00")
    always = BusinessCalendar("UTC", {d: [(0, 1440)] for d in range(1, 8)})
    start = datetime(2026, 1, 1, 23, 0, tzinfo=UTC)
    assert always.add(start, 120) == datetime(2026, 1, 2, 1, 0, tzinfo=UTC)
    assert always.add(start, 60 * 24 * 365) == datetime(2027, 1, 1, 23, 0, tzinfo=UTC)


def test_dst_time_zones() -> None:
    ny = ZoneInfo("America/New_York")
    office = BusinessCalendar("America/New_York", OFFICE)
    # Friday before the spring change (8 March 2026) to Monday after it: 09:00 local still.
    due = office.add(datetime(2026, 3, 6, 17, 0, tzinfo=ny), 120)
    assert due == datetime(2026, 3, 9, 10, 0, tzinfo=ny)
    assert due.utcoffset() == timedelta(hours=-4)
    always = BusinessCalendar("America/New_York", {d: [(0, 1440)] for d in range(1, 8)})
    # The spring day has 23 hours; the autumn one (1 Nov 2026) 25.
    assert (
        always.between(datetime(2026, 3, 8, tzinfo=ny), datetime(2026, 3, 9, tzinfo=ny)) == 23 * 60
    )
    assert (
        always.between(datetime(2026, 11, 1, tzinfo=ny), datetime(2026, 11, 2, tzinfo=ny))
        == 25 * 60
    )
    assert always.add(datetime(2026, 3, 8, 1, 0, tzinfo=ny), 60) == datetime(
        2026, 3, 8, 3, 0, tzinfo=ny
    )
    berlin = ZoneInfo("Europe/Berlin")
    shift = BusinessCalendar("Europe/Berlin", {7: [(0, 600)]})  # Sunday 00:00–10:00
    # 25 Oct 2026: 00:00–10:00 local is 11 real hours.
    assert (
        shift.between(datetime(2026, 10, 25, tzinfo=berlin), datetime(2026, 10, 26, tzinfo=berlin))
        == 11 * 60
    )


def test_whole_weeks_are_skipped_correctly() -> None:
    calendar = BusinessCalendar("Asia/Shanghai", OFFICE)
    start = cn("2025-03-03 09:00")  # a Monday
    assert calendar.add(start, 450 * 60) == cn("2025-05-09 18:00")  # ten weeks exactly
    assert calendar.add(start, 450 * 60 + 1) == cn("2025-05-12 09:01")
    assert calendar.between(start, cn("2025-05-09 18:00")) == 450 * 60


def test_uncovered_year_falls_back_to_weekdays_and_says_so() -> None:
    first, last = china.covered_years()
    assert first <= 2026 <= last
    calendar = china_standard()
    year = last + 1
    friday = next(date(year, 1, d) for d in range(1, 8) if date(year, 1, d).isoweekday() == 5)
    start = datetime.combine(friday, datetime.min.time()).replace(hour=17, tzinfo=CN)
    due = calendar.add(start, 120)
    assert due == start + timedelta(days=3, hours=-7)  # Monday 10:00: weekday rules
    assert calendar.uncovered_years == {year}
    covered = china_standard()
    covered.add(cn("2026-12-04 17:00"), 240)
    assert covered.uncovered_years == set()


@pytest.mark.parametrize(
    ("text", "minutes"), [("00:00", 0), ("09:30", 570), ("23:59", 1439), ("24:00", 1440)]
)
def test_parse_hhmm(text: str, minutes: int) -> None:
    assert parse_hhmm(text) == minutes


@pytest.mark.parametrize("text", ["9:00", "24:01", "25:00", "12:60", "ab:cd", "", "09:00:00"])
def test_parse_hhmm_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hhmm(text)


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ValueError):
        BusinessCalendar("Asia/Shanghai", {1: [(600, 540)]})
    # Overlapping or touching hours merge into one interval.
    merged = BusinessCalendar("Asia/Shanghai", {1: [(540, 720), (700, 800), (800, 900)]})
    assert merged.hours[1] == ((540, 900),)
    with pytest.raises(ValueError):
        BusinessCalendar("Asia/Shanghai", {1: [(0, 1441)]})
    never = BusinessCalendar("Asia/Shanghai", {})
    with pytest.raises(NoWorkingTime):
        never.add(cn("2026-12-04 17:00"), 60)
    with pytest.raises(ValueError):
        china_standard().add(datetime(2026, 12, 4, 17, 0), 60)  # no offset


def test_threads_share_a_calendar() -> None:
    """The server computes due times in a thread pool over one cached calendar: timelines
    grown by several threads at once give every thread the serial answers."""
    from concurrent.futures import ThreadPoolExecutor

    starts = [cn("2010-01-04 10:00") + timedelta(days=97 * i, hours=i) for i in range(60)]
    expected = [china_standard().add(s, 4800) for s in starts]
    shared = china_standard()
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda s: shared.add(s, 4800), starts))
    assert found == expected


def test_bulk_additions_give_the_table_rows() -> None:
    """``add_seconds_many`` (the policy recomputation's path: several additions from one
    position on the timeline) gives every row of the table, and the same as ``add`` for
    amounts over a week of nights, weekends and holidays from each row's start."""
    calendar = china_standard()
    for why, start, minutes, due in ADD_ROWS:
        at = datetime.fromisoformat(start)
        begin = (at if at.tzinfo else at.replace(tzinfo=CN)).timestamp()
        amounts = (round(minutes * 60, 6), 0.0, 61.5 * 60, 45 * 60 * 60, 600 * 60)
        found = calendar.add_seconds_many(begin, amounts)
        assert datetime.fromtimestamp(found[0], CN) == cn(due), why
        for amount, value in zip(amounts, found, strict=True):
            assert value == calendar.add_seconds(begin, amount), (why, amount)
    with pytest.raises(ValueError):
        calendar.add_seconds_many(cn("2026-12-02 10:00").timestamp(), (60.0, -1.0))
