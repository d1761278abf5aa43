"""Festival dates from the Chinese calendar, checked against published dates."""

from __future__ import annotations

from datetime import date

import pytest

from keyi.packages.marketing.occasions import birthday_keys, birthday_matches, occasion_date

# Published Gregorian dates (the State Council's holiday notices / Hong Kong Observatory tables).
KNOWN = [
    ("spring_festival", 2024, date(2024, 2, 10)),
    ("spring_festival", 2025, date(2025, 1, 29)),
    ("spring_festival", 2026, date(2026, 2, 17)),
    ("spring_festival", 2027, date(2027, 2, 6)),
    ("lantern_festival", 2026, date(2026, 3, 3)),
    ("dragon_boat", 2025, date(2025, 5, 31)),
    ("dragon_boat", 2026, date(2026, 6, 19)),
    ("mid_autumn", 2024, date(2024, 9, 17)),
    ("mid_autumn", 2025, date(2025, 10, 6)),
    ("mid_autumn", 2026, date(2026, 9, 25)),
    ("national_day", 2026, date(2026, 10, 1)),
    ("new_year", 2027, date(2027, 1, 1)),
]


@pytest.mark.parametrize(("occasion", "year", "expected"), KNOWN)
def test_festival_dates(occasion: str, year: int, expected: date) -> None:
    assert occasion_date(occasion, year) == expected


def test_birthdays_have_no_single_date() -> None:
    with pytest.raises(ValueError, match="birthday"):
        occasion_date("birthday", 2026)


def test_leap_day_birthdays_are_greeted_on_28_february_in_common_years() -> None:
    leap_born = date(2000, 2, 29)
    assert birthday_matches(leap_born, date(2027, 2, 28))
    assert not birthday_matches(leap_born, date(2028, 2, 28))
    assert birthday_matches(leap_born, date(2028, 2, 29))
    assert birthday_keys(date(2027, 2, 28)) == ["02-28", "02-29"]
    assert birthday_keys(date(2028, 2, 28)) == ["02-28"]
    assert birthday_matches(date(1990, 6, 1), date(2026, 6, 1))
    assert not birthday_matches(date(1990, 6, 1), date(2026, 6, 2))
