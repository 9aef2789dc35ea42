"""Form fields for every page of ours (portal, console, admin forms): the bounds of
registry.core.limits, applied to what people type."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from registry.core import limits


class DateField(forms.DateField):
    """A date written YYYY-MM-DD, as a date input sends it, within the accepted range."""

    input_formats = ["%Y-%m-%d"]

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None:
            try:
                limits.check_date(value)
            except limits.InputFault as fault:
                raise ValidationError(str(fault), code=fault.code) from None
        return value


class DecimalField(forms.DecimalField):
    """An amount written as digits with at most one point ("3738.00"): not 1e5, 1_000 or +5,
    which Python's Decimal would read."""

    def __init__(self, *, max_digits: int, decimal_places: int, **kwargs) -> None:
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        self._written = re.compile(limits.decimal_pattern(max_digits, decimal_places))

    def to_python(self, value):
        if isinstance(value, str) and value.strip() not in self.empty_values:
            value = value.strip()
            if not self._written.fullmatch(value):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
