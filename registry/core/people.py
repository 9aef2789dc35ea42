"""Facts about people that several rules need, pure (no Django): age and minority."""

from __future__ import annotations

import datetime as dt

MINOR_AGE_YEARS = 18


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    had_birthday = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if had_birthday else 1)


def is_minor_on(date_of_birth: dt.date, day: dt.date, date_of_death: dt.date | None = None) -> bool:
    """Under 18 on `day`. A performer who died as a child stays a child: age stops at death."""
    if date_of_death is not None and day > date_of_death:
        day = date_of_death
    return age_on(date_of_birth, day) < MINOR_AGE_YEARS


def add_years(day: dt.date, years: int) -> dt.date:
    """The anniversary of `day` `years` later, as `age_on` counts it: someone born on 29 February
    has their birthday on 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)
