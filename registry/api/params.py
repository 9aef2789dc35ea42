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
    return whole_number_parameter(name, limits.EARLIEST_DATE.year, limits.LATEST_DATE.year)


def year(params, name: str = "year") -> int:
    """A calendar year within the accepted dates."""
    return whole_number(params, name, limits.EARLIEST_DATE.year, limits.LATEST_DATE.year)


def whole_number_parameter(name: str, low: int, high: int, *, required: bool = True) -> OpenApiParameter:
    return OpenApiParameter(name, {"type": "integer", "minimum": low, "maximum": high}, required=required)


def whole_number(params, name: str, low: int, high: int) -> int:
    """A whole number from `low` to `high`, written in digits."""
    text = params.get(name, "")
    if not (re.fullmatch("[0-9]{1,9}", text) and low <= int(text) <= high):
        _refuse(name, limits.InputFault(f"Give a whole number from {low} to {high}."))
    return int(text)


FLAG_VALUES = {"true": True, "1": True, "false": False, "0": False}


def flag_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, enum=list(FLAG_VALUES), required=False, description=description)


def flag(params, name: str) -> bool:
    """An optional yes/no parameter: true or 1, false or 0; absent is false."""
    text = params.get(name)
    if text is None:
        return False
    if text not in FLAG_VALUES:
        _refuse(name, limits.InputFault("Give true or false (or 1 or 0)."))
    return FLAG_VALUES[text]


def date_parameter(name: str, description: str, *, required: bool = False) -> OpenApiParameter:
    return OpenApiParameter(name, str, required=required, pattern=limits.DATE_PATTERN, description=description)


def date(params, name: str, default: dt.date | None = None) -> dt.date:
    """A calendar date written YYYY-MM-DD; `default` when the parameter is absent."""
    if name not in params and default is not None:
        return default
    try:
        return limits.parse_date(params.get(name, ""))
    except limits.InputFault as fault:
        _refuse(name, fault)


def currency_parameter(required: bool = False) -> OpenApiParameter:
    return OpenApiParameter("currency", str, required=required, pattern="^[A-Z]{3}$", description="ISO 4217 code")


def currency(params, default: str) -> str:
    text = params.get("currency", default)
    if not re.fullmatch("[A-Z]{3}", text or ""):
        _refuse("currency", limits.InputFault(f"{text!r} is not an ISO 4217 code such as USD."))
    return text
