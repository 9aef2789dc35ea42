"""Query parameters read with the written forms and bounds of registry.core.limits, as request
bodies are: a bad one is a 400 problem naming it. The OpenAPI parameters state the same forms."""

from __future__ import annotations

import datetime as dt
import re

from drf_spectacular.utils import OpenApiParameter

from registry.core import limits
from registry.core.errors import FieldProblem, InvalidInputError


def _refuse(name: str, fault: limits.InputFault):
    raise InvalidInputError(f"{name}: {fault}", problems=[FieldProblem(name, fault.code, str(fault))]) from None


def month_parameter(name: str = "period", *, required: bool = True) -> OpenApiParameter:
    return OpenApiParameter(
        name, str, required=required, pattern=limits.MONTH_PATTERN, description=f"A month, YYYY-MM ({name})"
    )


def month(params, name: str = "period") -> dt.date:
    """A month written YYYY-MM, as its first day."""
    try:
        return limits.parse_month(params.get(name, ""))
    except limits.InputFault as fault:
        _refuse(name, fault)


def year_parameter(name: str = "year") -> OpenApiParameter:
    return OpenApiParameter(
        name, int, required=True, description=f"A year from {limits.EARLIEST_DATE.year} to {limits.LATEST_DATE.year}"
    )


def year(params, name: str = "year") -> int:
    """A calendar year within the accepted dates."""
    text = params.get(name, "")
    low, high = limits.EARLIEST_DATE.year, limits.LATEST_DATE.year
    if not (re.fullmatch("[0-9]{4}", text) and low <= int(text) <= high):
        _refuse(name, limits.InputFault(f"Give a calendar year from {low} to {high}, e.g. 2025."))
    return int(text)
