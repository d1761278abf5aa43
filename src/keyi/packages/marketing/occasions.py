"""The days customer-care greetings are sent on: birthdays and the Chinese festivals.

Spring Festival (春节), the Lantern Festival (元宵节), the Dragon Boat Festival (端午节) and
Mid-Autumn (中秋节) fall on fixed days of the Chinese lunisolar calendar, so their Gregorian dates
move every year; they are converted with `lunardate` (tables for 1900–2099). New Year's Day and
National Day are fixed Gregorian dates. A birthday on 29 February is greeted on 28 February in
common years, so nobody is skipped three years in four.
"""

from __future__ import annotations

from datetime import date

from lunardate import LunarDate

# occasion → (lunar month, lunar day) for lunar festivals.
LUNAR = {
    "spring_festival": (1, 1),
    "lantern_festival": (1, 15),
    "dragon_boat": (5, 5),
    "mid_autumn": (8, 15),
}
# occasion → (month, day) for Gregorian ones.
SOLAR = {"new_year": (1, 1), "national_day": (10, 1)}
OCCASIONS = ("birthday", *SOLAR, *LUNAR)


def occasion_date(occasion: str, year: int) -> date:
    """The Gregorian date of a festival in `year` (birthdays have no single date)."""
    if occasion in SOLAR:
        month, day = SOLAR[occasion]
        return date(year, month, day)
    if occasion in LUNAR:
        month, day = LUNAR[occasion]
        return LunarDate(year, month, day).to_solar_date()
    raise ValueError(f"no fixed date for occasion {occasion!r}")


def birthday_matches(birthday: date, today: date) -> bool:
    """Whether `today` is the person's birthday this year (29 Feb → 28 Feb in common years)."""
    if (birthday.month, birthday.day) == (today.month, today.day):
        return True
    leap_day = (birthday.month, birthday.day) == (2, 29)
    return leap_day and (today.month, today.day) == (2, 28) and not _is_leap(today.year)


def birthday_keys(today: date) -> list[str]:
    """The ``MM-DD`` keys whose people have their birthday `today` (for a query on the month
    and day of a stored birthday)."""
    keys = [f"{today.month:02d}-{today.day:02d}"]
    if (today.month, today.day) == (2, 28) and not _is_leap(today.year):
        keys.append("02-29")
    return keys


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
