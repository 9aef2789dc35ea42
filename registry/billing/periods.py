"""Billing periods, pure: a period is a calendar month, named by its first day."""

from __future__ import annotations

import calendar
import datetime as dt

from registry.core import limits
from registry.core.errors import FieldProblem, InvalidInputError


def parse_period(text: str) -> dt.date:
    """'2026-10' -> 2026-10-01: a month written and bounded as registry.core.limits says;
    InvalidInputError naming the `period` field otherwise."""
    try:
        return limits.parse_month(text)
    except limits.InputFault as fault:
        raise InvalidInputError(str(fault), problems=[FieldProblem("period", fault.code, str(fault))]) from fault


def require_period_start(period: dt.date) -> None:
    if period.day != 1:
        message = "a period starts on the first day of a month"
        raise InvalidInputError(message, problems=[FieldProblem("period", "not_first_day", message)])


def period_end(period: dt.date) -> dt.date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def previous_period(today: dt.date) -> dt.date:
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)
