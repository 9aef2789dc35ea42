"""Billing periods, pure: a period is a calendar month, named by its first day."""

from __future__ import annotations

import calendar
import datetime as dt

from registry.core.errors import FieldProblem, InvalidInputError


def parse_period(text: str) -> dt.date:
    """'2026-10' -> 2026-10-01; InvalidInputError naming the `period` field otherwise."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError) as exc:
        message = f"{text!r} is not a period; use YYYY-MM, e.g. 2026-10"
        raise InvalidInputError(message, problems=[FieldProblem("period", "invalid", message)]) from exc


def require_period_start(period: dt.date) -> None:
    if period.day != 1:
        message = "a period starts on the first day of a month"
        raise InvalidInputError(message, problems=[FieldProblem("period", "not_first_day", message)])


def period_end(period: dt.date) -> dt.date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def previous_period(today: dt.date) -> dt.date:
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)
